import { describe, expect, it } from 'vitest';
import { toLegacySuffixedColumns } from '../../../exporters/sentinel-logs-ingestion/client.js';
import {
  aiAnalyst,
  corpusPayloads,
  corpusPresent,
  emailAlert,
  flatAlerts,
  policyBreach,
  systemAlert,
} from '../sentinel-datacollector/flat-alerts.js';

// The 79 columns of darktrace_model_alerts_CL listed in sentinel.md §3.3 (TimeGenerated included).
const legacyColumns = new Set(
  `actions_s activityId_s alert_name_s attachment_sha1s_s bestDeviceName_s breachTime_s breachUrl_s cSensorID_s
  currentGroup_s description_s destHost_s destIP_s destMac_s destPort_s details_s deviceIP_s direction_s dtProduct_s
  endTime_s friendlyName_s from_s groupCategory_s groupingId_s groupPreviousGroups_s hostname_s identifier_s ip_address_s
  link_hosts_s mac_s mitreTechniques_s modelName_s name_s priority_level_s priority_s recipients_s sourceHost_s
  sourceMac_s sourcePort_s startTime_s status_s subject_s summary_s summaryFirstSentence_s tags_s time_s title_s
  triggeredComponents_s typeLabel_s url_s uuid_s anomaly_score_d child_id_d deviceId_d groupScore_d last_updated_d
  last_updated_status_d latitude_d longitude_d pid_d priority_code_d priority_d score_d sid_d threatID_d antigena_b
  blocked_b compliance_b cSensor_b groupByActivity_b newEvent_b cSensorID_g externalId_g uuid_g timestamp_t Category
  Message Severity SourceIP TimeGenerated`.split(/\s+/),
);

describe('toLegacySuffixedColumns', () => {
  it('maps each fixture kind only onto columns the classic table has', () => {
    expect(legacyColumns.size).toBe(79);
    for (const alert of flatAlerts) {
      for (const column of Object.keys(toLegacySuffixedColumns(alert)))
        expect(legacyColumns).toContain(column);
    }
  });

  it('suffixes a model breach by JSON type and keeps the four special names unsuffixed', () => {
    const row = toLegacySuffixedColumns(policyBreach);
    expect(row).toMatchObject({
      dtProduct_s: 'Policy Breach',
      threatID_d: 4711,
      breachTime_s: '2024-05-01 12:34:56', // space-separated: not an ISO date-time, stays a string
      uuid_g: policyBreach.uuid,
      score_d: 81,
      Category: 'Critical',
      compliance_b: false,
      tags_s: '["Ünïcode","test"]',
      mitreTechniques_s: '[]',
      Message: 'Breach on müller-laptop',
      sid_d: -7,
      SourceIP: '192.0.2.10',
      sourcePort_s: '51515', // ports stay strings
      destMac_s: '',
    });
    expect(row).not.toHaveProperty('message_s');
  });

  it('drops nulls and keeps Severity as a number', () => {
    const row = toLegacySuffixedColumns(aiAnalyst);
    expect(row).not.toHaveProperty('subnet_s');
    expect(row).not.toHaveProperty('groupPreviousGroups_s');
    expect(row).toMatchObject({ Severity: 7, externalId_g: aiAnalyst.externalId, groupScore_d: 72.9 });
  });

  it('types the email timestamp as a date-time and its non-GUID uuid as a string', () => {
    const row = toLegacySuffixedColumns(emailAlert);
    expect(row).toMatchObject({
      timestamp_t: '2024-05-01T12:00:00.123',
      uuid_s: emailAlert.uuid,
      anomaly_score_d: 100,
    });
  });

  it('keeps a system alert uuid as a GUID', () => {
    expect(toLegacySuffixedColumns(systemAlert)).toMatchObject({
      uuid_g: systemAlert.uuid,
      priority_code_d: 71,
      priority_s: 'high',
    });
  });

  it('recognises a GUID without dashes and adds them, as the service does', () => {
    expect(toLegacySuffixedColumns({ cSensorID: '0123456789ABCDEF0123456789abcdef' })).toEqual({
      cSensorID_g: '01234567-89AB-CDEF-0123-456789abcdef',
    });
  });

  it('flattens nested objects as parent_child_<suffix>', () => {
    expect(toLegacySuffixedColumns({ client: { geo: { lat: 1.5, ok: true }, name: 'n' } })).toEqual({
      client_geo_lat_d: 1.5,
      client_geo_ok_b: true,
      client_name_s: 'n',
    });
  });

  it('emits only the first of keys that differ only in case', () => {
    expect(toLegacySuffixedColumns({ severity: 9, Severity: 3 })).toEqual({ Severity: 9 });
  });

  it('passes TimeGenerated through unchanged', () => {
    expect(toLegacySuffixedColumns({ TimeGenerated: '2024-05-01T00:00:00Z' })).toEqual({
      TimeGenerated: '2024-05-01T00:00:00Z',
    });
  });
});

describe.skipIf(!corpusPresent)('toLegacySuffixedColumns over the shared corpus', () => {
  it('produces only suffixed or special column names and no null values', () => {
    const special = new Set(['Message', 'Category', 'Severity', 'SourceIP', 'Computer', 'TimeGenerated']);
    for (const payload of corpusPayloads()) {
      for (const [column, value] of Object.entries(toLegacySuffixedColumns(payload))) {
        if (!special.has(column)) expect(column).toMatch(/^[A-Za-z0-9_]+_[sdbtg]$/);
        expect(value).not.toBeNull();
      }
    }
  });

  it('keeps the corpus model uuids as strings, since they are sanitised and not valid GUIDs', () => {
    const breach = corpusPayloads().find(
      (p) => typeof (p['model'] as { uuid?: unknown } | undefined)?.uuid === 'string',
    );
    expect(breach).toBeDefined();
    expect(Object.keys(toLegacySuffixedColumns(breach!))).toContain('model_uuid_s');
  });
});
if (!corpusPresent)
  console.warn('shared corpus not found (../shared/corpus): corpus legacy-column tests skipped');
