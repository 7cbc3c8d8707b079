// End-to-end: the real `dtcol run` with generator bodies (flat alerts, non-ASCII included) → the
// sentinel-datacollector exporter → fake Data Collector endpoints that recompute the SharedKey signature.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { metricValue, type RunningCli } from '../../support/cli.js';
import { startFakeDataCollector, type FakeDataCollector } from '../../support/fake-azure.js';
import { flatAlerts } from './flat-alerts.js';
import {
  arrivals,
  numberedBodies,
  range,
  runCli,
  startTcpProxy,
  whenRunning,
  writePipelines,
} from './harness.js';

const workspaceId = randomUUID();
const sharedKey = randomBytes(64).toString('base64');
// The key reaches the CLI only through ${env:…}, as the docs tell users to do it.
const env = { DTCOL_TEST_WS_KEY: sharedKey };

async function fakeCollector(): Promise<FakeDataCollector> {
  const fake = await startFakeDataCollector({ workspaceId, sharedKey });
  onTestFinished(() => fake.stop());
  return fake;
}

const exporter = (endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  workspace_id: workspaceId,
  shared_key: '${env:DTCOL_TEST_WS_KEY}',
  endpoint,
  retired_api_handling: 'retry',
  batch: { max_records: 50, flush_timeout: '50ms' },
  retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '2m' },
  ...extra,
});

async function metricsUrl(cli: RunningCli): Promise<string> {
  let url = '';
  await vi.waitFor(
    () => {
      const line = cli.logs().find((l) => typeof l['url'] === 'string');
      if (line === undefined) throw new Error(`no metrics url yet: ${cli.stderr()}`);
      url = String(line['url']);
    },
    { timeout: 20_000, interval: 50 },
  );
  return url;
}

const stored = (fake: FakeDataCollector): Record<string, unknown>[] => fake.records.map((r) => r.record);

describe('sentinel-datacollector (real CLI)', () => {
  it('delivers every alert despite 503s, 429s with Retry-After, an outage and a permanent 400', async () => {
    const total = 600;
    const bodies = numberedBodies(flatAlerts, total);
    const ok = await fakeCollector();
    const flaky = await fakeCollector();
    const throttled = await fakeCollector();
    const outage = await fakeCollector();
    const rejecting = await fakeCollector();
    flaky.failFraction(0.5, { status: 503 }, 11);
    throttled.failFraction(0.5, { status: 429, retryAfter: '1' }, 5);
    rejecting.failNext(1, {
      status: 400,
      code: 'InvalidDataFormat',
      message: 'Unexpected token at position 12',
    });
    const proxy = await startTcpProxy(outage.url, { down: true });
    onTestFinished(() => proxy.close());

    const ids = ['ok', 'flaky', 'throttled', 'outage', 'rejecting'].map((n) => `sentinel-datacollector/${n}`);
    const { dir, file } = writePipelines(
      JSON.stringify({
        receivers: { generator: { interval: '0s', batch_size: 100, count: total, bodies } },
        exporters: {
          [ids[0]!]: exporter(ok.url),
          [ids[1]!]: exporter(flaky.url),
          [ids[2]!]: exporter(throttled.url),
          [ids[3]!]: exporter(proxy.url('http')),
          [ids[4]!]: exporter(rejecting.url),
        },
        service: { data_dir: './state', pipelines: { logs: { receivers: ['generator'], exporters: ids } } },
      }),
    );
    const cli = runCli(file, env);
    await whenRunning(cli);
    // The outage: refused connections until the exporter has tried a few times, then the endpoint returns.
    await vi.waitFor(() => expect(proxy.refused).toBeGreaterThanOrEqual(3), { timeout: 20_000 });
    proxy.setDown(false);

    const deadFile = path.join(dir, 'state/dead-letter/sentinel-datacollector_rejecting.ndjson');
    const dead = (): Record<string, unknown>[] =>
      readDeadLetterFile(deadFile).entries.map((e) => e.record.body as Record<string, unknown>);
    await vi.waitFor(
      () => {
        for (const fake of [ok, flaky, throttled, outage])
          expect(arrivals(stored(fake)).ids).toEqual(range(total));
        expect(arrivals([...stored(rejecting), ...dead()]).ids).toEqual(range(total));
      },
      { timeout: 60_000, interval: 200 },
    );

    // Signed correctly (the fake answers 403 otherwise) and delivered unchanged, non-ASCII included.
    expect(ok.requests.every((r) => r.status === 200)).toBe(true);
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
      Number(a['threatID']) - Number(b['threatID']);
    expect(stored(ok).sort(byId)).toEqual(bodies);
    // Faults were injected, and at most one batch arrived twice.
    expect(flaky.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(throttled.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    for (const fake of [ok, flaky, throttled, outage])
      expect(arrivals(stored(fake)).duplicates).toBeLessThanOrEqual(50);

    // The 400 dead-lettered exactly that one batch, once, with the server's message; the rest flowed.
    const deadEntries = readDeadLetterFile(deadFile).entries;
    expect(deadEntries.length).toBeGreaterThan(0);
    expect(deadEntries.length).toBeLessThanOrEqual(50);
    expect(arrivals([...stored(rejecting), ...dead()]).duplicates).toBe(0);
    expect(new Set(deadEntries.map((e) => e.reason))).toEqual(
      new Set([
        'HTTP 400 InvalidDataFormat: Unexpected token at position 12 (the body is not valid JSON; dead-letter the batch)',
      ]),
    );
    const logs = cli.logs();
    const logged = logs.filter(
      (l) => l['component'] === ids[4] && String(l['msg']).includes('dead-lettered'),
    );
    expect(logged).toHaveLength(1);
    // The retirement notice: once per exporter, at start.
    for (const id of ids) {
      const notices = logs.filter(
        (l) => l['component'] === id && String(l['msg']).includes('retired on 2026-09-14'),
      );
      expect(notices).toHaveLength(1);
    }
    // The key is redacted from everything the CLI printed.
    expect(cli.stderr() + cli.stdout()).not.toContain(sharedKey);

    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  }, 120_000);

  it('loses nothing when killed with SIGKILL mid-delivery and restarted (persistent queue)', async () => {
    const total = 400;
    const fake = await fakeCollector();
    // Each answer takes 150 ms, so the kill lands while batches are in flight.
    const proxy = await startTcpProxy(fake.url, { latencyMs: 150 });
    onTestFinished(() => proxy.close());
    const config = (generator: Record<string, unknown>): string =>
      JSON.stringify({
        receivers: { generator },
        exporters: {
          'sentinel-datacollector': exporter(proxy.url('http'), {
            batch: { max_records: 20, flush_timeout: '20ms' },
            sending_queue: { storage: './queue', num_consumers: 2 },
          }),
        },
        service: {
          telemetry: { metrics: { address: '127.0.0.1:0' } },
          pipelines: { logs: { receivers: ['generator'], exporters: ['sentinel-datacollector'] } },
        },
      });
    const { file } = writePipelines(
      config({ interval: '0s', batch_size: 100, count: total, bodies: numberedBodies(flatAlerts, total) }),
    );
    const first = runCli(file, env);
    const url = await metricsUrl(first);
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const accepted = metricValue(text, 'dtcol_component_records_total', {
          component_id: 'sentinel-datacollector',
          outcome: 'accepted',
        });
        expect(accepted).toBe(total);
      },
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(() => expect(fake.records.length).toBeGreaterThan(0), { timeout: 20_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = fake.records.length;
    expect(beforeRestart).toBeLessThan(total);

    // The restarted service generates nothing new: the queue on disk must deliver the rest.
    writeFileSync(file, config({ interval: '1h', count: 1, bodies: [{ marker: true }] }));
    const second = runCli(file, env);
    await vi.waitFor(
      () => {
        const got = arrivals(stored(fake).filter((r) => r['marker'] !== true));
        expect(got.ids).toEqual(range(total));
      },
      { timeout: 60_000, interval: 200 },
    );
    // At least once: duplicates at most the batches in flight at the kill (2 consumers × 20 records).
    const { duplicates } = arrivals(stored(fake).filter((r) => r['marker'] !== true));
    console.info(
      `sentinel-datacollector SIGKILL: ${beforeRestart}/${total} before the kill, ${duplicates} resent`,
    );
    expect(duplicates).toBeLessThanOrEqual(40);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
