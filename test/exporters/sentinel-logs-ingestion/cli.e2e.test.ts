// End-to-end: the real `dtcol run` with generator bodies (flat alerts, non-ASCII included) → the
// sentinel-logs-ingestion exporter → fake Entra ID + Logs Ingestion endpoints that check the bearer
// token, gzip and the 1 MB cap.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { metricValue, type RunningCli } from '../../support/cli.js';
import { canStartFakeAzure, startFakeAzure, type FakeAzure } from '../../support/fake-azure.js';
import { flatAlerts } from '../sentinel-datacollector/flat-alerts.js';
import {
  arrivals,
  numberedBodies,
  range,
  runCli,
  startTcpProxy,
  whenRunning,
  writePipelines,
} from '../sentinel-datacollector/harness.js';

const stream = 'Custom-DarktraceModelAlerts';
const identity = {
  tenantId: randomUUID(),
  clientId: randomUUID(),
  clientSecret: randomBytes(24).toString('base64url'),
};
const haveOpenssl = canStartFakeAzure();
if (!haveOpenssl)
  console.warn(
    'openssl not found: sentinel-logs-ingestion CLI tests need a loopback HTTPS authority; skipped',
  );

/** The child process trusts the fakes' self-signed certificate through NODE_EXTRA_CA_CERTS. */
function cliEnv(fake: FakeAzure): NodeJS.ProcessEnv {
  const { dir } = writePipelines('');
  const ca = path.join(dir, 'fake-azure-ca.pem');
  writeFileSync(ca, fake.ca);
  return { NODE_EXTRA_CA_CERTS: ca, DTCOL_TEST_CLIENT_SECRET: identity.clientSecret };
}

async function fakeAzure(): Promise<FakeAzure> {
  const fake = await startFakeAzure(identity);
  onTestFinished(() => fake.stop());
  return fake;
}

const exporter = (
  fake: FakeAzure,
  endpoint: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  endpoint,
  dcr_immutable_id: fake.dcrImmutableId,
  stream,
  auth: {
    type: 'client_secret',
    tenant_id: identity.tenantId,
    client_id: identity.clientId,
    client_secret: '${env:DTCOL_TEST_CLIENT_SECRET}',
    authority_host: fake.url,
    disable_instance_discovery: true,
  },
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

const numbered = (fake: FakeAzure): Record<string, unknown>[] =>
  fake.recordsFor(stream).filter((r) => r['threatID'] !== undefined);

describe.skipIf(!haveOpenssl)('sentinel-logs-ingestion (real CLI)', () => {
  it('delivers every alert despite 503s, 429s with Retry-After, an outage and a permanent 400, under 1 MB per call', async () => {
    const total = 600;
    const bodies = numberedBodies(flatAlerts, total);
    const ok = await fakeAzure();
    const flaky = await fakeAzure();
    const throttled = await fakeAzure();
    const outage = await fakeAzure();
    const rejecting = await fakeAzure();
    flaky.failFraction(0.5, { status: 503 }, 11);
    throttled.failFraction(0.5, { status: 429, retryAfter: '1' }, 5);
    rejecting.failNext(1, { status: 400, code: 'InvalidPayload', message: 'Column type mismatch' });
    const proxy = await startTcpProxy(outage.url, { down: true });
    onTestFinished(() => proxy.close());
    // 400 records of about 4 KB (1.6 MB in all), so the 1 MB cap has to split them into calls.
    const big = {
      dtProduct: 'Policy Breach',
      big: true,
      triggeredComponents: 'Verbindung über Port 443 — '.repeat(150),
    };

    const ids = ['ok', 'flaky', 'throttled', 'outage', 'rejecting'].map(
      (n) => `sentinel-logs-ingestion/${n}`,
    );
    const { dir, file } = writePipelines(
      JSON.stringify({
        receivers: {
          generator: { interval: '0s', batch_size: 100, count: total, bodies },
          'generator/big': { interval: '0s', batch_size: 100, count: 400, bodies: [big] },
        },
        exporters: {
          [ids[0]!]: exporter(ok, ok.url, { batch: { max_records: 2000, flush_timeout: '50ms' } }),
          [ids[1]!]: exporter(flaky, flaky.url),
          [ids[2]!]: exporter(throttled, throttled.url),
          [ids[3]!]: exporter(outage, proxy.url('https')),
          [ids[4]!]: exporter(rejecting, rejecting.url),
        },
        service: {
          data_dir: './state',
          pipelines: {
            logs: { receivers: ['generator'], exporters: ids },
            'logs/big': { receivers: ['generator/big'], exporters: [ids[0]] },
          },
        },
      }),
    );
    const cli = runCli(file, cliEnv(ok));
    await whenRunning(cli);
    await vi.waitFor(() => expect(proxy.refused).toBeGreaterThanOrEqual(3), { timeout: 20_000 });
    proxy.setDown(false);

    const deadFile = path.join(dir, 'state/dead-letter/sentinel-logs-ingestion_rejecting.ndjson');
    const dead = (): Record<string, unknown>[] =>
      readDeadLetterFile(deadFile).entries.map((e) => e.record.body as Record<string, unknown>);
    await vi.waitFor(
      () => {
        for (const fake of [ok, flaky, throttled, outage])
          expect(arrivals(numbered(fake)).ids).toEqual(range(total));
        expect(arrivals([...numbered(rejecting), ...dead()]).ids).toEqual(range(total));
        expect(ok.recordsFor(stream).filter((r) => r['big'] === true)).toHaveLength(400);
      },
      { timeout: 60_000, interval: 200 },
    );

    // Bearer token from the authority, gzip, and no call over 1,000,000 bytes (the fake answers 401/400/413 otherwise).
    expect(ok.requests.every((r) => r.status === 204 && r.gzip && r.bodyBytes <= 1_000_000)).toBe(true);
    expect(ok.requests.filter((r) => r.bodyBytes > 500_000).length).toBeGreaterThanOrEqual(1);
    expect(ok.tokenRequests.length).toBeGreaterThan(0);
    expect(ok.tokenRequests.every((t) => t.granted)).toBe(true);
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
      Number(a['threatID']) - Number(b['threatID']);
    // Delivered unchanged, non-ASCII included, plus the TimeGenerated the exporter adds (an ISO time).
    const arrived = numbered(ok).sort(byId);
    expect(arrived.every((r) => !Number.isNaN(Date.parse(String(r['TimeGenerated']))))).toBe(true);
    expect(arrived.map(({ TimeGenerated: _added, ...rest }) => rest)).toEqual(bodies);
    expect(flaky.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(throttled.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    for (const fake of [ok, flaky, throttled, outage])
      expect(arrivals(numbered(fake)).duplicates).toBeLessThanOrEqual(50);

    // The 400: that one batch dead-lettered once, with the server's message; logged once.
    const deadEntries = readDeadLetterFile(deadFile).entries;
    expect(deadEntries.length).toBeGreaterThan(0);
    expect(deadEntries.length).toBeLessThanOrEqual(50);
    expect(arrivals([...numbered(rejecting), ...dead()]).duplicates).toBe(0);
    expect(new Set(deadEntries.map((e) => [e.status, e.reason].join(' ')))).toEqual(
      new Set(['400 HTTP 400 InvalidPayload: Column type mismatch (payload rejected; dead-letter)']),
    );
    const logged = cli
      .logs()
      .filter((l) => l['component'] === ids[4] && String(l['msg']).includes('dead-lettered'));
    expect(logged).toHaveLength(1);
    expect(cli.stderr() + cli.stdout()).not.toContain(identity.clientSecret);

    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  }, 120_000);

  it('loses nothing when killed with SIGKILL mid-delivery and restarted (persistent queue)', async () => {
    const total = 400;
    const fake = await fakeAzure();
    const proxy = await startTcpProxy(fake.url, { latencyMs: 150 });
    onTestFinished(() => proxy.close());
    const config = (generator: Record<string, unknown>): string =>
      JSON.stringify({
        receivers: { generator },
        exporters: {
          'sentinel-logs-ingestion': exporter(fake, proxy.url('https'), {
            batch: { max_records: 20, flush_timeout: '20ms' },
            sending_queue: { storage: './queue', num_consumers: 2 },
          }),
        },
        service: {
          telemetry: { metrics: { address: '127.0.0.1:0' } },
          pipelines: { logs: { receivers: ['generator'], exporters: ['sentinel-logs-ingestion'] } },
        },
      });
    const { file } = writePipelines(
      config({ interval: '0s', batch_size: 100, count: total, bodies: numberedBodies(flatAlerts, total) }),
    );
    const env = cliEnv(fake);
    const first = runCli(file, env);
    const url = await metricsUrl(first);
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const accepted = metricValue(text, 'dtcol_component_records_total', {
          component_id: 'sentinel-logs-ingestion',
          outcome: 'accepted',
        });
        expect(accepted).toBe(total);
      },
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(() => expect(numbered(fake).length).toBeGreaterThan(0), { timeout: 20_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = numbered(fake).length;
    expect(beforeRestart).toBeLessThan(total);

    writeFileSync(file, config({ interval: '1h', count: 1, bodies: [{ marker: true }] }));
    const second = runCli(file, env);
    await vi.waitFor(() => expect(arrivals(numbered(fake)).ids).toEqual(range(total)), {
      timeout: 60_000,
      interval: 200,
    });
    const { duplicates } = arrivals(numbered(fake));
    console.info(
      `sentinel-logs-ingestion SIGKILL: ${beforeRestart}/${total} before the kill, ${duplicates} resent`,
    );
    expect(duplicates).toBeLessThanOrEqual(40);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 120_000);
});
