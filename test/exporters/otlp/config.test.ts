import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../core/config/ajv.js';
import {
  otlpExporterConfigSchema,
  otlpLogsUrl,
  type OtlpExporterConfig,
} from '../../../exporters/otlp/config.js';
import { otlpExporterFactory } from '../../../exporters/otlp/index.js';
import { otlpConfig } from './fixtures.js';

const configDir = mkdtempSync(join(tmpdir(), 'dtcol-otlp-config-'));
writeFileSync(join(configDir, 'ca.pem'), 'not really a certificate');

const problems = (config: OtlpExporterConfig): string[] =>
  (otlpExporterFactory.validate?.(config, { configDir }) ?? []).map(
    (p) => `${p.path.join('.')}: ${p.message}`,
  );

describe('otlp exporter config', () => {
  it('defaults to OTLP/HTTP protobuf, gzip, a 10s attempt timeout and a 4 MiB request cap', () => {
    const config = otlpConfig({ endpoint: 'http://collector:4318' });
    expect(config).toMatchObject({
      protocol: 'http/protobuf',
      compression: 'gzip',
      timeout: '10s',
      headers: {},
      service_name: 'darktrace-collector',
      resource_attributes: {},
      tls: { insecure: false, insecure_skip_verify: false },
      batch: { max_bytes: 4 * 1024 * 1024 },
    });
    expect(problems(config)).toEqual([]);
  });

  it('rejects unknown keys and a protocol it does not speak', () => {
    const validate = compileSchema(otlpExporterConfigSchema);
    expect(validate({ endpoint: 'http://c:4318', encoding: 'proto' })).toBe(false);
    expect(validate({ endpoint: 'http://c:4318', protocol: 'grpc/json' })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('marks header values as secrets', () => {
    expect(otlpExporterConfigSchema.properties.headers.additionalProperties.secret).toBe(true);
  });

  it.each([
    { endpoint: 'http://collector:4318', logs: undefined, url: 'http://collector:4318/v1/logs' },
    { endpoint: 'https://collector:4318/', logs: undefined, url: 'https://collector:4318/v1/logs' },
    { endpoint: 'https://gw.example.com/otlp', logs: undefined, url: 'https://gw.example.com/otlp/v1/logs' },
    {
      endpoint: 'http://c:4318',
      logs: 'https://ingest.example.com/logs',
      url: 'https://ingest.example.com/logs',
    },
  ])('posts to $url for endpoint $endpoint', ({ endpoint, logs, url }) => {
    expect(otlpLogsUrl({ endpoint, ...(logs !== undefined && { logs_endpoint: logs }) })).toBe(url);
  });

  it.each([
    {
      what: 'a gRPC endpoint with a scheme',
      config: { protocol: 'grpc' as const, endpoint: 'https://collector:4317' },
      expected: [
        'endpoint: must be host:port for grpc, such as "collector:4317" (got "https://collector:4317")',
      ],
    },
    {
      what: 'logs_endpoint with gRPC',
      config: { protocol: 'grpc' as const, endpoint: 'collector:4317', logs_endpoint: 'http://x/v1/logs' },
      expected: ['logs_endpoint: applies to http/protobuf and http/json only; gRPC uses endpoint'],
    },
    {
      what: 'an HTTP endpoint that is not a URL',
      config: { endpoint: 'collector:4318' },
      expected: ['endpoint: must be an http:// or https:// URL for http/protobuf (got "collector:4318")'],
    },
    {
      what: 'tls.insecure with HTTP',
      config: { endpoint: 'https://c:4318', tls: { insecure: true } },
      expected: ['tls.insecure: applies to grpc only; for plaintext HTTP use an http:// endpoint'],
    },
    {
      what: 'a client certificate without its key',
      config: { endpoint: 'https://c:4318', tls: { cert_file: 'ca.pem' } },
      expected: ['tls.key_file: cert_file and key_file go together'],
    },
    {
      what: 'a CA file that does not exist',
      config: { endpoint: 'https://c:4318', tls: { ca_file: 'missing.pem' } },
      expected: [`tls.ca_file: file not found: ${join(configDir, 'missing.pem')}`],
    },
    {
      what: 'insecure gRPC with a CA file',
      config: {
        protocol: 'grpc' as const,
        endpoint: '[::1]:4317',
        tls: { insecure: true, ca_file: 'ca.pem' },
      },
      expected: ['tls.insecure: insecure turns TLS off, so ca_file would be ignored; remove one of them'],
    },
  ])('reports $what', ({ config, expected }) => {
    expect(problems(otlpConfig(config))).toEqual(expected);
  });

  it('accepts gRPC host:port forms and a CA file relative to the config file', () => {
    for (const endpoint of ['collector:4317', '127.0.0.1:4317', '[::1]:4317']) {
      expect(problems(otlpConfig({ protocol: 'grpc', endpoint, tls: { ca_file: 'ca.pem' } }))).toEqual([]);
    }
  });
});
