// TLS options of the otlp exporter against the fake receiver over HTTPS and gRPC-over-TLS. Certificates
// are made for the run with the openssl CLI (a throwaway CA, a server certificate for 127.0.0.1 and a
// client certificate); without openssl the suite is skipped with a message.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { testSettings } from '../../../core/testing/index.js';
import type { OtlpExporterConfig, OtlpProtocol } from '../../../exporters/otlp/config.js';
import { createOtlpExporter } from '../../../exporters/otlp/exporter.js';
import { startFakeOtlp, type FakeOtlp, type FakeOtlpOptions } from '../../support/fake-otlp.js';
import { breachRecord, otlpConfig } from './fixtures.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const opensslAvailable = hasOpenssl();
if (!opensslAvailable)
  console.warn('otlp TLS tests skipped: the openssl CLI is not available to make certificates.');

const host = { reportFatalError: () => undefined };
let dir = '';
const pem = (name: string): Buffer => readFileSync(join(dir, name));

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all P-256. */
function makeCertificates(): void {
  dir = mkdtempSync(join(tmpdir(), 'dtcol-otlp-tls-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const key = (name: string): void => {
    ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name);
  };
  key('ca.key');
  ssl('req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dtcol test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    key(`${who}.key`);
    ssl(
      'req',
      '-new',
      '-key',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who === 'server' ? '127.0.0.1' : 'dtcol'}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.crt`,
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
    );
  }
}

async function fake(options: Omit<FakeOtlpOptions, 'tls'> & { mutual?: boolean } = {}): Promise<FakeOtlp> {
  const f = await startFakeOtlp({
    ...options,
    tls: {
      key: pem('server.key'),
      cert: pem('server.crt'),
      ...(options.mutual === true && { clientCa: pem('ca.crt') }),
    },
  });
  onTestFinished(() => f.close());
  return f;
}

async function run(
  config: OtlpExporterConfig,
  settings = testSettings('otlp/tls', 'exporter', { configDir: dir }),
): Promise<ReturnType<typeof createOtlpExporter>> {
  const exporter = createOtlpExporter(settings, config);
  onTestFinished(() => exporter.shutdown(AbortSignal.timeout(300)));
  await exporter.start(host, AbortSignal.timeout(2000));
  await exporter.consume([breachRecord(1)]);
  return exporter;
}

const endpointFor = (f: FakeOtlp, protocol: OtlpProtocol): string =>
  protocol === 'grpc' ? f.grpcEndpoint : f.httpUrl;

const quick = {
  batch: { flush_timeout: '10ms' },
  retry_on_failure: { initial_interval: '20ms', max_interval: '50ms' },
};

describe.skipIf(!opensslAvailable)('otlp exporter TLS', () => {
  beforeAll(() => {
    makeCertificates();
  });

  it.each(['http/protobuf', 'grpc'] as const)(
    'verifies the server against ca_file (relative to the config file) over %s',
    async (protocol) => {
      const f = await fake();
      await run(
        otlpConfig({ protocol, endpoint: endpointFor(f, protocol), tls: { ca_file: 'ca.crt' }, ...quick }),
      );
      await vi.waitFor(() => expect(f.records()).toHaveLength(1));
    },
  );

  it.each(['http/protobuf', 'grpc'] as const)(
    'refuses a server it cannot verify and keeps retrying (%s)',
    async (protocol) => {
      const f = await fake();
      const settings = testSettings('otlp/tls', 'exporter', { configDir: dir });
      await run(otlpConfig({ protocol, endpoint: endpointFor(f, protocol), ...quick }), settings);
      await vi.waitFor(async () =>
        expect(await settings.service.registry.metrics()).toMatch(
          /dtcol_exporter_retries_total\{component_id="otlp\/tls"\} [2-9]/,
        ),
      );
      expect(f.exports).toHaveLength(0);
      expect(await settings.service.recordCount('otlp/tls', 'failed')).toBe(0);
    },
  );

  it.each(['http/protobuf', 'grpc'] as const)(
    'skips verification only when told to, and says so loudly (%s)',
    async (protocol) => {
      const f = await fake();
      const lines: string[] = [];
      const settings = {
        ...testSettings('otlp/tls', 'exporter', { configDir: dir }),
        logger: pino({ level: 'info' }, { write: (s: string) => lines.push(s) }),
      };
      await run(
        otlpConfig({
          protocol,
          endpoint: endpointFor(f, protocol),
          tls: { insecure_skip_verify: true },
          ...quick,
        }),
        settings,
      );
      await vi.waitFor(() => expect(f.records()).toHaveLength(1));
      const warning = lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .find((l) => l.level === 40);
      expect(warning?.msg).toMatch(
        /^Exporter "otlp\/tls" does NOT verify the TLS certificate of 127\.0\.0\.1:\d+/,
      );
    },
  );

  it.each(['http/protobuf', 'grpc'] as const)(
    'presents cert_file/key_file to a server that demands a client certificate (%s)',
    async (protocol) => {
      const f = await fake({ mutual: true });
      await run(
        otlpConfig({
          protocol,
          endpoint: endpointFor(f, protocol),
          tls: { ca_file: join(dir, 'ca.crt'), cert_file: 'client.crt', key_file: 'client.key' },
          ...quick,
        }),
      );
      await vi.waitFor(() => expect(f.records()).toHaveLength(1));
    },
  );

  it('is refused by a server that demands a client certificate when none is configured', async () => {
    const f = await fake({ mutual: true });
    const settings = testSettings('otlp/tls', 'exporter', { configDir: dir });
    await run(otlpConfig({ endpoint: f.httpUrl, tls: { ca_file: 'ca.crt' }, ...quick }), settings);
    await vi.waitFor(async () =>
      expect(await settings.service.registry.metrics()).toMatch(
        /dtcol_exporter_retries_total\{component_id="otlp\/tls"\} [2-9]/,
      ),
    );
    expect(f.exports).toHaveLength(0);
  });
});
