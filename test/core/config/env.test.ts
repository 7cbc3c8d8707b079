// ${env:VAR} substitution as users meet it through `dtcol validate`: where it applies, how values are typed,
// and what an unset or malformed reference reports.
import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../../core/errors.js';
import { formatIssues } from '../../../core/config/format.js';
import { loadConfigText } from '../../../core/config/load.js';
import { validateConfigText } from '../../../core/config/validate.js';
import { defineExporter, defineReceiver } from '../../../core/factory.js';
import { registryOf } from '../../../core/registry.js';

const noop = { start: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/** A receiver whose schema has one field of each kind substitution has to respect. */
// Config typed `never`: these factories never look at their config, and that is what a registry holds.
const probeReceiver = defineReceiver<never>({
  type: 'probe',
  stability: 'development',
  description: 'Test receiver with typed fields.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      text: { type: 'string', description: 'A string.' },
      secret: { type: 'string', secret: true, description: 'A secret string.' },
      port: { type: 'integer', description: 'An integer.' },
      ratio: { type: 'number', description: 'A number.' },
      flag: { type: 'boolean', description: 'A boolean.' },
      either: { type: ['string', 'integer'], description: 'A string or an integer.' },
      ports: { type: 'array', items: { type: 'integer' }, description: 'Integers.' },
      nested: {
        type: 'object',
        additionalProperties: false,
        description: 'A nested map.',
        properties: { deep: { type: 'string', description: 'A nested string.' } },
      },
    },
  },
  create: () => noop,
});

const sinkExporter = defineExporter<never>({
  type: 'sink',
  stability: 'development',
  description: 'Test exporter.',
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({ ...noop, capabilities: { mutatesData: false }, consume: () => Promise.resolve() }),
});

const registry = registryOf([probeReceiver, sinkExporter]);

/** A whole config around the given lines of the probe receiver's config (indented by the caller). */
function configWith(probeLines: string): string {
  return [
    'receivers:',
    '  probe:',
    probeLines,
    'exporters:',
    '  sink: {}',
    'service:',
    '  pipelines:',
    '    logs: { receivers: [probe], exporters: [sink] }',
    '',
  ].join('\n');
}

async function validate(
  probeLines: string,
  env: NodeJS.ProcessEnv,
): Promise<{ config: Record<string, unknown> | undefined; issues: ConfigIssue[] }> {
  const result = await validateConfigText('env.yaml', '/nowhere/env.yaml', configWith(probeLines), {
    registry,
    env,
  });
  const config = result.config?.components.receiver.get('probe')?.config as
    Record<string, unknown> | undefined;
  return { config, issues: result.issues };
}

describe('environment substitution', () => {
  it('replaces ${env:VAR} and the short form ${VAR} in whole and embedded values', async () => {
    const { config, issues } = await validate(
      ['    text: https://${env:HOST}:${PORT}/ingest', '    nested:', '      deep: ${HOST}'].join('\n'),
      { HOST: 'collector.example.com', PORT: '8443' },
    );
    expect(issues).toEqual([]);
    expect(config).toMatchObject({
      text: 'https://collector.example.com:8443/ingest',
      nested: { deep: 'collector.example.com' },
    });
  });

  it('uses the default after :- only when the variable is unset (an empty variable stays empty)', async () => {
    const { config, issues } = await validate(
      ['    text: ${env:UNSET_ONE:-fallback}', '    secret: "${env:EMPTY:-not-used}"'].join('\n'),
      { EMPTY: '' },
    );
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ text: 'fallback', secret: '' });
  });

  it('lets a default contain a closing brace escaped with a backslash', async () => {
    const { config } = await validate('    text: ${env:UNSET_ONE:-a\\}b}', {});
    expect(config?.['text']).toBe('a}b');
  });

  it('turns $$ into a literal $ and does not expand an escaped reference', async () => {
    const { config, issues } = await validate('    text: "costs $$5; literal $${env:HOST}"', {
      HOST: 'expanded',
    });
    expect(issues).toEqual([]);
    expect(config?.['text']).toBe('costs $5; literal ${env:HOST}');
  });

  it('never expands a reference that arrives inside a variable value', async () => {
    const { config, issues } = await validate('    secret: ${env:PASSWORD}', {
      PASSWORD: 'pa$$word-${env:HOME}',
      HOME: '/root',
    });
    expect(issues).toEqual([]);
    expect(config?.['secret']).toBe('pa$$word-${env:HOME}');
  });

  it('leaves a bare $VAR alone (only the braced forms are references)', async () => {
    const { config } = await validate('    text: $HOST and $', { HOST: 'x' });
    expect(config?.['text']).toBe('$HOST and $');
  });

  it('keeps substituted text a string where the schema wants a string ("0123" and digits-only secrets)', async () => {
    const { config, issues } = await validate(
      ['    text: ${env:LEADING_ZERO}', '    secret: ${env:DIGITS}', '    either: ${env:DIGITS}'].join('\n'),
      { LEADING_ZERO: '0123', DIGITS: '987654' },
    );
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ text: '0123', secret: '987654', either: '987654' });
  });

  it('types a substituted value as a number or boolean where the schema wants one', async () => {
    const { config, issues } = await validate(
      [
        '    port: ${env:PORT}',
        '    ratio: ${env:RATIO}',
        '    flag: ${env:FLAG}',
        '    ports: ["${env:PORT}", 9000]',
      ].join('\n'),
      { PORT: '8080', RATIO: '0.25', FLAG: 'true' },
    );
    expect(issues).toEqual([]);
    expect(config).toMatchObject({ port: 8080, ratio: 0.25, flag: true, ports: [8080, 9000] });
  });

  it('rejects a substituted value that is not a number where an integer is wanted, without echoing it', async () => {
    const { issues } = await validate('    port: ${env:PORT}', { PORT: '80a' });
    expect(issues.map((i) => [i.code, i.path, i.message])).toEqual([['ERR_TYPE', 'port', 'must be integer']]);
  });

  it('does not coerce literal YAML text either: a quoted "8080" is no integer', async () => {
    const { issues } = await validate("    port: '8080'\n    flag: 'true'", {});
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['port', 'must be integer (got "8080")'],
      ['flag', 'must be boolean (got "true")'],
    ]);
  });

  it('reports an unset variable without default once, naming the variable and its line', async () => {
    const { issues, config } = await validate('    text: ok\n    port: ${env:DTCOL_TEST_MISSING_PORT}', {});
    expect(config).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: 'ERR_ENV_UNSET',
      severity: 'error',
      location: { file: 'env.yaml', line: 4, col: 11 },
    });
    expect(issues[0]?.message).toContain('DTCOL_TEST_MISSING_PORT');
    expect(formatIssues(issues, 'env.yaml')).toMatch(/^env\.yaml:4:11: .*DTCOL_TEST_MISSING_PORT is not set/);
  });

  it('reports every unset variable, also several in one value', async () => {
    const { issues } = await validate('    text: ${env:MISSING_A}-${env:MISSING_B}', {});
    expect(issues.map((i) => i.code)).toEqual(['ERR_ENV_UNSET', 'ERR_ENV_UNSET']);
    expect(issues.map((i) => /MISSING_[AB]/.exec(i.message)?.[0])).toEqual(['MISSING_A', 'MISSING_B']);
  });

  it('reports a malformed reference such as ${env:1BAD} or an unclosed ${', async () => {
    const { issues } = await validate('    text: ${env:1BAD}\n    nested: { deep: "x${env:OPEN" }', {});
    expect(issues.map((i) => [i.code, i.location?.line])).toEqual([
      ['ERR_ENV_SYNTAX', 3],
      ['ERR_ENV_SYNTAX', 4],
    ]);
  });
});

describe('loadConfigText', () => {
  it('records which scalars were substituted and whether a secret-looking variable fed them', () => {
    const loaded = loadConfigText('x.yaml', 'a:\n  b: ${env:API_TOKEN}\n  c: [plain, "${env:HOST}"]\n', {
      API_TOKEN: 'abc123',
      HOST: 'h',
    });
    expect(loaded.issues).toEqual([]);
    expect(loaded.value).toEqual({ a: { b: 'abc123', c: ['plain', 'h'] } });
    expect([...loaded.substitutions]).toEqual([
      ['["a","b"]', { text: 'abc123', fromSecretVar: true, unresolved: false }],
      ['["a","c",1]', { text: 'h', fromSecretVar: false, unresolved: false }],
    ]);
  });

  it('gives the source position of keys and values', () => {
    const loaded = loadConfigText('x.yaml', 'top:\n  inner:\n    - first\n    - second\n', {});
    expect(loaded.locate(['top', 'inner', 1])).toEqual({ file: 'x.yaml', line: 4, col: 7 });
    expect(loaded.locate(['top', 'inner'], { key: true })).toEqual({ file: 'x.yaml', line: 2, col: 3 });
  });
});
