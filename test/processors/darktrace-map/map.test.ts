import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertKinds,
  createMapper,
  fieldOverridesSchema,
  isMapFailure,
  schemaNames,
  type AlertKind,
  type FieldOverrides,
  type MapResult,
} from '../../../processors/darktrace-map/map.js';
import { deepFreeze, fixture, ok, type Loose } from './support.js';

const fixtures: readonly (readonly [AlertKind, string])[] = [
  ['model_breach', 'model-breach-flat'],
  ['model_breach', 'model-breach-then-now'],
  ['model_breach', 'model-breach-then-only'],
  ['model_breach', 'model-breach-test-alert'],
  ['ai_analyst', 'ai-analyst-sections'],
  ['ai_analyst', 'ai-analyst-blocks'],
  ['system_status', 'system-status'],
  ['email', 'email'],
];

function errorCode(result: MapResult): string | undefined {
  return isMapFailure(result) ? result.error.code : undefined;
}

describe('createMapper', () => {
  it('rejects an unknown schema with a config error code', () => {
    expect(() => createMapper({ schema: 'splunk' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_DARKTRACE_MAP_CONFIG',
        message: expect.stringContaining('splunk'),
      }),
    );
  });

  it.each<[string, unknown]>([
    ['an unknown top-level key', { remove: ['x'] }],
    ['a converter that is not in the list', { add: { x: { path: 'pbid', convert: 'shout' } } }],
    ['a literal object without value', { add: { x: { literal: 1 } } }],
    ['a null source', { add: { x: null } }],
    ['a non-string rename target', { rename: { a: 3 } }],
    ['a path with an empty segment', { drop: ['a..b'] }],
    ['a drop path ending in []', { drop: ['a[]'] }],
    ['a prototype key as target', { add: { '__proto__.polluted': 1 } }],
  ])('rejects fields with %s', (_name, fields) => {
    expect(() => createMapper({ schema: 'ecs', fields: fields as FieldOverrides })).toThrow(
      expect.objectContaining({ code: 'ERR_DARKTRACE_MAP_CONFIG' }),
    );
  });
});

describe('fieldOverridesSchema', () => {
  it('compiles in ajv strict mode and accepts every documented form', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(fieldOverridesSchema);
    expect(
      validate({
        add: {
          a: 'model.name',
          b: 3,
          c: true,
          d: { value: ['x'] },
          e: { path: 'time', convert: ['dateToIso'] },
        },
        rename: { 'rule.name': 'rule.title' },
        drop: ['event.original'],
      }),
    ).toBe(true);
    expect(validate({ add: { a: { path: 'x', convert: 'lookup' } } })).toBe(false);
  });

  it('describes every property and closes every object with properties', () => {
    const problems: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      if (Array.isArray(node)) {
        node.forEach((n, i) => walk(n, `${where}[${i}]`));
        return;
      }
      const schema = node as Record<string, unknown>;
      const properties = schema['properties'] as Record<string, unknown> | undefined;
      if (properties !== undefined) {
        if (schema['additionalProperties'] !== false)
          problems.push(`${where}: additionalProperties is not false`);
        for (const [key, prop] of Object.entries(properties)) {
          if (typeof (prop as Record<string, unknown>)['description'] !== 'string')
            problems.push(`${where}.${key}: no description`);
        }
      }
      const additional = schema['additionalProperties'];
      if (
        typeof additional === 'object' &&
        typeof (additional as Record<string, unknown>)['description'] !== 'string'
      ) {
        problems.push(`${where}: map values have no description`);
      }
      for (const [key, value] of Object.entries(schema)) walk(value, `${where}.${key}`);
    };
    walk(fieldOverridesSchema, 'fields');
    expect(problems).toEqual([]);
  });
});

describe('mapper results', () => {
  it.each(schemaNames)('answers an error, not an exception, for a non-object alert (%s)', (schema) => {
    const map = createMapper({ schema });
    for (const alert of [null, undefined, 42, 'text', [1, 2]]) {
      expect(errorCode(map('model_breach', alert))).toBe('ERR_MAP_NOT_OBJECT');
    }
  });

  it.each(['sentinel-legacy', 'sentinel-ccf', 'ecs'] as const)(
    'refuses unknown alerts with a reason (%s)',
    (schema) => {
      const result = createMapper({ schema })('unknown', { a: 1 });
      expect(errorCode(result)).toBe('ERR_MAP_UNSUPPORTED_KIND');
      expect(isMapFailure(result) && result.error.message).toContain('unknown');
    },
  );

  it.each<[AlertKind, string]>([
    ['model_breach', 'pbid'],
    ['ai_analyst', 'id'],
    ['system_status', 'uuid'],
    ['email', 'uuid'],
  ])('refuses a %s alert without its identity field %s', (kind, field) => {
    const result = createMapper({ schema: 'ecs' })(kind, { score: 0.5 });
    expect(errorCode(result)).toBe('ERR_MAP_MISSING_FIELD');
    expect(isMapFailure(result) && result.error.message).toContain(field);
  });

  it('answers ERR_MAP_FAILED when reading the alert throws', () => {
    const alert = { pbid: 1 };
    Object.defineProperty(alert, 'model', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(errorCode(createMapper({ schema: 'ecs' })('model_breach', alert))).toBe('ERR_MAP_FAILED');
  });

  it.each<[AlertKind, string, number]>([
    ['model_breach', 'model-breach-flat', 1717236000123],
    ['ai_analyst', 'ai-analyst-sections', 1716800000000],
    ['system_status', 'system-status', 1716950000250],
    ['email', 'email', 1717410030456],
  ])('gives the event time of a %s alert in epoch ms', (kind, name, ms) => {
    expect(ok(createMapper({ schema: 'sentinel-ccf' })(kind, fixture(name))).timeUnixMs).toBe(ms);
  });

  it.each(schemaNames)('never throws and never mutates, whatever the input (%s)', (schema) => {
    const map = createMapper({
      schema,
      fields: { drop: ['devices[].did', 'darktrace.x[].y'], rename: { a: 'b' } },
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...alertKinds),
        fc.anything({ withObjectString: true, withNullPrototype: true }),
        (kind, alert) => {
          const frozen = deepFreeze(alert);
          const result = map(kind, frozen);
          expect(typeof result).toBe('object');
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(schemaNames)('leaves every fixture alert untouched (%s)', (schema) => {
    const map = createMapper({
      schema,
      fields: {
        drop: ['devices[].did', 'darktrace.ai_analyst_alert.details[][].contents[].key'],
        rename: { devices: 'hosts' },
      },
    });
    for (const [kind, name] of fixtures) {
      const alert = fixture(name);
      const before = structuredClone(alert);
      ok(map(kind, deepFreeze(alert), JSON.stringify(alert)));
      expect(alert).toEqual(before);
    }
  });

  it('does not let a __proto__ key in the alert reach an output prototype', () => {
    const alert = JSON.parse(
      '{"pbid":1,"triggeredComponents":[{"__proto__":{"polluted":true},"cid":1}],"model":{"__proto__":{"x":1},"name":"n"}}',
    ) as unknown;
    const body = ok(createMapper({ schema: 'ecs' })('model_breach', alert)).body as Loose;
    const component = body.darktrace.model_breach_alert.triggered_components[0] as object;
    expect(Object.getPrototypeOf(component)).toBe(Object.prototype);
    // The key stays data, as JSON.parse made it.
    expect(Object.getOwnPropertyDescriptor(component, '__proto__')?.value).toEqual({ polluted: true });
    expect((component as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('fields overrides', () => {
  const breach = fixture('model-breach-flat');

  it('adds fields from source paths, literals and converted paths', () => {
    const map = createMapper({
      schema: 'sentinel-legacy',
      fields: {
        add: {
          customLabel: { value: 'prod' },
          tier: 2,
          reviewed: false,
          modelPhid: 'model.phid',
          ips: 'device.ips[].ip',
          seen: { path: 'device.firstSeen', convert: 'dateToIso' },
          raw: '$original',
        },
      },
    });
    expect(ok(map('model_breach', breach, '{"raw":true}')).body).toMatchObject({
      customLabel: 'prod',
      tier: 2,
      reviewed: false,
      modelPhid: 2048,
      ips: ['10.20.30.40'],
      seen: '2023-11-14T22:13:20.000Z',
      raw: '{"raw":true}',
    });
  });

  it('renames and drops preset fields, then adds, so drop plus add replaces a field', () => {
    const map = createMapper({
      schema: 'sentinel-legacy',
      fields: {
        rename: { modelName: 'model' },
        drop: ['latitude', 'longitude', 'message'],
        add: { message: 'model.description' },
      },
    });
    const body = ok(map('model_breach', breach)).body;
    expect(body['model']).toBe('Anomalous Connection::Data Sent to Rare Domain');
    expect(body).not.toHaveProperty('modelName');
    expect(body).not.toHaveProperty('latitude');
    expect(body['message']).toBe(
      'A device sent data to a rare external domain.\n\nAction: Review the destination.',
    );
  });

  it('reaches nested ECS targets and array elements', () => {
    const map = createMapper({
      schema: 'ecs',
      fields: {
        rename: { 'rule.name': 'rule.title' },
        drop: ['darktrace.model_breach_alert.triggered_components[].triggered_filters', 'related'],
        add: { 'observer.vendor': { value: 'Darktrace' } },
      },
    });
    const body = ok(map('model_breach', breach)).body as Loose;
    expect(body.rule.title).toBe('Anomalous Connection::Data Sent to Rare Domain');
    expect(body.rule).not.toHaveProperty('name');
    expect(body.related).toBeUndefined();
    expect(body.darktrace.model_breach_alert.triggered_components[0]).not.toHaveProperty('triggered_filters');
    expect(body.observer).toEqual({ vendor: 'Darktrace' });
  });

  it('applies to attribute keys in the otel preset and stringifies non-scalar additions', () => {
    const map = createMapper({
      schema: 'otel',
      fields: {
        rename: { 'darktrace.pbid': 'darktrace.breach_id' },
        drop: ['darktrace.score'],
        add: { 'darktrace.tags': 'model.tags' },
      },
    });
    const { attributes } = ok(map('model_breach', breach));
    expect(attributes).toMatchObject({
      'darktrace.breach_id': 4242,
      'darktrace.tags': '["AP: Exfiltration"]',
    });
    expect(attributes).not.toHaveProperty('darktrace.pbid');
    expect(attributes).not.toHaveProperty('darktrace.score');
  });
});
