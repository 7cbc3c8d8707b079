// The otlp exporter inside the real CLI (one spawned service, three exporters): gRPC delivery after a
// retry with a secret header from the environment, a partial success counted as failed in /metrics,
// and a permanent 400 dead-lettered.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { metricValue, startCli } from '../../support/cli.js';
import { startFakeOtlp, type FakeOtlp, type FakeOtlpOptions } from '../../support/fake-otlp.js';

async function fake(options: FakeOtlpOptions): Promise<FakeOtlp> {
  const f = await startFakeOtlp(options);
  onTestFinished(() => f.close());
  return f;
}

describe('otlp exporter (real CLI)', () => {
  it('delivers over gRPC after a retry, counts a partial success as failed and dead-letters a 400', async () => {
    const total = 30;
    const grpc = await fake({
      fault: (n) => (n === 1 ? { grpcCode: GrpcStatus.UNAVAILABLE, message: 'warming up' } : undefined),
    });
    const partial = await fake({ fault: () => ({ partial: { rejected: 2, message: 'too old' } }) });
    const bad = await fake({ fault: () => ({ status: 400, message: 'unsupported body' }) });
    const dir = mkdtempSync(join(tmpdir(), 'dtcol-otlp-e2e-'));
    const file = join(dir, 'pipelines.yaml');
    writeFileSync(
      file,
      `
receivers:
  generator:
    interval: 0s
    batch_size: 10
    count: ${total}
    bodies: [{ pbid: 7, score: 1, model: { name: "Anomalous Connection::Rare External", priority: 3 } }]
exporters:
  otlp/grpc:
    protocol: grpc
    endpoint: ${grpc.grpcEndpoint}
    tls: { insecure: true }
    host_name: collector-e2e
    headers: { authorization: "Bearer \${env:DTCOL_TEST_OTLP_TOKEN}" }
    retry_on_failure: { initial_interval: 50ms }
    batch: { max_records: 100, flush_timeout: 100ms }
  otlp/partial:
    endpoint: ${partial.httpUrl}
    batch: { max_records: 10, flush_timeout: 50ms }
  otlp/bad:
    protocol: http/json
    endpoint: ${bad.httpUrl}
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], exporters: [otlp/grpc, otlp/partial, otlp/bad] }
`,
    );
    const cli = startCli(['run', '-c', file], { DTCOL_TEST_OTLP_TOKEN: 's3cr3t-token' });
    onTestFinished(() => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    });
    let url = '';
    await vi.waitFor(
      () => {
        const line = cli.logs().find((l) => typeof l['url'] === 'string');
        if (line === undefined) throw new Error(`no metrics url yet; stderr: ${cli.stderr()}`);
        url = line['url'] as string;
      },
      { timeout: 20_000, interval: 50 },
    );
    const count = async (id: string, outcome: string): Promise<number> =>
      metricValue(await (await fetch(`${url}/metrics`)).text(), 'dtcol_component_records_total', {
        component_id: id,
        outcome,
      });

    // gRPC: everything arrives after one UNAVAILABLE, with the env secret in the metadata.
    await vi.waitFor(() => expect(grpc.records()).toHaveLength(total), { timeout: 20_000 });
    expect(grpc.attempts).toBeGreaterThanOrEqual(2);
    expect(grpc.exports[0]?.headers['authorization']).toBe('Bearer s3cr3t-token');
    const r = grpc.records()[0]!;
    expect(r.eventName).toBe('dtcol.generated');
    expect(r.body).toEqual({
      pbid: 7,
      score: 1,
      model: { name: 'Anomalous Connection::Rare External', priority: 3 },
    });
    expect(r.resource).toEqual({ 'service.name': 'darktrace-collector', 'host.name': 'collector-e2e' });
    expect(r.timeUnixNano).toMatch(/^\d{19}$/);
    for (const e of grpc.exports) expect(e.resourceLogs).toHaveLength(1);
    await vi.waitFor(async () => expect(await count('otlp/grpc', 'sent')).toBe(total), { timeout: 10_000 });

    // Partial success: 2 rejected per request, counted as failed, never resent.
    await vi.waitFor(
      async () =>
        expect((await count('otlp/partial', 'sent')) + (await count('otlp/partial', 'failed'))).toBe(total),
      { timeout: 10_000 },
    );
    expect(partial.records()).toHaveLength(total);
    expect(partial.attempts).toBe(partial.exports.length);
    expect(await count('otlp/partial', 'failed')).toBe(2 * partial.exports.length);

    // Permanent 400: dead-lettered at once, with the server's message.
    await vi.waitFor(async () => expect(await count('otlp/bad', 'failed')).toBe(total), { timeout: 10_000 });
    const dead = readDeadLetterFile(join(dir, 'state/dead-letter/otlp_bad.ndjson')).entries;
    expect(dead).toHaveLength(total);
    expect(dead[0]).toMatchObject({ status: 400, reason: 'HTTP 400: unsupported body', attempts: 1 });

    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stderr()).not.toContain('s3cr3t-token');
  }, 60_000);
});
