import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { DarktraceFilterConfig } from '../../../processors/darktrace-filter/options.js';
import { darktraceFilterConfigSchema } from '../../../processors/darktrace-filter/options.js';
import { compileDarktraceFilter } from '../../../processors/darktrace-filter/predicate.js';
import { fixtures } from './fixtures.js';

// The same ajv settings core uses for component configs (STYLE.md §6).
const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
const validate = ajv.compile<DarktraceFilterConfig>(darktraceFilterConfigSchema);

function withDefaults(config: unknown): DarktraceFilterConfig {
  const copy = structuredClone(config);
  if (!validate(copy)) throw new Error(ajv.errorsText(validate.errors));
  return copy;
}

/** Every object schema in the tree, with its path. */
function objectSchemas(schema: unknown, path = '$'): [string, Record<string, unknown>][] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const found: [string, Record<string, unknown>][] = node['type'] === 'object' ? [[path, node]] : [];
  const properties = (node['properties'] ?? {}) as Record<string, unknown>;
  for (const [key, child] of Object.entries(properties))
    found.push(...objectSchemas(child, `${path}.${key}`));
  if (node['items'] !== undefined) found.push(...objectSchemas(node['items'], `${path}[]`));
  return found;
}

describe('darktraceFilterConfigSchema', () => {
  it('compiles in ajv strict mode', () => {
    expect(() =>
      new Ajv({ strict: true, allErrors: true }).compile(darktraceFilterConfigSchema),
    ).not.toThrow();
  });

  it('closes every object and describes every property', () => {
    const objects = objectSchemas(darktraceFilterConfigSchema);
    expect(objects.length).toBeGreaterThan(5);
    for (const [path, node] of objects) {
      expect(node['additionalProperties'], path).toBe(false);
      for (const [key, child] of Object.entries(
        node['properties'] as Record<string, Record<string, unknown>>,
      )) {
        expect(typeof child['description'], `${path}.${key}`).toBe('string');
        expect(child['default'], `${path}.${key} default`).toBeDefined();
      }
    }
  });

  it('says in each score description which scale the payload uses', () => {
    const props = darktraceFilterConfigSchema.properties;
    expect(props.model_breach.properties.min_score.description).toMatch(/0-100.*payload holds 0-1/);
    expect(props.ai_analyst.properties.min_event_score.description).toMatch(/0-100/);
    expect(props.ai_analyst.properties.min_incident_score.description).toMatch(/numeric string/);
    expect(props.system_status.properties.min_priority.description).toMatch(/0-100/);
    expect(props.email.properties.min_anomaly_score.description).toMatch(/0-100/);
  });

  it('fills an empty config with defaults that turn every check off', () => {
    const config = withDefaults({});
    expect(config).toEqual({
      kinds: ['model_breach', 'ai_analyst', 'system_status', 'email', 'unknown'],
      model_breach: {
        min_score: 0,
        score_field: 'score',
        min_priority: 0,
        behaviours: ['critical', 'suspicious', 'compliance', 'informational'],
        model_names: { include: [], exclude: [] },
        model_tags: { include: [], exclude: [] },
        device_ips: { include: [], exclude: [] },
        device_tags: { include: [], exclude: [] },
      },
      ai_analyst: {
        min_event_score: 0,
        min_incident_score: 0,
        event_behaviours: ['critical', 'suspicious', 'compliance'],
        incident_behaviours: ['critical', 'suspicious', 'compliance'],
        device_ips: { include: [], exclude: [] },
      },
      system_status: { min_priority: 0, include_resolved: true },
      email: { min_anomaly_score: 0 },
    });
    const keep = compileDarktraceFilter(config);
    for (const { kind, alert } of Object.values(fixtures)) expect(keep(kind, alert)).toBeUndefined();
  });

  it('accepts a typical config and keeps the values given', () => {
    const config = withDefaults({
      kinds: ['model_breach', 'ai_analyst'],
      model_breach: {
        min_score: 50,
        behaviours: ['critical', 'suspicious'],
        model_names: { exclude: ['System::*', '/^Unrestricted Test/'] },
        device_ips: { exclude: ['10.0.0.0/8', 'fd00::/8'] },
      },
      ai_analyst: { min_incident_score: 40 },
    });
    expect(config.model_breach?.min_score).toBe(50);
    expect(config.model_breach?.model_names).toEqual({
      include: [],
      exclude: ['System::*', '/^Unrestricted Test/'],
    });
    const filter = compileDarktraceFilter(config);
    expect(filter('model_breach', fixtures.breachThenOnly.alert)).toBeUndefined();
    expect(filter('model_breach', fixtures.breachFlat.alert)).toBe('device_ips');
  });

  it.each([
    ['a misspelt key', { model_breach: { min_scor: 50 } }, 'must NOT have additional properties'],
    ['a score above 100', { model_breach: { min_score: 101 } }, 'must be <= 100'],
    ['a breach priority above 5', { model_breach: { min_priority: 6 } }, 'must be <= 5'],
    [
      'an unknown category',
      { model_breach: { behaviours: ['urgent'] } },
      'must be equal to one of the allowed values',
    ],
    [
      'informational for AI Analyst',
      { ai_analyst: { event_behaviours: ['informational'] } },
      'allowed values',
    ],
    ['an unknown kind', { kinds: ['model_breach', 'breach'] }, 'allowed values'],
    ['a repeated kind', { kinds: ['email', 'email'] }, 'must NOT have duplicate items'],
    ['a score as a string', { ai_analyst: { min_event_score: '50' } }, 'must be number'],
    [
      'an empty pattern',
      { model_breach: { model_tags: { include: [''] } } },
      'must NOT have fewer than 1 characters',
    ],
    ['a bad score_field', { model_breach: { score_field: 'percentscore' } }, 'allowed values'],
  ])('rejects %s', (_label, config, message) => {
    expect(validate(structuredClone(config))).toBe(false);
    expect(ajv.errorsText(validate.errors)).toContain(message);
  });
});
