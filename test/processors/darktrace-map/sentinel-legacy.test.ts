import { describe, expect, it } from 'vitest';
import { createMapper, type AlertKind } from '../../../processors/darktrace-map/map.js';
import { dataCollectorColumns, fixture, ok } from './support.js';

// The columns the Darktrace solution's rules, workbook and sample query read, per dtProduct
// (reference/sentinel.md §3.4). Unsuffixed names are the Data Collector's special columns.
const readColumns: Readonly<Record<Exclude<AlertKind, 'unknown'>, readonly string[]>> = {
  model_breach: [
    'dtProduct_s',
    'score_d',
    'breachTime_s',
    'modelName_s',
    'pid_d',
    'threatID_d',
    'SourceIP',
    'hostname_s',
    'sourceMac_s',
    'sourcePort_s',
    'destIP_s',
    'destPort_s',
    'destHost_s',
    'destMac_s',
    'compliance_b',
    'cSensor_b',
    'description_s',
    'antigena_b',
    'deviceId_d',
    'sid_d',
    'tags_s',
    'mitreTechniques_s',
    'Message',
    'uuid_g',
    'breachUrl_s',
    'typeLabel_s',
    'triggeredComponents_s',
    'details_s',
    'longitude_d',
    'latitude_d',
    'Category',
  ],
  ai_analyst: [
    'dtProduct_s',
    'startTime_s',
    'endTime_s',
    'title_s',
    'externalId_g',
    'score_d',
    'hostname_s',
    'deviceIP_s',
    'url_s',
    'summary_s',
    'groupScore_d',
    'groupCategory_s',
    'bestDeviceName_s',
    'identifier_s',
    'activityId_s',
    'groupingId_s',
    'groupByActivity_b',
    'summaryFirstSentence_s',
    'newEvent_b',
    'currentGroup_s',
    'groupPreviousGroups_s',
    'time_s',
    'Severity',
    'longitude_d',
    'latitude_d',
  ],
  system_status: [
    'dtProduct_s',
    'time_s',
    'friendlyName_s',
    'deviceIP_s',
    'hostname_s',
    'priority_code_d',
    'priority_s',
    'Severity',
    'name_s',
    'status_s',
    'Message',
    'url_s',
    'uuid_g',
  ],
  email: [
    'dtProduct_s',
    'actions_s',
    'recipients_s',
    'anomaly_score_d',
    'attachment_sha1s_s',
    'from_s',
    'subject_s',
    'tags_s',
    'timestamp_t',
    'uuid_s',
    'url_s',
    'direction_s',
  ],
};

const fullFixtures: readonly (readonly [Exclude<AlertKind, 'unknown'>, string, string])[] = [
  ['model_breach', 'model-breach-flat', 'Policy Breach'],
  ['ai_analyst', 'ai-analyst-sections', 'AI Analyst'],
  ['system_status', 'system-status', 'System Alert'],
  ['email', 'email', 'Antigena Email'],
];

describe('sentinel-legacy mapping', () => {
  const map = createMapper({ schema: 'sentinel-legacy' });

  it('covers the 65 columns the Darktrace solution reads', () => {
    expect(new Set(Object.values(readColumns).flat()).size).toBe(65);
  });

  it.each(fullFixtures)(
    'creates every column the solution reads for a %s alert, with the same type suffix',
    (kind, name, product) => {
      const { body } = ok(map(kind, fixture(name)));
      const columns = new Set(dataCollectorColumns(body));
      const missing = readColumns[kind].filter((c) => !columns.has(c));
      expect(missing).toEqual([]);
      expect(body['dtProduct']).toBe(product);
    },
  );

  it.each(fullFixtures)('creates no column twice with different suffixes for a %s alert', (kind, name) => {
    const { body } = ok(map(kind, fixture(name)));
    const bases = dataCollectorColumns(body).map((c) => c.replace(/_[sdbgt]$/, '').toLowerCase());
    expect(bases.length).toBe(new Set(bases).size);
  });

  it('writes breach fields in Darktrace push formats', () => {
    const { body } = ok(map('model_breach', fixture('model-breach-flat')));
    expect(body).toMatchObject({
      threatID: 4242,
      breachTime: '2024-06-01 10:00:00',
      score: 58.2,
      uuid: '3b9f6a2e-5c1d-4e8f-a7b6-c5d4e3f2a1b0',
      category: 'Critical',
      sourceIP: '10.20.30.40',
      sourcePort: '51234',
      destIP: '198.51.100.23',
      destPort: '443',
      destHost: 'files.rare-example.net',
      destMac: '',
      antigena: true,
      tags: ['AP: Exfiltration'],
      message: 'Anomalous Connection::Data Sent to Rare Domain breach on ws-311.corp.example.org',
    });
    expect(body['triggeredComponents']).toMatch(
      /^External Connections: Direction is out, .*Destination IP: 198\.51\.100\.23/,
    );
  });

  it('writes AI Analyst times as Darktrace text dates and the incident fields as the push does', () => {
    const { body } = ok(map('ai_analyst', fixture('ai-analyst-sections')));
    expect(body).toMatchObject({
      startTime: 'May 27th 2024 03:20:00 UTC',
      endTime: 'May 27th 2024 07:30:00 UTC',
      time: 'May 27th 2024 08:53:20 UTC',
      externalId: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
      groupScore: 81.25,
      groupingId: 'c0ffee01',
      groupPreviousGroups: [],
      score: 57.5,
      severity: 6,
      deviceIP: '10.9.8.7',
      bestDeviceName: 'ws-17.example.org',
      summaryFirstSentence:
        'The device ws-17.example.org made RDP connections to servers it does not usually reach.',
    });
  });

  it('writes system alerts with a capitalised status, a text date and a 0–10 severity', () => {
    const { body } = ok(map('system_status', fixture('system-status')));
    expect(body).toMatchObject({
      time: 'May 29th 2024 02:33:20 UTC',
      status: 'Resolved',
      priority_code: 71,
      priority: 'high',
      severity: 8,
      friendlyName: 'Probe Unreachable',
      deviceIP: '192.0.2.44',
    });
    expect(body).not.toHaveProperty('acknowledge_timeout');
  });

  it('keeps the email uuid as text and the timestamp as ISO without a zone', () => {
    const { body } = ok(map('email', fixture('email')));
    expect(body['uuid']).toBe('7C1D2E3F-4A5B-4C6D-8E7F-9A0B1C2D3E4F.2');
    expect(body['timestamp']).toBe('2024-06-03T10:20:30.456');
    expect(dataCollectorColumns(body)).toContain('uuid_s');
  });

  it('leaves a non-GUID model uuid unchanged rather than inventing one', () => {
    const alert = {
      ...fixture('model-breach-flat'),
      model: { name: 'X', uuid: '8abcdefg-1234-1234-1234-5abcdefg12' },
    };
    expect(ok(map('model_breach', alert)).body['uuid']).toBe('8abcdefg-1234-1234-1234-5abcdefg12');
  });

  it('answers no stream: the Data Collector table is chosen by the exporter', () => {
    expect(ok(map('model_breach', fixture('model-breach-flat'))).stream).toBeUndefined();
  });
});
