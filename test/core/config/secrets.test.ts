// Secrets never reach validation messages or the service log.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigText } from '../../../core/config/validate.js';
import { createLogger } from '../../../core/log.js';
import { configFixtures, validateFixture } from './support.js';

const secretEnv = {
  DTCOL_FIXTURE_API_KEY: 'hunter2-from-env',
  DTCOL_FIXTURE_API_TOKEN: 'tok-secret-99',
};

describe('validation messages', () => {
  it('never repeat a secret that fails its pattern or type, from the environment or written literally', async () => {
    const { result, output } = await validateFixture('test/fixtures/configs/secret-errors.yaml', secretEnv);
    expect(result.issues.map((i) => `${i.component} ${i.path}`)).toEqual([
      'probe-sink/from-env api_key',
      'probe-sink/literal api_key',
      'probe-sink/number api_key',
      'probe-sink/number port',
    ]);
    for (const secret of ['hunter2-from-env', 'hunter2-literal', '987654321', 'tok-secret-99'])
      expect(output).not.toContain(secret);
  });

  it('still show a non-secret bad value, so the user can see what is wrong', async () => {
    const { output } = await validateFixture('test/fixtures/configs/component-schema.yaml');
    expect(output).toContain('(got "prety")');
    expect(output).toContain('(got "3")');
  });

  it('collect secret field values and values of secret-looking variables for redaction', async () => {
    const { result } = await validateFixture('test/fixtures/configs/valid.yaml');
    expect(result.config?.secrets).toEqual([]);
    const text = [
      'plugins: [../plugins/good-plugin.ts]',
      'receivers:',
      '  generator:',
      '    bodies: [{ note: "${env:DTCOL_NOTE_PASSWORD}" }]',
      'exporters:',
      '  probe-sink:',
      '    api_key: key_abcdefgh1',
      '  http:',
      '    endpoint: https://example.com/in',
      '    headers: { X-Api: "${env:PLAIN_VALUE}" }',
      'service:',
      '  pipelines:',
      '    logs: { receivers: [generator], exporters: [probe-sink, http] }',
    ].join('\n');
    const checked = await validateConfigText('s.yaml', path.join(configFixtures, 's.yaml'), text, {
      registry: builtinRegistry(),
      env: { DTCOL_NOTE_PASSWORD: 'from-password-var', PLAIN_VALUE: 'header-secret' },
    });
    expect(checked.issues).toEqual([]);
    expect([...(checked.config?.secrets ?? [])].sort()).toEqual(
      ['from-password-var', 'header-secret', 'key_abcdefgh1'].sort(),
    );
  });
});

describe('createLogger', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Log through a logger writing to a temp file's fd; return the file's lines. */
  function logTo(secrets: string[], write: (logger: ReturnType<typeof createLogger>) => void): string {
    dir = mkdtempSync(path.join(tmpdir(), 'dtcol-log-'));
    const file = path.join(dir, 'service.log');
    const fd = openSync(file, 'w');
    try {
      write(createLogger('info', secrets, fd));
    } finally {
      closeSync(fd);
    }
    return readFileSync(file, 'utf8');
  }

  it('scrubs secret values from messages, fields, child bindings and error stacks', () => {
    const text = logTo(['s3cr3t-token-value'], (logger) => {
      logger.info({ header: 'Bearer s3cr3t-token-value' }, 'Calling https://x/?key=s3cr3t-token-value.');
      logger.child({ component: 'http', url: 'https://s3cr3t-token-value@x' }).warn('Retrying.');
      logger.error(new Error('401 for s3cr3t-token-value'));
    });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(text).not.toContain('s3cr3t-token-value');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'info',
      header: 'Bearer ***',
      msg: 'Calling https://x/?key=***.',
    });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ url: 'https://***@x', msg: 'Retrying.' });
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({ level: 'error', msg: '401 for ***' });
  });

  it('leaves lines without secrets untouched and ignores secrets shorter than four characters', () => {
    const text = logTo(['abc', 'long-enough'], (logger) => {
      logger.info('abc is too short to scrub; nothing else here.');
    });
    expect(JSON.parse(text)).toMatchObject({ msg: 'abc is too short to scrub; nothing else here.' });
  });

  // Known leak (reported to the lead): the scrub runs on the JSON line, where `"` and `\` in a secret are
  // escaped, so such a secret is not found. Flip to `it` once core/log.ts also scrubs the escaped form.
  it('scrubs a secret containing a quote or a backslash', () => {
    const text = logTo(['pa"ss\\word-1'], (logger) => {
      logger.info('Login with pa"ss\\word-1 failed.');
    });
    expect((JSON.parse(text) as { msg: string }).msg).toBe('Login with *** failed.');
  });

  it('scrubs the secrets that validation collected from the config', async () => {
    const text = [
      'plugins: [../plugins/good-plugin.ts]',
      'receivers: { generator: {} }',
      'exporters:',
      '  probe-sink: { api_key: "${env:SINK_API_KEY}" }',
      'service: { pipelines: { logs: { receivers: [generator], exporters: [probe-sink] } } }',
    ].join('\n');
    const checked = await validateConfigText('k.yaml', path.join(configFixtures, 'k.yaml'), text, {
      registry: builtinRegistry(),
      env: { SINK_API_KEY: 'key_0123456789' },
    });
    const secrets = checked.config?.secrets ?? [];
    expect(secrets).toContain('key_0123456789');
    const logged = logTo([...secrets], (logger) => {
      logger.error(
        { err: 'refused key_0123456789' },
        'Exporter "probe-sink" failed: key_0123456789 refused.',
      );
    });
    expect(logged).not.toContain('key_0123456789');
    expect(logged).toContain('***');
  });
});
