// End-to-end delivery guarantees of the real CLI: crash safety, exporter isolation, draining on SIGTERM.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readDeadLetterFile } from '../../core/helpers/dead-letter.js';
import { metricValue, metricsUrl, runManaged as run, writeConfig } from '../support/cli.js';
import { startHttpSink } from '../support/http-sink.js';

async function counter(url: string, id: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return metricValue(text, 'dtcol_component_records_total', { component_id: id, outcome });
}

/** The generator's sequence number of each delivered record (stdout/http `content: record`). */
const seqs = (docs: unknown[]): number[] =>
  (docs as { attributes: Record<string, number>; body: { marker?: boolean } }[])
    .filter((d) => d.body.marker !== true)
    .map((d) => d.attributes['generator.seq'] ?? -1);

describe('delivery (real CLI)', () => {
  it('loses nothing when killed with SIGKILL mid-delivery and restarted (persistent queue)', async () => {
    const total = 1500;
    const sink = await startHttpSink({ delayMs: 40 });
    onTestFinished(() => sink.close());
    const config = (generator: string): string => `
receivers:
  generator: ${generator}
exporters:
  http:
    endpoint: ${sink.url}
    content: record
    sending_queue: { storage: ./queue, num_consumers: 2 }
    batch: { max_records: 50 }
service:
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], exporters: [http] }
`;
    const { file } = writeConfig(config(`{ interval: 0s, batch_size: 100, count: ${total} }`));
    const first = run(file);
    const url = await metricsUrl(first);
    // Everything accepted into the persistent queue, and delivery under way: then pull the plug.
    await vi.waitFor(async () => expect(await counter(url, 'generator', 'accepted')).toBe(total), {
      timeout: 20_000,
    });
    await vi.waitFor(() => expect(sink.docs.length).toBeGreaterThan(0), { timeout: 20_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = sink.docs.length;
    expect(beforeRestart).toBeLessThan(total);

    // Restart with a receiver that sends nothing new: the queue on disk must deliver the rest.
    writeFileSync(file, config(`{ interval: 1h, count: 1, bodies: [{ marker: true }] }`));
    const second = run(file);
    await vi.waitFor(
      () => {
        const got = new Set(seqs(sink.docs));
        const generated = [...Array(total).keys()].filter((i) => !got.has(i));
        expect(generated).toEqual([]);
      },
      { timeout: 60_000, interval: 200 },
    );
    // At least once: duplicates at most the batches in flight at the kill (2 consumers × 50 records).
    const firstRun = seqs(sink.docs.slice(0, beforeRestart));
    const afterRun = seqs(sink.docs.slice(beforeRestart));
    const dup = afterRun.filter((s) => firstRun.includes(s) && s < total);
    expect(dup.length).toBeLessThanOrEqual(100);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);

  it('keeps feeding one exporter while another is blocked forever', async () => {
    const total = 2000;
    const fast = await startHttpSink();
    const hung = await startHttpSink({ hang: true });
    onTestFinished(() => fast.close());
    onTestFinished(() => hung.close());
    const { file, dir } = writeConfig(`
receivers:
  generator: { interval: 0s, batch_size: 50, count: ${total} }
exporters:
  http/fast:
    endpoint: ${fast.url}
    content: record
  http/hung:
    endpoint: ${hung.url}
    timeout: 1h
    sending_queue: { queue_size: 100, when_full: dead_letter }
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], exporters: [http/fast, http/hung] }
`);
    const cli = run(file);
    await metricsUrl(cli);
    await vi.waitFor(() => expect(fast.docs).toHaveLength(total), { timeout: 30_000 });
    await vi.waitFor(() => expect(hung.requests).toBeGreaterThan(0));
    // Nothing lost on the hung side either: what its queue could not hold is in its dead-letter file.
    const overflow = readDeadLetterFile(join(dir, 'state/dead-letter/http_hung.ndjson')).entries;
    expect(overflow.length).toBeGreaterThanOrEqual(total - 100);
    expect(overflow[0]?.reason).toBe('queue full');
    cli.child.kill('SIGKILL');
  });

  it('drains queued records on SIGTERM and exits 0', async () => {
    const total = 300;
    const sink = await startHttpSink();
    onTestFinished(() => sink.close());
    const { file } = writeConfig(`
receivers:
  generator: { interval: 0s, batch_size: 100, count: ${total} }
exporters:
  http:
    endpoint: ${sink.url}
    batch: { max_records: 10000, flush_timeout: 1h }
service:
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], exporters: [http] }
`);
    const cli = run(file);
    const url = await metricsUrl(cli);
    await vi.waitFor(async () => expect(await counter(url, 'http', 'accepted')).toBe(total), {
      timeout: 20_000,
    });
    expect(sink.docs).toHaveLength(0);
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    expect(code).toBe(0);
    expect(sink.docs).toHaveLength(total);
    expect(cli.logs().some((l) => l['msg'] === 'Shutdown complete.')).toBe(true);
  });

  it('serves /metrics and /healthz, and /healthz turns 503 naming the failing exporter', async () => {
    const sink = await startHttpSink({ status: () => 503 });
    onTestFinished(() => sink.close());
    const { file } = writeConfig(`
receivers:
  generator: { interval: 50ms }
exporters:
  http/down:
    endpoint: ${sink.url}
    retry_on_failure: { initial_interval: 50ms, max_interval: 100ms }
service:
  shutdown_timeout: 1s
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], exporters: [http/down] }
`);
    const cli = run(file);
    const url = await metricsUrl(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await vi.waitFor(
      async () => {
        const res = await fetch(`${url}/healthz`);
        expect(res.status).toBe(503);
        const body = (await res.json()) as {
          components: Record<string, { status: string; message?: string }>;
        };
        expect(body.components['exporter:http/down']?.status).toBe('degraded');
        expect(body.components['exporter:http/down']?.message).toMatch(/HTTP 503/);
      },
      { timeout: 20_000, interval: 100 },
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(
      metricValue(metrics, 'dtcol_exporter_retries_total', { component_id: 'http/down' }),
    ).toBeGreaterThan(0);
    expect(metrics).toMatch(/dtcol_exporter_queue_capacity\{component_id="http\/down"\} 5000/);
    expect(
      metricValue(metrics, 'dtcol_component_records_total', {
        component_id: 'generator',
        outcome: 'accepted',
      }),
    ).toBeGreaterThan(0);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });
});
