// TLS options of the otlp exporter against the fake receiver over HTTPS and gRPC-over-TLS. Certificates
// come from the shared test PKI (test/support/tls.ts, made with the openssl CLI); without openssl the suite
// is skipped with a message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { testSettings } from '../../../core/testing/index.js';
import type { OtlpExporterConfig, OtlpProtocol } from '../../../exporters/otlp/config.js';
import { createOtlpExporter } from '../../../exporters/otlp/exporter.js';
import { startFakeOtlp, type FakeOtlp, type FakeOtlpOptions } from '../../support/fake-otlp.js';
import { canMakeCertificates, testPki } from '../../support/tls.js';
import { breachRecord, otlpConfig } from './fixtures.js';

const opensslAvailable = canMakeCertificates();
if (!opensslAvailable)
  console.warn('otlp TLS tests skipped: the openssl CLI is not available to make certificates.');

const host = { reportFatalError: () => undefined };
let dir = '';
const pem = (name: string): Buffer => readFileSync(join(dir, name));

/** The shared test PKI (test/support/tls.ts): a CA, a server certificate for 127.0.0.1, a client certificate. */
function makeCertificates(): void {
  dir = testPki().dir;
}

async function fake(options: Omit<FakeOtlpOptions, 'tls'> & { mutual?: boolean } = {}): Promise<FakeOtlp> {
  const f = await startFakeOtlp({
    ...options,
    tls: {
      key: pem('server.key'),
      cert: pem('server.pem'),
      ...(options.mutual === true && { clientCa: pem('ca.pem') }),
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
        otlpConfig({ protocol, endpoint: endpointFor(f, protocol), tls: { ca_file: 'ca.pem' }, ...quick }),
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
          tls: { ca_file: join(dir, 'ca.pem'), cert_file: 'client.pem', key_file: 'client.key' },
          ...quick,
        }),
      );
      await vi.waitFor(() => expect(f.records()).toHaveLength(1));
    },
  );

  it('is refused by a server that demands a client certificate when none is configured', async () => {
    const f = await fake({ mutual: true });
    const settings = testSettings('otlp/tls', 'exporter', { configDir: dir });
    await run(otlpConfig({ endpoint: f.httpUrl, tls: { ca_file: 'ca.pem' }, ...quick }), settings);
    await vi.waitFor(async () =>
      expect(await settings.service.registry.metrics()).toMatch(
        /dtcol_exporter_retries_total\{component_id="otlp\/tls"\} [2-9]/,
      ),
    );
    expect(f.exports).toHaveLength(0);
  });
});
