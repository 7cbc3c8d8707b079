// One config fixture per failure mode, each with its exact issue list: codes here, the printed text in
// test/golden/validate/ (refresh on purpose with UPDATE_GOLDEN=1).
import { describe, expect, it } from 'vitest';
import { expectGolden, validateFixture } from './support.js';

interface Case {
  fixture: string;
  codes: string[];
  valid: boolean;
}

const cases: Case[] = [
  { fixture: 'yaml-syntax', codes: ['ERR_YAML_SYNTAX', 'ERR_YAML_SYNTAX'], valid: false },
  { fixture: 'not-a-map', codes: ['ERR_TOP_LEVEL'], valid: false },
  {
    fixture: 'top-level-shape',
    codes: ['ERR_INVALID_ID', 'ERR_TYPE', 'ERR_UNKNOWN_KEY', 'ERR_UNDEFINED_COMPONENT', 'ERR_TYPE'],
    valid: false,
  },
  {
    fixture: 'unknown-type',
    codes: ['ERR_UNKNOWN_TYPE', 'ERR_UNKNOWN_TYPE', 'ERR_UNKNOWN_TYPE'],
    valid: false,
  },
  {
    fixture: 'component-schema',
    codes: [
      'ERR_TYPE',
      'ERR_UNKNOWN_KEY',
      'ERR_TYPE',
      'ERR_SCHEMA_MINITEMS',
      'ERR_ENUM',
      'ERR_UNKNOWN_KEY',
      'ERR_SCHEMA_MINIMUM',
      'ERR_TYPE',
      'ERR_MISSING_KEY',
    ],
    valid: false,
  },
  {
    fixture: 'undefined-reference',
    codes: ['ERR_UNDEFINED_COMPONENT', 'ERR_UNDEFINED_COMPONENT', 'ERR_UNDEFINED_COMPONENT'],
    valid: false,
  },
  { fixture: 'empty-pipeline', codes: ['ERR_MISSING_KEY', 'ERR_EMPTY_PIPELINE'], valid: false },
  { fixture: 'unused-component', codes: ['WARN_UNUSED_COMPONENT', 'WARN_UNUSED_COMPONENT'], valid: true },
  {
    fixture: 'bad-plugins',
    codes: [
      'ERR_PLUGIN_NOT_FOUND',
      'ERR_PLUGIN_NOT_FOUND',
      'ERR_PLUGIN_SHAPE',
      'ERR_PLUGIN_IMPORT',
      'ERR_PLUGIN_API_VERSION',
      'ERR_PLUGIN_DUPLICATE_TYPE',
      'ERR_PLUGIN_DUPLICATE_TYPE',
    ],
    valid: false,
  },
  { fixture: 'duplicate-processor', codes: ['ERR_DUPLICATE_PROCESSOR'], valid: false },
  { fixture: 'env', codes: ['ERR_ENV_UNSET', 'ERR_ENV_UNSET', 'ERR_ENV_SYNTAX'], valid: false },
  {
    fixture: 'secret-errors',
    codes: ['ERR_SCHEMA_PATTERN', 'ERR_SCHEMA_PATTERN', 'ERR_TYPE', 'ERR_TYPE'],
    valid: false,
  },
  {
    fixture: 'five-mistakes',
    codes: ['ERR_UNKNOWN_KEY', 'ERR_TYPE', 'ERR_UNKNOWN_TYPE', 'ERR_ENV_UNSET', 'ERR_UNDEFINED_COMPONENT'],
    valid: false,
  },
  { fixture: 'valid', codes: [], valid: true },
];

describe('validateConfigText on the config fixtures', () => {
  it.each(cases)(
    'reports exactly the expected issues for the $fixture fixture',
    async ({ fixture, codes, valid }) => {
      const { result, output, text } = await validateFixture(`test/fixtures/configs/${fixture}.yaml`);
      expect(result.issues.map((i) => i.code)).toEqual(codes);
      expect(result.config !== undefined).toBe(valid);
      const lines = text.split('\n').length;
      for (const issue of result.issues) {
        expect(issue.location?.line).toBeGreaterThanOrEqual(1);
        expect(issue.location?.line).toBeLessThanOrEqual(lines);
      }
      expectGolden(`${fixture}.txt`, output);
    },
  );
});
