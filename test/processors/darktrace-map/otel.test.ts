import { describe, expect, it } from 'vitest';
import { createMapper, severityBands, type AlertKind } from '../../../processors/darktrace-map/map.js';
import { fixture, ok } from './support.js';

describe('otel mapping', () => {
  const map = createMapper({ schema: 'otel' });

  it('keeps the alert itself as the body', () => {
    const alert = fixture('model-breach-flat');
    expect(ok(map('model_breach', alert)).body).toBe(alert);
  });

  it.each<[AlertKind, string]>([
    ['model_breach', 'model-breach-flat'],
    ['ai_analyst', 'ai-analyst-sections'],
    ['system_status', 'system-status'],
    ['email', 'email'],
  ])('names a %s event darktrace.<kind> and flattens only scalar darktrace.* attributes', (kind, name) => {
    const result = ok(map(kind, fixture(name)));
    expect(result.eventName).toBe(`darktrace.${kind}`);
    const attributes = Object.entries(result.attributes ?? {});
    expect(attributes.length).toBeGreaterThan(4);
    for (const [key, value] of attributes) {
      expect(key).toMatch(/^darktrace\.[a-z0-9_.]+$/);
      expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  });

  it('carries the breach identity, dedupe keys and device as attributes', () => {
    expect(ok(map('model_breach', fixture('model-breach-flat'))).attributes).toMatchObject({
      'darktrace.pbid': 4242,
      'darktrace.time': 1717236000123,
      'darktrace.creation_time': 1717236004000,
      'darktrace.model.phid': 2048,
      'darktrace.model.category': 'critical',
      'darktrace.score': 0.582,
      'darktrace.percentscore': 58,
      'darktrace.acknowledged': true,
      'darktrace.acknowledged_by': 'analyst@example.org',
      'darktrace.device.hostname': 'ws-311.corp.example.org',
      'darktrace.model.tags': 'AP: Exfiltration',
    });
  });

  // Bands: ≤40 low/INFO 9, ≤60 medium/WARN 13, ≤80 high/ERROR 17, above critical/FATAL 21.
  it.each<[string, AlertKind, Record<string, unknown>, number, string]>([
    ['breach score 0.25', 'model_breach', { pbid: 1, score: 0.25 }, 9, 'low'],
    ['breach score 0.582', 'model_breach', { pbid: 1, score: 0.582 }, 13, 'medium'],
    ['breach pbscore 0.75 without score', 'model_breach', { pbid: 1, pbscore: 0.75 }, 17, 'high'],
    ['breach percentscore 90 only', 'model_breach', { pbid: 1, percentscore: 90 }, 21, 'critical'],
    [
      'breach without score, model priority 3',
      'model_breach',
      { pbid: 1, model: { priority: 3 } },
      13,
      'medium',
    ],
    ['AI aiaScore 40', 'ai_analyst', { id: 'a', aiaScore: 40 }, 9, 'low'],
    ['AI groupScore string "61" only', 'ai_analyst', { id: 'a', groupScore: '61' }, 17, 'high'],
    [
      'system priority 98 critical',
      'system_status',
      { uuid: 'u', priority: 98, priority_level: 'critical' },
      21,
      'critical',
    ],
    ['email anomaly 55', 'email', { uuid: 'e', anomaly_score: 55 }, 13, 'medium'],
  ])('sets severity from the %s', (_name, kind, alert, number, text) => {
    const result = ok(map(kind, alert));
    expect(result.severityNumber).toBe(number);
    expect(result.severityText).toBe(text);
  });

  it('keeps the original priority_level text of a system alert as the severity text', () => {
    const result = ok(map('system_status', { uuid: 'u', priority: 30, priority_level: 'Medium' }));
    expect(result.severityNumber).toBe(9);
    expect(result.severityText).toBe('medium');
  });

  it('sets no severity when the alert has no score', () => {
    const result = ok(map('ai_analyst', { id: 'a' }));
    expect(result).not.toHaveProperty('severityNumber');
    expect(result).not.toHaveProperty('severityText');
  });

  it('documents four bands ending in FATAL', () => {
    expect(severityBands.map((b) => b.number)).toEqual([9, 13, 17, 21]);
  });

  it('passes unknown alerts on with their body and no attributes', () => {
    const alert = { something: 'else' };
    const result = ok(map('unknown', alert));
    expect(result.body).toBe(alert);
    expect(result.eventName).toBe('darktrace.unknown');
    expect(result.attributes).toEqual({});
  });
});
