// End-to-end: one Sentinel exporter hung (its endpoint never answers) while two others run in the same
// `dtcol run`. The two others must get every record at their own pace; the figures are printed.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import {
  canStartFakeAzure,
  startFakeAzure,
  startFakeDataCollector,
  type FakeAzure,
  type FakeDataCollector,
} from '../../support/fake-azure.js';
import { emailAlert, systemAlert } from '../sentinel-datacollector/flat-alerts.js';
import {
  arrivals,
  numberedBodies,
  range,
  runCli,
  writePipelines,
} from '../sentinel-datacollector/harness.js';

const stream = 'Custom-DarktraceModelAlerts';
const total = 2000;
const workspaceId = randomUUID();
const sharedKey = randomBytes(64).toString('base64');
const identity = {
  tenantId: randomUUID(),
  clientId: randomUUID(),
  clientSecret: randomBytes(24).toString('base64url'),
};
const haveOpenssl = canStartFakeAzure();
if (!haveOpenssl)
  console.warn('openssl not found: the exporter isolation test needs a loopback HTTPS authority; skipped');

const dcConfig = (fake: FakeDataCollector, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  workspace_id: workspaceId,
  shared_key: '${env:DTCOL_TEST_WS_KEY}',
  endpoint: fake.url,
  retired_api_handling: 'retry',
  ...extra,
});

const liConfig = (fake: FakeAzure, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  endpoint: fake.url,
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
  ...extra,
});

// The hung exporter waits for ever on each request; its small queue overflows into the dead-letter file
// instead of pushing back on the shared receiver (the documented set-up for several destinations).
const hung = { timeout: '1h', sending_queue: { queue_size: 100, when_full: 'dead_letter' } };

/**
 * Samples both counts every 5 ms until each reaches `total`. Records/s per exporter are measured from the
 * first record at either fake (the shared start) to that exporter's last record.
 */
async function throughput(counts: readonly (() => number)[], timeoutMs = 60_000): Promise<number[]> {
  const started = Date.now();
  let first = 0;
  const done: number[] = counts.map(() => 0);
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const n = counts.map((c) => c());
      if (first === 0 && n.some((x) => x > 0)) first = now;
      n.forEach((x, i) => {
        if (x >= total && done[i] === 0) done[i] = now;
      });
      if (done.every((t) => t > 0)) {
        clearInterval(timer);
        resolve(done.map((t) => Math.round((total / Math.max(t - first, 5)) * 1000)));
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`only ${n.join(' and ')} of ${total} records arrived in ${timeoutMs} ms`));
      }
    }, 5);
  });
}

describe.skipIf(!haveOpenssl)('Sentinel exporters isolation (real CLI)', () => {
  it('keeps two exporters delivering everything while a third one hangs', async () => {
    const bodies = numberedBodies([systemAlert, emailAlert], total);
    const figures: Record<string, { datacollector: number; logsIngestion: number }> = {};

    for (const scenario of [
      'none hung',
      'sentinel-datacollector hung',
      'sentinel-logs-ingestion hung',
    ] as const) {
      const dc = await startFakeDataCollector({ workspaceId, sharedKey });
      const li = await startFakeAzure(identity);
      const stuckDc = await startFakeDataCollector({ workspaceId, sharedKey });
      const stuckLi = await startFakeAzure(identity);
      for (const f of [stuckDc, stuckLi]) f.failFraction(1, { hang: true });
      onTestFinished(async () => {
        for (const f of [dc, li, stuckDc, stuckLi]) await f.stop();
      });
      const exporters: Record<string, Record<string, unknown>> = {
        'sentinel-datacollector/a': dcConfig(dc),
        'sentinel-logs-ingestion/b': liConfig(li),
      };
      if (scenario === 'sentinel-datacollector hung')
        exporters['sentinel-datacollector/hung'] = dcConfig(stuckDc, hung);
      if (scenario === 'sentinel-logs-ingestion hung')
        exporters['sentinel-logs-ingestion/hung'] = liConfig(stuckLi, hung);
      const { dir, file } = writePipelines(
        JSON.stringify({
          receivers: { generator: { interval: '0s', batch_size: 100, count: total, bodies } },
          exporters,
          service: {
            data_dir: './state',
            pipelines: { logs: { receivers: ['generator'], exporters: Object.keys(exporters) } },
          },
        }),
      );
      const ca = path.join(dir, 'ca.pem');
      writeFileSync(ca, li.ca);
      const cli = runCli(file, {
        NODE_EXTRA_CA_CERTS: ca,
        DTCOL_TEST_WS_KEY: sharedKey,
        DTCOL_TEST_CLIENT_SECRET: identity.clientSecret,
      });
      const [datacollector = 0, logsIngestion = 0] = await throughput([
        () => dc.records.length,
        () => li.recordsFor(stream).length,
      ]);
      figures[scenario] = { datacollector, logsIngestion };

      // Not blocked: every record arrived at each running exporter, exactly once.
      expect(arrivals(dc.records.map((r) => r.record)).ids).toEqual(range(total));
      expect(arrivals(li.recordsFor(stream)).ids).toEqual(range(total));
      expect(arrivals(dc.records.map((r) => r.record)).duplicates).toBe(0);
      expect(arrivals(li.recordsFor(stream)).duplicates).toBe(0);
      if (scenario !== 'none hung') {
        // The hung one really is hung, and keeps what it cannot send in its dead-letter file.
        const stuck = scenario === 'sentinel-datacollector hung' ? stuckDc : stuckLi;
        // Its first request may still be on its way (a token fetch comes first): wait for it.
        await vi.waitFor(() => expect(stuck.requests.length).toBeGreaterThan(0), { timeout: 15_000 });
        expect(stuck.requests.every((r) => r.status === 'hung')).toBe(true);
        const overflow = readDeadLetterFile(
          path.join(dir, 'state/dead-letter', `${scenario.replace(' hung', '')}_hung.ndjson`),
        ).entries;
        expect(overflow.length).toBeGreaterThan(0);
        expect(overflow.every((e) => e.reason === 'queue full')).toBe(true);
      }
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    console.info(
      `Records/s of the two running exporters (${total} records each):\n` +
        Object.entries(figures)
          .map(
            ([k, v]) =>
              `  ${k.padEnd(30)} datacollector ${v.datacollector}  logs-ingestion ${v.logsIngestion}`,
          )
          .join('\n'),
    );
    expect(Object.keys(figures)).toHaveLength(3);
  }, 180_000);
});
