import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, detectAlertKind, eventNameForKind } from '../../../receivers/darktrace-syslog/kind.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';

describe('detectAlertKind', () => {
  it.each(loadSampleAlerts().map((s) => [s.name, s.kind, s.alert] as const))(
    'classifies the %s sample as %s',
    (_name, kind, alert) => {
      expect(detectAlertKind(alert)).toBe(kind);
    },
  );

  it.each<[string, Record<string, unknown>, string]>([
    ['a breach needs a model object', { pbid: 7, model: 'x' }, 'unknown'],
    ['a breach with a string pbid', { pbid: '7', model: {} }, 'model_breach'],
    [
      'a breach that also carries aiaScore stays a breach',
      { pbid: 7, model: {}, aiaScore: 50 },
      'model_breach',
    ],
    ['an AI event recognised by aiaScore alone', { aiaScore: 0 }, 'ai_analyst'],
    ['an AI event without aiaScore', { summariser: 'ScanSummary', breachDevices: [] }, 'ai_analyst'],
    ['a null aiaScore is not enough', { aiaScore: null }, 'unknown'],
    ['a system alert by last_updated', { last_updated: 1, uuid: 'u', status: 'active' }, 'system_status'],
    [
      'a system alert by priority_level',
      { priority_level: 'low', uuid: 'u', status: 'resolved' },
      'system_status',
    ],
    ['a system-like object without status', { alert_name: 'Probe Down', uuid: 'u' }, 'unknown'],
    ['an email by product marker', { dtProduct: 'Antigena Email' }, 'email'],
    ['an email by the newer product field', { darktraceProduct: 'Darktrace / EMAIL' }, 'email'],
    [
      'a flat Sentinel breach is not mistaken for email',
      { dtProduct: 'Policy Breach', uuid: 'u', anomaly_score: 3, from: 'x' },
      'unknown',
    ],
    ['an email by score, uuid and a mail field', { anomalyScore: 12, uuid: 'u.1', recipients: [] }, 'email'],
    ['a score and uuid without any mail field', { anomaly_score: 12, uuid: 'u.1' }, 'unknown'],
    ['an empty object', {}, 'unknown'],
  ])('handles %s', (_name, alert, kind) => {
    expect(detectAlertKind(alert)).toBe(kind);
  });
});

describe('eventNameForKind', () => {
  it('prefixes every kind with darktrace.', () => {
    expect(ALERT_KINDS.map(eventNameForKind)).toEqual([
      'darktrace.model_breach',
      'darktrace.ai_analyst',
      'darktrace.system_status',
      'darktrace.email',
      'darktrace.unknown',
    ]);
  });
});
