import { describe, expect, it } from 'vitest';
import { createMapper, type AlertKind } from '../../../processors/darktrace-map/map.js';
import { fixture, ok } from './support.js';

type ColumnType = 'string' | 'datetime' | 'int' | 'real' | 'bool' | 'dynamic';

function columns(spec: string): Record<string, ColumnType> {
  const out: Record<string, ColumnType> = {};
  for (const entry of spec.split(',')) {
    const [name, type] = entry.trim().split(' ');
    out[name!] = (type ?? 'string') as ColumnType;
  }
  return out;
}

// Stream declarations of the Darktrace CCF connector's DCR (reference/sentinel.md §4).
const streams: Readonly<
  Record<Exclude<AlertKind, 'unknown'>, { name: string; columns: Record<string, ColumnType> }>
> = {
  model_breach: {
    name: 'Custom-DarktraceModelAlerts',
    columns: columns(
      'alertTime datetime, alertUrl, antigena bool, category, cSensor bool, cSensorId, compliance bool, customLabel, ' +
        'darktraceProduct, description, destHost, destIp, destMac, destPort, details, deviceCredentials dynamic, ' +
        'deviceHostname, deviceId int, deviceLabel, deviceSubnet, deviceType, latitude real, longitude real, message, ' +
        'mitreTechniques dynamic, modelName, modelTags dynamic, pid int, score int, sid int, sourceHost, sourceIp, ' +
        'sourceMac, sourcePort, threatId int, triggeredComponents, typeLabel, uuid',
    ),
  },
  ai_analyst: {
    name: 'Custom-DarktraceIncidents',
    columns: columns(
      'activityId, aiaScore int, bestAssetName, currentGroup, customLabel, darktraceProduct, deviceHostname, deviceIp, ' +
        'deviceIdentifier, deviceMac, deviceSubnet, devices dynamic, endTime datetime, externalId, groupByActivity bool, ' +
        'groupCategory, groupPreviousGroups dynamic, groupScore int, groupingId, incidentEventTime datetime, ' +
        'incidentEventTitle, latitude real, longitude real, newEvent bool, severity int, startTime datetime, summary, ' +
        'summaryFirstSentence, url',
    ),
  },
  system_status: {
    name: 'Custom-DarktraceSystemStatusAlerts',
    columns: columns(
      'alertTime datetime, customLabel, darktraceHostname, darktraceProduct, deviceIp, friendlyModelName, message, ' +
        'modelName, priority, priorityCode int, status, severity int, statusName, url, uuid',
    ),
  },
  email: {
    name: 'Custom-DarktraceEMAIL',
    columns: columns(
      'actions dynamic, alertTime datetime, anomalyScore int, attachmentNames dynamic, attachmentSha1s dynamic, ' +
        'attachmentSha256s dynamic, customLabel, darktraceProduct, direction, from, linkHosts dynamic, messageId, ' +
        'recipientActions dynamic, recipients dynamic, subject, tags dynamic, timestamp datetime, url, uuid',
    ),
  },
};

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function matches(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'datetime':
      return typeof value === 'string' && ISO_UTC.test(value);
    case 'int':
      return Number.isInteger(value);
    case 'real':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'dynamic':
      return typeof value === 'object' && value !== null;
  }
}

const cases: readonly (readonly [Exclude<AlertKind, 'unknown'>, string])[] = [
  ['model_breach', 'model-breach-flat'],
  ['model_breach', 'model-breach-then-now'],
  ['model_breach', 'model-breach-test-alert'],
  ['ai_analyst', 'ai-analyst-sections'],
  ['ai_analyst', 'ai-analyst-blocks'],
  ['system_status', 'system-status'],
  ['email', 'email'],
];

describe('sentinel-ccf mapping', () => {
  const map = createMapper({ schema: 'sentinel-ccf' });

  it.each(cases)(
    'routes a %s alert (%s) to its stream with only declared columns of the declared type',
    (kind, name) => {
      const result = ok(map(kind, fixture(name)));
      const stream = streams[kind];
      expect(result.stream).toBe(stream.name);
      const wrong = Object.entries(result.body).filter(([column, value]) => {
        const type = stream.columns[column];
        return type === undefined || !matches(type, value);
      });
      expect(wrong).toEqual([]);
    },
  );

  it('scales the 0–1 breach score to an integer percentage', () => {
    expect(ok(map('model_breach', fixture('model-breach-flat'))).body['score']).toBe(58);
    expect(ok(map('model_breach', { ...fixture('model-breach-flat'), score: undefined })).body['score']).toBe(
      61,
    );
  });

  it('fills the incident columns from the AI Analyst event', () => {
    expect(ok(map('ai_analyst', fixture('ai-analyst-sections'))).body).toMatchObject({
      externalId: '6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b',
      incidentEventTime: '2024-05-27T08:53:20.000Z',
      startTime: '2024-05-27T03:20:00.000Z',
      endTime: '2024-05-27T07:30:00.000Z',
      groupScore: 81,
      aiaScore: 58,
      deviceIp: '10.9.8.7',
      bestAssetName: 'ws-17.example.org',
    });
  });

  it('sends the zone-less email timestamp as UTC', () => {
    expect(ok(map('email', fixture('email'))).body['timestamp']).toBe('2024-06-03T10:20:30.456Z');
  });
});
