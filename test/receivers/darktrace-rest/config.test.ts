import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigText } from '../../../core/config/validate.js';
import { validateDarktraceRestConfig } from '../../../receivers/darktrace-rest/config.js';
import { darktraceRestReceiverFactory } from '../../../receivers/darktrace-rest/index.js';
import { restConfig } from './receiver-support.js';

const base = { url: 'https://dt.example.com', public_token: 'pub', private_token: 'priv' };

describe('darktrace-rest config', () => {
  it('fills in the documented defaults', () => {
    const config = restConfig(base);
    expect(config).toMatchObject({
      poll_interval: '60s',
      initial_lookback: '24h',
      overlap: '10m',
      settle: '30s',
      max_window: '1h',
      timeout: '30s',
      reemit_updates: false,
      tls: { insecure_skip_verify: false },
      feeds: {
        model_breaches: {
          enabled: true,
          min_score: 0,
          include_acknowledged: true,
          historic_model_only: true,
          include_breach_url: true,
          expand_enums: true,
          minimal: false,
          device_at_top: true,
          creation_time: false,
        },
        ai_analyst: { enabled: true, include_all_pinned: false, include_incident_event_url: true },
        ai_analyst_groups: { enabled: false },
      },
    });
    expect(validateDarktraceRestConfig(config, { configDir: tmpdir() })).toEqual([]);
  });

  it('rejects a UI score above 100 and unknown keys', () => {
    expect(() => restConfig({ ...base, feeds: { model_breaches: { min_score: 150 } } })).toThrow(/maximum/);
    expect(() => restConfig({ ...base, poll_intervall: '1m' })).toThrow(/additionalProperties/);
  });

  it.each([
    [{ url: 'ftp://dt.example.com' }, 'url', /http or https/],
    [{ url: 'https://dt.example.com/?x=1' }, 'url', /query/],
    [
      { feeds: { model_breaches: { enabled: false }, ai_analyst: { enabled: false } } },
      'feeds',
      /at least one/,
    ],
    [
      { feeds: { ai_analyst: { enabled: false }, ai_analyst_groups: { enabled: true } } },
      'feeds.ai_analyst_groups.enabled',
      /ai_analyst must be enabled/,
    ],
    [{ overlap: '2h' }, 'max_window', /max_window must be longer than overlap/],
    [{ tls: { ca_file: 'missing.pem' } }, 'tls.ca_file', /file not found/],
  ])('reports %j at %s', (overrides, path, message) => {
    const problems = validateDarktraceRestConfig(restConfig({ ...base, ...overrides }), {
      configDir: tmpdir(),
    });
    expect(problems.map((p) => p.path.join('.'))).toContain(path);
    expect(problems.find((p) => p.path.join('.') === path)?.message).toMatch(message);
  });

  it('resolves tls.ca_file against the configuration directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtcol-rest-cfg-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const config = restConfig({ ...base, tls: { ca_file: 'ca.pem' } });
    expect(validateDarktraceRestConfig(config, { configDir: dir })).toEqual([]);
  });

  it('takes its tokens from ${env:...} and treats them as secrets', async () => {
    const yaml = `
receivers:
  darktrace-rest:
    url: https://dt.example.com
    public_token: \${env:DT_PUBLIC_TOKEN}
    private_token: \${env:DT_PRIVATE_TOKEN}
exporters:
  stdout: {}
service:
  pipelines:
    logs: { receivers: [darktrace-rest], exporters: [stdout] }
`;
    const result = await validateConfigText('pipelines.yaml', join(tmpdir(), 'pipelines.yaml'), yaml, {
      registry: builtinRegistry(),
      env: { DT_PUBLIC_TOKEN: 'public-abc123', DT_PRIVATE_TOKEN: 'private-xyz789' },
    });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.secrets).toEqual(expect.arrayContaining(['public-abc123', 'private-xyz789']));
    const receiver = result.config?.components.receiver.get('darktrace-rest');
    expect(receiver?.factory).toBe(darktraceRestReceiverFactory);
    expect(receiver?.config).toMatchObject({ private_token: 'private-xyz789', poll_interval: '60s' });
  });

  it('is a built-in receiver type with a valid example config', () => {
    expect(builtinRegistry().get('receiver', 'darktrace-rest')?.factory).toBe(darktraceRestReceiverFactory);
    const example = restConfig(
      darktraceRestReceiverFactory.exampleConfig as unknown as Record<string, unknown>,
    );
    expect(validateDarktraceRestConfig(example, { configDir: tmpdir() })).toEqual([]);
  });
});
