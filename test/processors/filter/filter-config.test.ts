import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { FilterConfig, FilterRecord } from '../../../processors/filter/expr.js';
import {
  compileFilterConfig,
  FilterConfigError,
  filterConfigSchema,
  validateFilterConfig,
} from '../../../processors/filter/expr.js';

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
const validate = ajv.compile<FilterConfig>(filterConfigSchema);

const rec = (body: unknown): FilterRecord => ({ body, attributes: {} });
const high = rec({ score: 80, kind: 'ai' });
const low = rec({ score: 20, kind: 'ai' });
const system = rec({ score: 90, kind: 'system' });
const scoreless = rec({ kind: 'ai' });

describe('filterConfigSchema', () => {
  it('compiles in ajv strict mode and fills empty lists by default', () => {
    const config = {};
    expect(validate(config)).toBe(true);
    expect(config).toEqual({ keep_if: [], drop_if: [] });
  });

  it('describes both keys and says which way each list acts', () => {
    expect(filterConfigSchema.additionalProperties).toBe(false);
    expect(filterConfigSchema.properties.keep_if.description).toMatch(/^Keep a record only when/);
    expect(filterConfigSchema.properties.drop_if.description).toMatch(/^Drop a record when/);
    expect(filterConfigSchema.description).toContain('OpenTelemetry');
  });

  it.each([
    ['an OTel-style key', { logs: { log_record: ['x'] } }],
    ['a single string instead of a list', { keep_if: 'body.x exists' }],
    ['an empty condition', { drop_if: [''] }],
    ['a non-string condition', { keep_if: [true] }],
  ])('rejects %s', (_label, config) => {
    expect(validate(structuredClone(config))).toBe(false);
  });
});

describe('compileFilterConfig', () => {
  it.each<[string, FilterConfig, FilterRecord, 'keep_if' | 'drop_if' | undefined]>([
    ['keeps everything when both lists are empty', {}, low, undefined],
    ['keeps a record a keep_if condition accepts', { keep_if: ['body.score >= 50'] }, high, undefined],
    ['drops a record no keep_if condition accepts', { keep_if: ['body.score >= 50'] }, low, 'keep_if'],
    [
      'drops a record missing the field keep_if reads',
      { keep_if: ['body.score >= 50'] },
      scoreless,
      'keep_if',
    ],
    [
      'keeps a record when any keep_if entry is true',
      { keep_if: ['body.score >= 50', 'body.kind == "ai"'] },
      low,
      undefined,
    ],
    ['drops a record a drop_if condition matches', { drop_if: ['body.kind == "system"'] }, system, 'drop_if'],
    ['keeps a record no drop_if condition matches', { drop_if: ['body.kind == "system"'] }, high, undefined],
    [
      'keeps a record missing the field drop_if reads',
      { drop_if: ['body.score < 50'] },
      scoreless,
      undefined,
    ],
    [
      'lets drop_if win over keep_if',
      { keep_if: ['body.score >= 50'], drop_if: ['body.kind == "system"'] },
      system,
      'drop_if',
    ],
    [
      'applies keep_if before drop_if',
      { keep_if: ['body.score >= 50'], drop_if: ['body.kind == "ai"'] },
      low,
      'keep_if',
    ],
  ])('%s', (_label, config, record, expected) => {
    expect(compileFilterConfig(config)(record)).toBe(expected);
  });
});

describe('validateFilterConfig', () => {
  it('returns nothing for good conditions', () => {
    expect(validateFilterConfig({ keep_if: ['body.a exists'], drop_if: ['not body.b'] })).toEqual([]);
  });

  it('reports each bad condition with its path and column', () => {
    expect(
      validateFilterConfig({ keep_if: ['body.a exists', 'body.a =='], drop_if: ['bdy.x == 1'] }),
    ).toEqual([
      {
        path: ['keep_if', 1],
        column: 10,
        message: 'column 10: expected a value after "==" but found the end of the expression',
      },
      { path: ['drop_if', 0], column: 1, message: expect.stringContaining('unknown field "bdy"') },
    ]);
  });

  it('makes compileFilterConfig throw an error with a code naming the entry', () => {
    const attempt = () => compileFilterConfig({ drop_if: ['body.a == 1', 'body.a = 1'] });
    expect(attempt).toThrow(FilterConfigError);
    expect(attempt).toThrow(/drop_if\[1\]: column 8: use == to compare/);
    try {
      attempt();
    } catch (err) {
      expect((err as FilterConfigError).code).toBe('ERR_CONFIG_INVALID');
    }
  });
});
