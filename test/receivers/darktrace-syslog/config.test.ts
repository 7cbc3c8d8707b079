import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigFile } from '../../../core/config/validate.js';

/** Validate a pipelines.yaml whose only receiver is `darktrace-syslog` with `body` as its config. */
async function validate(body: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dtcol-syslog-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'pipelines.yaml');
  writeFileSync(
    file,
    `receivers:
  darktrace-syslog: ${body}
exporters:
  stdout: {}
service:
  pipelines:
    logs: { receivers: [darktrace-syslog], exporters: [stdout] }
`,
  );
  const result = await validateConfigFile(file, { registry: builtinRegistry(), loadPlugins: false });
  return {
    errors: result.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`),
    config: result.config?.components.receiver.get('darktrace-syslog')?.config,
  };
}

describe('darktrace-syslog config', () => {
  it('fills in the defaults from the schema', async () => {
    const { errors, config } = await validate('{}');
    expect(errors).toEqual([]);
    expect(config).toEqual({
      protocol: 'tcp',
      endpoint: '127.0.0.1:1514',
      max_message_size: '64KiB',
      batch_size: 100,
      flush_timeout: '100ms',
      max_pending_records: 5000,
      keep_original: false,
    });
  });

  it('accepts TLS with files that exist, relative to the config file', async () => {
    const { errors, config } = await validate(
      '{ protocol: tls, endpoint: "[::1]:6514", tls: { cert_file: c.pem, key_file: k.pem, ca_file: ca.pem, client_auth: require } }',
      { 'c.pem': 'x', 'k.pem': 'x', 'ca.pem': 'x' },
    );
    expect(errors).toEqual([]);
    expect(config).toMatchObject({ tls: { client_auth: 'require' } });
  });

  it.each([
    ['{ protocol: tls }', 'tls: protocol tls needs tls.cert_file and tls.key_file'],
    [
      '{ protocol: tls, tls: { cert_file: missing.pem, key_file: k.pem } }',
      'tls.cert_file: file not found: ',
    ],
    [
      '{ protocol: tls, tls: { cert_file: c.pem, key_file: k.pem, client_auth: require } }',
      'tls.ca_file: client_auth require needs ca_file',
    ],
    [
      '{ protocol: udp, tls: { cert_file: c.pem, key_file: k.pem } }',
      'tls: tls settings are only used with protocol: tls',
    ],
    ['{ endpoint: "127.0.0.1:70000" }', 'endpoint: port 70000 is above 65535'],
    ['{ endpoint: "1514" }', 'endpoint: '],
    ['{ protocol: sctp }', 'protocol: '],
    ['{ max_message_size: lots }', 'max_message_size: '],
    ['{ flush_timeout: 5 }', 'flush_timeout: '],
    ['{ batch_size: 0 }', 'batch_size: '],
    ['{ max_conections: 3 }', 'max_conections: unknown key'],
  ])('rejects %s', async (body, expected) => {
    const { errors } = await validate(body, { 'c.pem': 'x', 'k.pem': 'x' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(expected))).toBe(true);
  });
});
