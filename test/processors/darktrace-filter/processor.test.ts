import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { validateConfigText } from '../../../core/config/validate.js';
import { builtinRegistry } from '../../../core/builtins.js';
import type { LogRecord } from '../../../core/consumer.js';
import { createRecord, sharedResource } from '../../../core/records.js';
import { testSettings } from '../../../core/testing/index.js';
import { darktraceFilterProcessorFactory } from '../../../processors/darktrace-filter/index.js';
import type {
  DarktraceAlertKind,
  DarktraceFilterConfig,
} from '../../../processors/darktrace-filter/options.js';
import {
  darktraceAlertKinds,
  darktraceFilterConfigSchema,
} from '../../../processors/darktrace-filter/options.js';
import { darktraceFilterDropReasons } from '../../../processors/darktrace-filter/predicate.js';
import { alertKindOf, darktraceFilterDropLabel } from '../../../processors/darktrace-filter/processor.js';
import type { AlertKind } from '../../../receivers/darktrace-syslog/kind.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import type { AlertFixture, FixtureName } from './fixtures.js';
import { fixtures } from './fixtures.js';
import { bodies, configured, startProcessor } from './harness.js';

const factory = darktraceFilterProcessorFactory;
const resource = sharedResource({
  'service.name': 'darktrace-collector',
  'darktrace.appliance': 'dt.example.com',
});

/** A record as the Darktrace receivers build it (kind attribute set). */
function received(fx: AlertFixture): LogRecord {
  return createRecord({
    time: 1_714_566_000_000,
    observedTime: 1_714_566_001_000,
    body: fx.alert,
    attributes: { 'darktrace.alert.kind': fx.kind, 'darktrace.source': 'syslog' },
    eventName: `darktrace.${fx.kind}`,
    resource,
  });
}

/** A record as the generator builds it: no kind attribute. */
function bare(body: unknown): LogRecord {
  return createRecord({ body, attributes: { 'generator.seq': 0 } });
}

describe('darktraceFilterProcessorFactory', () => {
  it('is a processor of type darktrace-filter whose schema is the option schema', () => {
    expect(factory.kind).toBe('processor');
    expect(factory.type).toBe('darktrace-filter');
    expect(factory.configSchema).toBe(darktraceFilterConfigSchema);
  });

  it('has an example config that passes the schema and validate', () => {
    expect(factory.exampleConfig).toBeDefined();
    expect(() => configured(factory, factory.exampleConfig)).not.toThrow();
  });

  it('fills every check with its off default from an empty config', () => {
    const config = configured(factory, {});
    expect(config.kinds).toEqual([...darktraceAlertKinds]);
    expect(config.model_breach?.min_score).toBe(0);
    expect(config.system_status?.include_resolved).toBe(true);
  });

  it('reports every bad address block and regex with its path', () => {
    const config = configured(factory, {});
    const bad: DarktraceFilterConfig = {
      ...config,
      model_breach: {
        ...config.model_breach,
        device_ips: { include: ['10.0.0.0/8', '10.0.0.0/33'], exclude: ['not-an-ip'] },
        model_names: { include: ['/(unclosed/'], exclude: [] },
      },
      ai_analyst: { ...config.ai_analyst, device_ips: { include: [], exclude: ['2001:db8::/129'] } },
    };
    const problems = factory.validate?.(bad, { configDir: '/' }) ?? [];
    expect(problems.map((p) => p.path)).toEqual([
      ['model_breach', 'model_names', 'include', 0],
      ['model_breach', 'device_ips', 'include', 1],
      ['model_breach', 'device_ips', 'exclude', 0],
      ['ai_analyst', 'device_ips', 'exclude', 0],
    ]);
    expect(problems[0]?.message).toMatch(/invalid regular expression/);
    expect(problems[1]?.message).toMatch(/prefix length is 0-32/);
    expect(problems[2]?.message).toMatch(/"not-an-ip" is not an IP address/);
  });

  it('makes dtcol validate point at the line of the bad CIDR', async () => {
    const yaml = [
      'receivers:',
      '  generator: {}',
      'processors:',
      '  darktrace-filter/critical:',
      '    model_breach:',
      '      device_ips:',
      '        exclude: ["192.0.2.0/24", "192.0.2.300"]',
      'exporters:',
      '  stdout: {}',
      'service:',
      '  pipelines:',
      '    logs: { receivers: [generator], processors: [darktrace-filter/critical], exporters: [stdout] }',
      '',
    ].join('\n');
    const result = await validateConfigText('p.yaml', '/tmp/p.yaml', yaml, {
      registry: builtinRegistry(),
      loadPlugins: false,
    });
    const errors = result.issues.filter((i) => i.severity === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_COMPONENT_CONFIG',
        component: 'darktrace-filter/critical',
        path: 'model_breach.device_ips.exclude[1]',
        message: '"192.0.2.300" is not an IP address or CIDR block',
        location: expect.objectContaining({ line: 7 }),
      }),
    ]);
  });
});

// One case per appliance filter: the input fixtures, the ones that pass, and the drops per metric label.
const cases: [string, DarktraceFilterConfig, FixtureName[], FixtureName[], Record<string, number>][] = [
  [
    'kinds',
    { kinds: ['model_breach', 'ai_analyst'] },
    ['breachFlat', 'aiCritical', 'systemActive', 'emailLegacy', 'unknownAlert'],
    ['breachFlat', 'aiCritical'],
    { kinds: 3 },
  ],
  [
    'model_breach.min_score on the UI scale',
    { model_breach: { min_score: 50 } },
    [
      'breachFlat',
      'breachThenNow',
      'breachThenOnly',
      'breachNewer',
      'breachPercentOnly',
      'breachTest',
      'breachMinimal',
      'aiSuspicious',
    ],
    ['breachFlat', 'breachThenOnly', 'breachPercentOnly', 'breachTest', 'aiSuspicious'],
    { 'model_breach.min_score': 3 },
  ],
  [
    'model_breach.score_field pbscore',
    { model_breach: { min_score: 60, score_field: 'pbscore' } },
    ['breachFlat', 'breachNewer', 'breachThenNow'],
    ['breachFlat', 'breachNewer'],
    { 'model_breach.min_score': 1 },
  ],
  [
    'model_breach.min_priority',
    { model_breach: { min_priority: 3 } },
    ['breachFlat', 'breachThenNow', 'breachThenOnly', 'breachTest', 'systemActive'],
    ['breachFlat', 'breachThenOnly', 'systemActive'],
    { 'model_breach.min_priority': 2 },
  ],
  [
    'model_breach.behaviours',
    { model_breach: { behaviours: ['critical', 'suspicious'] } },
    ['breachFlat', 'breachThenNow', 'breachNewer', 'breachTest', 'breachMinimal'],
    ['breachFlat', 'breachNewer'],
    { 'model_breach.behaviours': 3 },
  ],
  [
    'model_breach.model_names',
    { model_breach: { model_names: { exclude: ['Compliance::*', '/^device::/i'] } } },
    ['breachFlat', 'breachThenNow', 'breachThenOnly', 'breachTest'],
    ['breachFlat', 'breachTest'],
    { 'model_breach.model_names': 2 },
  ],
  [
    'model_breach.model_tags',
    { model_breach: { model_tags: { include: ['AP: *'] } } },
    ['breachFlat', 'breachThenOnly', 'breachNewer'],
    ['breachFlat'],
    { 'model_breach.model_tags': 2 },
  ],
  [
    'model_breach.device_ips exclude',
    { model_breach: { device_ips: { exclude: ['192.0.2.0/24'] } } },
    ['breachFlat', 'breachThenNow', 'breachNewer', 'breachMinimal'],
    ['breachFlat', 'breachNewer', 'breachMinimal'],
    { 'model_breach.device_ips': 1 },
  ],
  [
    'model_breach.device_ips include',
    { model_breach: { device_ips: { include: ['10.0.0.0/8', '198.51.100.0/24'] } } },
    ['breachFlat', 'breachThenNow', 'breachNewer', 'breachMinimal'],
    ['breachFlat', 'breachNewer'],
    { 'model_breach.device_ips': 2 },
  ],
  [
    'model_breach.device_tags',
    { model_breach: { device_tags: { include: ['finance'] } } },
    ['breachFlat', 'breachThenNow'],
    ['breachFlat'],
    { 'model_breach.device_tags': 1 },
  ],
  [
    'ai_analyst.min_event_score',
    { ai_analyst: { min_event_score: 50 } },
    ['aiCritical', 'aiSuspicious', 'aiNoScores', 'breachThenNow'],
    ['aiCritical', 'breachThenNow'],
    { 'ai_analyst.min_event_score': 2 },
  ],
  [
    'ai_analyst.min_incident_score (numeric string)',
    { ai_analyst: { min_incident_score: 70 } },
    ['aiCritical', 'aiSuspicious'],
    ['aiCritical'],
    { 'ai_analyst.min_incident_score': 1 },
  ],
  [
    'ai_analyst.event_behaviours',
    { ai_analyst: { event_behaviours: ['critical'] } },
    ['aiCritical', 'aiSuspicious', 'aiNoScores'],
    ['aiCritical', 'aiNoScores'],
    { 'ai_analyst.event_behaviours': 1 },
  ],
  [
    'ai_analyst.incident_behaviours',
    { ai_analyst: { incident_behaviours: ['critical', 'suspicious'] } },
    ['aiCritical', 'aiSuspicious', 'aiNoScores'],
    ['aiCritical'],
    { 'ai_analyst.incident_behaviours': 2 },
  ],
  [
    'ai_analyst.device_ips',
    { ai_analyst: { device_ips: { exclude: ['198.51.100.0/24'] } } },
    ['aiCritical', 'aiSuspicious'],
    ['aiCritical'],
    { 'ai_analyst.device_ips': 1 },
  ],
  [
    'system_status.min_priority (priority_level as fallback)',
    { system_status: { min_priority: 60 } },
    ['systemActive', 'systemResolved', 'systemLevelOnly'],
    ['systemResolved', 'systemLevelOnly'],
    { 'system_status.min_priority': 1 },
  ],
  [
    'system_status.include_resolved',
    { system_status: { include_resolved: false } },
    ['systemActive', 'systemResolved', 'systemLevelOnly'],
    ['systemActive', 'systemLevelOnly'],
    { 'system_status.include_resolved': 1 },
  ],
  [
    'email.min_anomaly_score',
    { email: { min_anomaly_score: 50 } },
    ['emailLegacy', 'emailStream'],
    ['emailLegacy'],
    { 'email.min_anomaly_score': 1 },
  ],
];

/** Dotted paths of the leaf keys of an object schema (or of a config). */
function leafPaths(value: Record<string, unknown>, viaProperties: boolean, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const inner = viaProperties ? (v as { properties?: Record<string, unknown> }).properties : v;
    // An include/exclude pair counts as one key.
    const isBranch =
      typeof inner === 'object' &&
      inner !== null &&
      !Array.isArray(inner) &&
      !('include' in inner) &&
      !('exclude' in inner);
    return isBranch
      ? leafPaths(inner as Record<string, unknown>, viaProperties, `${prefix}${key}.`)
      : [`${prefix}${key}`];
  });
}

describe('darktrace-filter processor', () => {
  it('has a case below for every key of the config schema', () => {
    const schemaKeys = leafPaths(darktraceFilterConfigSchema.properties, true);
    const covered = new Set(cases.flatMap(([, config]) => leafPaths({ ...config }, false)));
    expect([...covered].sort()).toEqual([...schemaKeys].sort());
  });

  it.each(cases)(
    'applies %s and counts the drops under the config key',
    async (_label, raw, input, kept, drops) => {
      const p = await startProcessor(factory, raw);
      await p.processor.consume(input.map((name) => received(fixtures[name])));
      expect(bodies(p.sink.records)).toEqual(kept.map((name) => fixtures[name].alert));
      expect(await p.drops()).toEqual(drops);
      expect(await p.count('accepted')).toBe(input.length);
    },
  );

  it('passes kept records on as the same objects, without copying', async () => {
    const p = await startProcessor(factory, { model_breach: { min_score: 50 } });
    const batch = [received(fixtures.breachFlat), received(fixtures.breachMinimal)];
    await p.processor.consume(batch);
    expect(p.processor.capabilities.mutatesData).toBe(false);
    expect(p.sink.records).toHaveLength(1);
    expect(p.sink.records[0]).toBe(batch[0]);
  });

  it('forwards nothing when every record of a batch is dropped', async () => {
    const p = await startProcessor(factory, { kinds: ['email'] });
    await p.processor.consume([received(fixtures.breachFlat), received(fixtures.aiCritical)]);
    expect(p.sink.batches).toHaveLength(0);
    expect(await p.dropped('kinds')).toBe(2);
  });

  it('shows each drop reason as its own series in the /metrics text', async () => {
    const p = await startProcessor(
      factory,
      { model_breach: { min_score: 50, min_priority: 3 }, system_status: { min_priority: 60 } },
      'darktrace-filter/critical',
    );
    await p.processor.consume(
      (['breachThenNow', 'breachMinimal', 'breachThenOnly', 'systemActive', 'breachFlat'] as const).map((n) =>
        received(fixtures[n]),
      ),
    );
    const text = await p.metrics();
    expect(text).toContain(
      'dtcol_component_records_total{component_id="darktrace-filter/critical",component_kind="processor",' +
        'outcome="dropped",reason="model_breach.min_score"} 2',
    );
    expect(text).toContain('reason="system_status.min_priority"} 1');
    expect(await p.dropped('model_breach.min_priority')).toBe(0);
    expect(bodies(p.sink.records)).toEqual([fixtures.breachThenOnly.alert, fixtures.breachFlat.alert]);
  });
});

describe('alert kind of a record', () => {
  const samples = loadSampleAlerts();

  it('has the same kinds as the receivers', () => {
    expectTypeOf<DarktraceAlertKind>().toEqualTypeOf<AlertKind>();
  });

  it('falls back to detecting the kind from the body when the attribute is absent', async () => {
    const p = await startProcessor(factory, { kinds: ['model_breach', 'system_status'] });
    await p.processor.consume(samples.map((s) => bare(s.alert)));
    const expected = samples.filter((s) => s.kind === 'model_breach' || s.kind === 'system_status');
    expect(expected.length).toBeGreaterThan(0);
    expect(bodies(p.sink.records)).toEqual(expected.map((s) => s.alert));
    expect(await p.dropped('kinds')).toBe(samples.length - expected.length);
  });

  it('applies the filters of the detected kind to records without the attribute', async () => {
    const p = await startProcessor(factory, { model_breach: { min_score: 50 } });
    await p.processor.consume([bare(fixtures.breachFlat.alert), bare(fixtures.breachThenNow.alert)]);
    expect(bodies(p.sink.records)).toEqual([fixtures.breachFlat.alert]);
    expect(await p.dropped('model_breach.min_score')).toBe(1);
  });

  it('trusts the attribute over the body', () => {
    const record = createRecord({
      body: fixtures.breachFlat.alert,
      attributes: { 'darktrace.alert.kind': 'system_status' },
    });
    expect(alertKindOf(record)).toBe('system_status');
  });

  it.each<[string, unknown, unknown, DarktraceAlertKind]>([
    ['an unknown attribute value', 'modelbreach', fixtures.breachFlat.alert, 'model_breach'],
    ['a non-string attribute', 7, fixtures.aiCritical.alert, 'ai_analyst'],
    ['a string body', undefined, 'pbid model', 'unknown'],
    ['an array body', undefined, [fixtures.breachFlat.alert], 'unknown'],
    ['no body', undefined, undefined, 'unknown'],
    ['a null body', undefined, null, 'unknown'],
  ])('detects from the body for %s', (_label, attribute, body, kind) => {
    const record = createRecord({
      body,
      attributes: attribute === undefined ? {} : { 'darktrace.alert.kind': attribute },
    });
    expect(alertKindOf(record)).toBe(kind);
  });
});

describe('darktrace-filter on records already mapped', () => {
  it('warns once that it belongs before darktrace-map', async () => {
    const lines: string[] = [];
    const settings = {
      ...testSettings('darktrace-filter/late', 'processor'),
      logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }),
    };
    const p = await startProcessor(factory, {}, 'darktrace-filter/late', settings);
    const mapped = createRecord({
      body: { event: { kind: 'alert' } },
      attributes: { 'darktrace.alert.kind': 'model_breach', 'darktrace.map.schema': 'ecs' },
    });
    await p.processor.consume([mapped, mapped]);
    await p.processor.consume([received(fixtures.breachFlat)]);
    expect(p.sink.records).toHaveLength(3);
    const logs = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logs).toHaveLength(1);
    expect(logs[0]?.level).toBe(40);
    expect(logs[0]?.msg).toBe(
      'Processor "darktrace-filter/late" received 1 records already mapped by darktrace-map; ' +
        'place darktrace-filter before darktrace-map in the pipeline.',
    );
  });
});

// Bodies: anything at all, or a real alert shape with some fields replaced by anything.
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  key: fc.constantFrom('pbid', 'model', 'name', 'tags', 'ip', 'device', '__proto__', 'status', 'then', 'now'),
});
const alertKeys = [
  'pbid',
  'score',
  'pbscore',
  'percentscore',
  'model',
  'device',
  'aiaScore',
  'groupScore',
  'category',
  'groupCategory',
  'breachDevices',
  'priority',
  'priority_level',
  'status',
  'anomaly_score',
  'anomalyScore',
  'uuid',
  'alert_name',
] as const;
const fixtureList = Object.values(fixtures);
const oddAlert = fc
  .tuple(fc.constantFrom(...fixtureList), fc.dictionary(fc.constantFrom(...alertKeys), anything))
  .map(([fx, changes]) => ({ ...(fx.alert as object), ...changes }));
const body = fc.oneof(anything, oddAlert);
const kindAttribute = fc.option(fc.oneof(fc.constantFrom(...darktraceAlertKinds), fc.string(), fc.integer()));

// Every check on, so each field is read.
const everyCheck: DarktraceFilterConfig = {
  kinds: ['model_breach', 'ai_analyst', 'system_status', 'email', 'unknown'],
  model_breach: {
    min_score: 30,
    min_priority: 1,
    behaviours: ['critical', 'suspicious', 'compliance'],
    model_names: { include: ['*::*', '/test/i'], exclude: ['System::*'] },
    model_tags: { exclude: ['/^noise/'] },
    device_ips: { include: ['0.0.0.0/0', '::/0'], exclude: ['192.0.2.0/24', '2001:db8::/32'] },
    device_tags: { exclude: ['Guest*'] },
  },
  ai_analyst: {
    min_event_score: 10,
    min_incident_score: 10,
    event_behaviours: ['critical', 'suspicious'],
    incident_behaviours: ['critical'],
    device_ips: { include: ['10.0.0.0/8'], exclude: ['10.9.0.0/16'] },
  },
  system_status: { min_priority: 20, include_resolved: false },
  email: { min_anomaly_score: 25 },
};

describe('darktrace-filter with odd records', () => {
  const labels = new Set(
    darktraceAlertKinds.flatMap((k) => darktraceFilterDropReasons.map((r) => darktraceFilterDropLabel(k, r))),
  );

  it.each([
    ['every check on', everyCheck],
    ['the example config', factory.exampleConfig],
  ])('never throws and keeps or drops each record with a known reason (%s)', async (_label, raw) => {
    const p = await startProcessor(factory, raw);
    let total = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(body, kindAttribute), { maxLength: 8 }), async (items) => {
        const batch = items.map(([b, kind]) =>
          createRecord({
            body: b,
            attributes: kind === null ? {} : { 'darktrace.alert.kind': kind },
          }),
        );
        total += batch.length;
        await p.processor.consume(batch);
      }),
      { numRuns: 300 },
    );
    // The helper turns a throwing check into a failed (dead-lettered) record: there must be none.
    expect(await p.count('failed')).toBe(0);
    const drops = await p.drops();
    for (const reason of Object.keys(drops)) expect(labels).toContain(reason);
    const dropped = Object.values(drops).reduce((a, b) => a + b, 0);
    expect(p.sink.records.length + dropped).toBe(total);
    expect(await p.count('accepted')).toBe(total);
  });
});
