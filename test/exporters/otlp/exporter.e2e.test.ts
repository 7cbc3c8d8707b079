// The otlp exporter against the fake OTLP receiver on loopback, for each protocol: what arrives (decoded),
// how it is grouped, and how failures, throttling, partial success and hangs are handled.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { LogRecord } from '../../../core/consumer.js';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { testSettings } from '../../../core/testing/index.js';
import type { OtlpExporterConfig, OtlpProtocol } from '../../../exporters/otlp/config.js';
import { createOtlpExporter } from '../../../exporters/otlp/exporter.js';
import { startFakeOtlp, type FakeOtlp, type FakeOtlpOptions } from '../../support/fake-otlp.js';
import { applianceResource, breachRecord, modelBreach, otlpConfig } from './fixtures.js';

const host = { reportFatalError: () => undefined };
const fastRetry = { initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '10s' };

async function fake(options: FakeOtlpOptions = {}): Promise<FakeOtlp> {
  const f = await startFakeOtlp(options);
  onTestFinished(() => f.close());
  return f;
}

function endpointFor(
  f: FakeOtlp,
  protocol: OtlpProtocol,
): Partial<OtlpExporterConfig> & { endpoint: string } {
  return protocol === 'grpc'
    ? { protocol, endpoint: f.grpcEndpoint, tls: { insecure: true, insecure_skip_verify: false } }
    : { protocol, endpoint: f.httpUrl };
}

async function exporterFor(
  config: OtlpExporterConfig,
  settings = testSettings('otlp/test'),
): Promise<{ exporter: ReturnType<typeof createOtlpExporter>; settings: typeof settings }> {
  const exporter = createOtlpExporter(settings, config);
  onTestFinished(() => exporter.shutdown(AbortSignal.timeout(5000)));
  await exporter.start(host, AbortSignal.timeout(2000));
  return { exporter, settings };
}

const protocols: OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

describe('otlp exporter (loopback fake)', () => {
  it.each(
    protocols.flatMap((protocol) =>
      (['gzip', 'none'] as const).map((compression) => ({ protocol, compression })),
    ),
  )(
    'delivers alerts over $protocol ($compression) with body, attributes, severity, event name and ns times',
    async ({ protocol, compression }) => {
      const f = await fake();
      const { exporter, settings } = await exporterFor(
        otlpConfig({
          ...endpointFor(f, protocol),
          compression,
          host_name: 'collector-01',
          batch: { max_records: 4, flush_timeout: '10ms' },
        }),
      );
      const records = [breachRecord(1), breachRecord(2), breachRecord(3, { score: 1 }), breachRecord(4)];
      await exporter.consume(records);
      await vi.waitFor(() => expect(f.records()).toHaveLength(4));

      expect(f.exports).toHaveLength(1);
      const sent = f.exports[0]!;
      if (protocol === 'grpc') {
        expect(sent.transport).toBe('grpc');
        expect(sent.headers['content-type']).toBe('application/grpc');
        expect(sent.headers['grpc-encoding']).toBe(compression === 'gzip' ? 'gzip' : undefined);
        expect(sent.headers['x-fake-compressed']).toBe(String(compression === 'gzip'));
      } else {
        expect(sent.path).toBe('/v1/logs');
        expect(sent.headers['content-type']).toBe(
          protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
        );
        expect(sent.headers['content-encoding']).toBe(compression === 'gzip' ? 'gzip' : undefined);
      }
      // One resource, one scope for the whole batch.
      expect(sent.resourceLogs).toEqual([
        {
          resource: {
            'service.name': 'darktrace-collector',
            'darktrace.appliance': 'dt-master-01.example.net',
            'host.name': 'collector-01',
          },
          scopes: 1,
          records: 4,
        },
      ]);
      const first = f.records()[0]!;
      expect(first).toMatchObject({
        timeUnixNano: '1714566000001000000',
        observedTimeUnixNano: '1714566001001250000',
        severityNumber: 13,
        severityText: 'WARN',
        eventName: 'darktrace.model_breach',
        scope: { name: 'darktrace-collector' },
      });
      expect(first.body).toEqual(modelBreach(1, 0.674));
      expect(first.attributes).toEqual(records[0]!.attributes);
      // Whole numbers become intValue, others doubleValue: a score of exactly 1 is an int on the wire.
      const scoreOf = (raw: unknown): Record<string, unknown> =>
        (
          raw as { kvlistValue: { values: { key: string; value: Record<string, unknown> }[] } }
        ).kvlistValue.values.find((kv) => kv.key === 'score')!.value;
      expect(Object.keys(scoreOf(f.records()[0]!.bodyRaw))).toEqual(['doubleValue']);
      expect(Object.keys(scoreOf(f.records()[2]!.bodyRaw))).toEqual(['intValue']);
      expect(f.records()[2]!.body).toMatchObject({ score: 1 });
      await vi.waitFor(async () => expect(await settings.service.recordCount('otlp/test', 'sent')).toBe(4));
    },
  );

  it('groups a batch into one ResourceLogs per distinct resource, even for equal resources that are different objects', async () => {
    const f = await fake();
    const { exporter } = await exporterFor(
      otlpConfig({ endpoint: f.httpUrl, host_name: 'h', batch: { max_records: 5, flush_timeout: '10ms' } }),
    );
    const lookalike: LogRecord = {
      ...breachRecord(5),
      resource: resourceFromAttributes({
        'darktrace.appliance': 'dt-master-01.example.net',
        'service.name': 'darktrace-collector',
      }),
    };
    await exporter.consume([
      breachRecord(1),
      breachRecord(2, { appliance: 'dt-branch.example.net' }),
      breachRecord(3),
      breachRecord(4, { appliance: 'dt-branch.example.net' }),
      lookalike,
    ]);
    await vi.waitFor(() => expect(f.records()).toHaveLength(5));
    expect(f.exports).toHaveLength(1);
    expect(
      f.exports[0]!.resourceLogs.map((r) => [r.resource['darktrace.appliance'], r.scopes, r.records]),
    ).toEqual([
      ['dt-master-01.example.net', 1, 3],
      ['dt-branch.example.net', 1, 2],
    ]);
    expect(applianceResource('dt-branch.example.net')).toBe(applianceResource('dt-branch.example.net'));
  });

  it('sets service.name, host.name and extra resource attributes but keeps darktrace.appliance', async () => {
    const f = await fake();
    const { exporter } = await exporterFor(
      otlpConfig({
        endpoint: f.httpUrl,
        service_name: 'dtcol-eu',
        host_name: 'edge-7',
        resource_attributes: { 'deployment.environment': 'prod' },
        batch: { flush_timeout: '10ms' },
      }),
    );
    await exporter.consume([breachRecord(1)]);
    await vi.waitFor(() => expect(f.records()).toHaveLength(1));
    expect(f.records()[0]!.resource).toEqual({
      'service.name': 'dtcol-eu',
      'host.name': 'edge-7',
      'deployment.environment': 'prod',
      'darktrace.appliance': 'dt-master-01.example.net',
    });
  });

  it('posts to logs_endpoint verbatim and sends the configured headers (HTTP and gRPC metadata)', async () => {
    const f = await fake();
    const { exporter: http } = await exporterFor(
      otlpConfig({
        endpoint: 'http://unused.invalid:4318',
        logs_endpoint: `${f.httpUrl}/custom/ingest`,
        headers: { 'X-Api-Key': 'k-123' },
        batch: { flush_timeout: '10ms' },
      }),
    );
    const { exporter: grpc } = await exporterFor(
      otlpConfig({
        ...endpointFor(f, 'grpc'),
        headers: { 'X-Api-Key': 'k-456' },
        batch: { flush_timeout: '10ms' },
      }),
      testSettings('otlp/grpc'),
    );
    await http.consume([breachRecord(1)]);
    await grpc.consume([breachRecord(2)]);
    await vi.waitFor(() => expect(f.exports).toHaveLength(2));
    const byTransport = Object.fromEntries(f.exports.map((e) => [e.transport, e]));
    expect(byTransport['http']?.path).toBe('/custom/ingest');
    expect(byTransport['http']?.headers['x-api-key']).toBe('k-123');
    expect(byTransport['http']?.headers['user-agent']).toBe('darktrace-collector');
    expect(byTransport['grpc']?.headers['x-api-key']).toBe('k-456');
  });

  it.each([
    { protocol: 'http/protobuf' as const, fault: { status: 429, retryAfter: '1' }, minGapMs: 950 },
    { protocol: 'http/json' as const, fault: { status: 503, retryAfter: '1' }, minGapMs: 950 },
    {
      protocol: 'grpc' as const,
      fault: { grpcCode: GrpcStatus.RESOURCE_EXHAUSTED, retryDelayMs: 400 },
      minGapMs: 380,
    },
  ])(
    'waits as long as the server asks ($protocol) and then delivers',
    async ({ protocol, fault, minGapMs }) => {
      const f = await fake({ fault: (n) => (n === 1 ? fault : undefined) });
      const { exporter, settings } = await exporterFor(
        otlpConfig({
          ...endpointFor(f, protocol),
          retry_on_failure: fastRetry,
          batch: { flush_timeout: '10ms' },
        }),
      );
      await exporter.consume([breachRecord(1), breachRecord(2)]);
      await vi.waitFor(() => expect(f.records()).toHaveLength(2), { timeout: 5000 });
      expect(f.attempts).toBe(2);
      expect(f.arrivals[1]! - f.arrivals[0]!).toBeGreaterThanOrEqual(minGapMs);
      // The fake has the records before the exporter has read the answer: wait for the count.
      await vi.waitFor(async () => expect(await settings.service.recordCount('otlp/test', 'sent')).toBe(2));
      expect(await settings.service.registry.metrics()).toMatch(
        /dtcol_exporter_retries_total\{component_id="otlp\/test"\} 1/,
      );
    },
  );

  it.each([
    { code: GrpcStatus.UNAVAILABLE, name: 'UNAVAILABLE' },
    { code: GrpcStatus.DEADLINE_EXCEEDED, name: 'DEADLINE_EXCEEDED' },
  ])('retries gRPC $name and then delivers', async ({ code }) => {
    const f = await fake({ fault: (n) => (n === 1 ? { grpcCode: code } : undefined) });
    const { exporter, settings } = await exporterFor(
      otlpConfig({
        ...endpointFor(f, 'grpc'),
        retry_on_failure: fastRetry,
        batch: { flush_timeout: '10ms' },
      }),
    );
    await exporter.consume([breachRecord(1)]);
    await vi.waitFor(() => expect(f.records()).toHaveLength(1));
    expect(f.attempts).toBe(2);
    expect(await settings.service.recordCount('otlp/test', 'failed')).toBe(0);
  });

  it.each([
    {
      label: 'http/protobuf 400',
      protocol: 'http/protobuf' as const,
      fault: { status: 400, message: 'body.kvlist: bad value' },
      reason: /^HTTP 400: body\.kvlist: bad value/,
    },
    {
      label: 'http/json 401',
      protocol: 'http/json' as const,
      fault: { status: 401, message: 'no token' },
      reason: /^HTTP 401: no token/,
    },
    {
      label: 'http/protobuf 500',
      protocol: 'http/protobuf' as const,
      fault: { status: 500, message: 'oops' },
      reason: /^HTTP 500: oops/,
    },
    {
      label: 'grpc INVALID_ARGUMENT',
      protocol: 'grpc' as const,
      fault: { grpcCode: GrpcStatus.INVALID_ARGUMENT, message: 'bad' },
      reason: /^gRPC INVALID_ARGUMENT: bad/,
    },
    {
      label: 'grpc RESOURCE_EXHAUSTED without RetryInfo',
      protocol: 'grpc' as const,
      fault: { grpcCode: GrpcStatus.RESOURCE_EXHAUSTED, message: 'quota' },
      reason: /^gRPC RESOURCE_EXHAUSTED: quota/,
    },
  ])('dead-letters a permanent failure at once ($label)', async ({ protocol, fault, reason }) => {
    const f = await fake({ fault: () => fault });
    const { exporter, settings } = await exporterFor(
      otlpConfig({
        ...endpointFor(f, protocol),
        retry_on_failure: fastRetry,
        batch: { flush_timeout: '10ms' },
      }),
    );
    await exporter.consume([breachRecord(1), breachRecord(2)]);
    await vi.waitFor(async () => expect(await settings.service.recordCount('otlp/test', 'failed')).toBe(2));
    expect(f.attempts).toBe(1);
    const dead = readDeadLetterFile(exporter.deadLetterPath!).entries;
    expect(dead).toHaveLength(2);
    expect(dead[0]?.reason).toMatch(reason);
  });

  it.each([
    { protocol: 'http/protobuf' as const, rejected: 2 },
    { protocol: 'http/json' as const, rejected: '2' }, // int64 as a JSON string, as the spec writes it
    { protocol: 'grpc' as const, rejected: 2 },
  ])(
    'counts a partial success as failed records and does not resend ($protocol)',
    async ({ protocol, rejected }) => {
      const f = await fake({ fault: () => ({ partial: { rejected, message: 'timestamp too old' } }) });
      const { exporter, settings } = await exporterFor(
        otlpConfig({
          ...endpointFor(f, protocol),
          retry_on_failure: fastRetry,
          batch: { max_records: 5, flush_timeout: '10ms' },
        }),
      );
      await exporter.consume([1, 2, 3, 4, 5].map((i) => breachRecord(i)));
      await vi.waitFor(async () => expect(await settings.service.recordCount('otlp/test', 'failed')).toBe(2));
      expect(await settings.service.recordCount('otlp/test', 'sent')).toBe(3);
      expect(f.attempts).toBe(1);
      expect(await settings.service.registry.metrics()).toMatch(
        /dtcol_component_records_total\{component_id="otlp\/test",component_kind="exporter",outcome="failed",reason="partial_success"\} 2/,
      );
    },
  );

  it.each(protocols)(
    'gives up on a hung request at the attempt timeout and retries (%s)',
    async (protocol) => {
      const f = await fake({ fault: (n) => (n === 1 ? { hang: true } : undefined) });
      const { exporter } = await exporterFor(
        otlpConfig({
          ...endpointFor(f, protocol),
          timeout: '300ms',
          retry_on_failure: fastRetry,
          batch: { flush_timeout: '10ms' },
        }),
      );
      const offered = Date.now();
      await exporter.consume([breachRecord(1)]);
      await vi.waitFor(() => expect(f.records()).toHaveLength(1), { timeout: 5000 });
      expect(f.attempts).toBe(2);
      // The first attempt started after `offered` and was abandoned only at its 300 ms timeout.
      expect(f.arrivals[1]! - offered).toBeGreaterThanOrEqual(300);
    },
  );

  it('splits a batch whose encoding is over batch.max_bytes, so no request exceeds it', async () => {
    const f = await fake();
    const { exporter, settings } = await exporterFor(
      otlpConfig({
        endpoint: f.httpUrl,
        compression: 'none',
        batch: { max_records: 8, max_bytes: 4000, flush_timeout: '10ms' },
      }),
    );
    await exporter.consume([1, 2, 3, 4, 5, 6, 7, 8].map((i) => breachRecord(i)));
    await vi.waitFor(() => expect(f.records()).toHaveLength(8));
    expect(f.exports.length).toBeGreaterThan(1);
    for (const e of f.exports) expect(e.wireBytes).toBeLessThanOrEqual(4000);
    expect(f.records().map((r) => (r.body as { pbid: number }).pbid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await settings.service.recordCount('otlp/test', 'failed')).toBe(0);
  });
});
