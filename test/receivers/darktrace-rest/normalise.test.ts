import { describe, expect, it, onTestFinished } from 'vitest';
import { DarktraceClient } from '../../../receivers/darktrace-rest/client.js';
import {
  detectKind,
  normaliseModelBreach,
  normaliseRestRecord,
} from '../../../receivers/darktrace-rest/normalise.js';
import {
  corpusDir,
  corpusPresent,
  makeIncidentEvent,
  makeModelBreach,
  startFakeDarktrace,
} from '../../support/fake-darktrace.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// Written for these tests: a REST breach fetched without historicmodelonly and without deviceattop.
const restShaped = {
  pbid: 42,
  time: 1714566000123,
  creationTime: 1714566004000,
  score: 0.8,
  model: {
    then: { name: 'Anomalous Connection::Fake Then', phid: 10, category: 'Suspicious' },
    now: { name: 'Anomalous Connection::Fake Now', phid: 11, category: 'Critical' },
  },
  triggeredComponents: [
    {
      time: 1714566000000,
      cid: 1,
      device: { did: 12, ip: '198.51.100.12' },
      metric: { label: 'Connections' },
    },
    {
      time: 1714566000100,
      cid: 2,
      device: { did: 12, ip: '198.51.100.12' },
      metric: { label: 'Data Transfer' },
    },
  ],
};

describe('normaliseModelBreach', () => {
  it('turns a then/now model and per-component devices into the syslog shape', () => {
    expect(normaliseModelBreach(deepFreeze(structuredClone(restShaped)))).toEqual({
      pbid: 42,
      time: 1714566000123,
      creationTime: 1714566004000,
      score: 0.8,
      model: { name: 'Anomalous Connection::Fake Then', phid: 10, category: 'Suspicious' },
      device: { did: 12, ip: '198.51.100.12' },
      triggeredComponents: [
        { time: 1714566000000, cid: 1, metric: { label: 'Connections' } },
        { time: 1714566000100, cid: 2, metric: { label: 'Data Transfer' } },
      ],
    });
  });

  it('falls back to the current model when the historic one is missing', () => {
    const body = normaliseModelBreach({ pbid: 1, model: { now: { name: 'A::B', phid: 3 } } });
    expect(body['model']).toEqual({ name: 'A::B', phid: 3 });
  });

  it('leaves a breach that already has the syslog shape unchanged', () => {
    const breach = deepFreeze(makeModelBreach({ pbid: 7, time: 1714566000000 }));
    expect(normaliseModelBreach(breach)).toEqual(breach);
  });

  it('keeps the top-level device when both places carry one', () => {
    const body = normaliseModelBreach({
      pbid: 1,
      model: { name: 'x' },
      device: { did: 1 },
      triggeredComponents: [{ cid: 1, device: { did: 2 } }],
    });
    expect(body['device']).toEqual({ did: 1 });
    expect(body['triggeredComponents']).toEqual([{ cid: 1 }]);
  });

  it('tolerates minimal components and odd values without throwing', () => {
    expect(normaliseModelBreach({ pbid: 1, model: null, triggeredComponents: [{}, 'x', null] })).toEqual({
      pbid: 1,
      model: null,
      triggeredComponents: [{}, 'x', null],
    });
  });
});

describe('normaliseRestRecord', () => {
  it('returns the kind with the body', () => {
    const event = makeIncidentEvent({ id: 'e1', createdAt: 1714566000000 });
    const result = normaliseRestRecord('ai_analyst', event);
    expect(result).toEqual({ kind: 'ai_analyst', body: event });
    expect(result?.body).not.toBe(event);
    expect(normaliseRestRecord('model_breach', restShaped)?.kind).toBe('model_breach');
  });

  it('returns undefined for values that are not JSON objects', () => {
    expect(normaliseRestRecord('model_breach', null)).toBeUndefined();
    expect(normaliseRestRecord('ai_analyst', [1, 2])).toBeUndefined();
    expect(normaliseRestRecord('ai_analyst', 'text')).toBeUndefined();
  });
});

describe('detectKind', () => {
  it('recognises breaches and AI Analyst events and nothing else', () => {
    expect(detectKind(makeModelBreach({ pbid: 1, time: 1 }))).toBe('model_breach');
    expect(detectKind(makeIncidentEvent({ id: 'x', createdAt: 1 }))).toBe('ai_analyst');
    expect(detectKind({ uuid: 'u', status: 'active', priority_level: 'high' })).toBeUndefined();
    expect(detectKind('nope')).toBeUndefined();
  });
});

if (!corpusPresent) console.warn(`Corpus not found at ${corpusDir}: skipping the corpus tests of normalise.`);

describe.skipIf(!corpusPresent)('normalise with the corpus alerts', () => {
  it('brings every corpus breach fetched in the raw REST shape back to its syslog body', async () => {
    const fake = await startFakeDarktrace({ corpus: true, generate: false });
    const client = new DarktraceClient({
      url: fake.url,
      publicToken: fake.publicToken,
      privateToken: fake.privateToken,
    });
    onTestFinished(async () => {
      await client.close();
      await fake.close();
    });
    const raw = (await client.getModelBreaches({
      starttime: Date.UTC(2020, 0, 1),
      endtime: Date.UTC(2026, 0, 1),
      historicModelOnly: false,
      deviceAtTop: false,
    })) as Record<string, unknown>[];
    expect(raw.length).toBe(fake.alerts().breaches.length);
    expect(raw.every((r) => 'then' in (r['model'] as object))).toBe(true);

    const syslog = new Map(
      fake.alerts().breaches.map((b) => [`${String(b['pbid'])}@${String(b['time'])}`, b]),
    );
    for (const record of raw) {
      const body = normaliseRestRecord('model_breach', record)?.body;
      expect(body).toEqual(syslog.get(`${String(record['pbid'])}@${String(record['time'])}`));
    }
  });
});
