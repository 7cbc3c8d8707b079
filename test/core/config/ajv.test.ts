// The shared ajv set-up: one compile per schema, and a release that `dtcol run` uses once the config is valid.
import { describe, expect, it } from 'vitest';
import { compileSchema, releaseCompiledSchemas } from '../../../core/config/ajv.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    every: { type: 'string', format: 'duration', description: 'How often.' },
    token: { type: 'string', secret: true, description: 'A secret.' },
  },
};

describe('compileSchema', () => {
  it('compiles a schema once and hands out the same validator', () => {
    expect(compileSchema(schema)).toBe(compileSchema(schema));
  });

  it('compiles afresh after releaseCompiledSchemas, with dtcol’s formats and keywords', () => {
    const before = compileSchema(schema);
    releaseCompiledSchemas();
    const after = compileSchema(schema);
    expect(after).not.toBe(before);
    expect(after({ every: '30s', token: 'x' })).toBe(true);
    expect(after({ every: 'often' })).toBe(false);
    expect(after.errors?.[0]?.params).toEqual({ format: 'duration' });
  });
});
