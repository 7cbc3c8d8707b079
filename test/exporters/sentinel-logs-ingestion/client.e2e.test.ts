import {
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createIngestionCredential,
  SentinelIngestionClient,
  type SentinelIngestionClientOptions,
} from '../../../exporters/sentinel-logs-ingestion/client.js';
import {
  canStartFakeAzure,
  startFakeAzure,
  type FakeAzure,
  type FakeAzureOptions,
} from '../../support/fake-azure.js';
import {
  corpusPayloads,
  corpusPresent,
  flatAlerts,
  policyBreach,
} from '../sentinel-datacollector/flat-alerts.js';

const stream = 'Custom-DarktraceModelAlerts';
const haveOpenssl = canStartFakeAzure();
if (!haveOpenssl)
  console.warn(
    'openssl not found: the Logs Ingestion end-to-end tests need it for a loopback HTTPS authority; skipped',
  );

let fake: FakeAzure | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const start = async (options: FakeAzureOptions = {}): Promise<FakeAzure> => {
  fake = await startFakeAzure(options);
  return fake;
};

const clientFor = (
  server: FakeAzure,
  extra: Partial<SentinelIngestionClientOptions> = {},
  secret = server.clientSecret,
): SentinelIngestionClient =>
  new SentinelIngestionClient({
    endpoint: server.url,
    dcrImmutableId: server.dcrImmutableId,
    stream,
    credential: createIngestionCredential({
      type: 'client_secret',
      tenantId: server.tenantId,
      clientId: server.clientId,
      clientSecret: secret,
      authorityHost: server.url,
      disableInstanceDiscovery: true,
    }),
    ...extra,
  });

const numbered = (count: number, pad: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => ({
    ...policyBreach,
    threatID: i,
    triggeredComponents: 'é'.repeat(pad),
  }));

describe.skipIf(!haveOpenssl)('SentinelIngestionClient against fake Entra ID + Logs Ingestion', () => {
  it('gets a token from the authority and delivers non-ASCII alerts gzipped, unchanged', async () => {
    const server = await start();
    const result = await clientFor(server).send(flatAlerts);
    expect(result).toEqual({ accepted: [0, 1, 2, 3], failed: [], requests: 1 });
    expect(server.recordsFor(stream)).toEqual(flatAlerts);
    expect(server.requests.map((r) => [r.status, r.gzip])).toEqual([[204, true]]);
    expect(server.requests[0]!.wireBytes).toBeLessThan(server.requests[0]!.bodyBytes);
    expect(server.tokenRequests).toEqual([
      { clientId: server.clientId, scope: 'https://monitor.azure.com/.default', granted: true },
    ]);
  });

  it('splits a batch over 1 MB into calls under the cap, reusing one token', async () => {
    const server = await start();
    const records = numbered(2500, 500); // about 2.9 MB of JSON
    const result = await clientFor(server).send(records);
    expect(result.failed).toEqual([]);
    expect(result.accepted).toHaveLength(2500);
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of server.requests) {
      expect(request.status).toBe(204);
      expect(request.bodyBytes).toBeLessThanOrEqual(1_000_000);
    }
    expect(
      server
        .recordsFor(stream)
        .map((r) => r['threatID'])
        .sort((a, b) => Number(a) - Number(b)),
    ).toEqual(records.map((r) => r['threatID']));
    expect(server.tokenRequests).toHaveLength(1);
  });

  it('answers 413 above its cap, and the client halves until calls fit, never looping', async () => {
    const server = await start({ maxRequestBytes: 5_000 });
    const records = numbered(40, 100);
    const result = await clientFor(server, { maxChunkBytes: 40_000, maxConcurrency: 1 }).send(records);
    expect(result.failed).toEqual([]);
    expect(result.accepted).toHaveLength(40);
    expect(server.requests.filter((r) => r.status === 413).length).toBeGreaterThan(0);
    expect(server.requests.length).toBeLessThan(2 * records.length);
    expect(server.recordsFor(stream)).toHaveLength(40);
  });

  it('reports a single record over the service cap as permanent after one 413 for it', async () => {
    const server = await start({ maxRequestBytes: 5_000 });
    const records = [{ id: 1 }, { id: 2, blob: 'x'.repeat(6_000) }, { id: 3 }];
    const result = await clientFor(server, { maxChunkBytes: 40_000, maxConcurrency: 1 }).send(records);
    expect(result.accepted).toEqual([0, 2]);
    expect(result.failed).toEqual([
      {
        indexes: [1],
        classification: {
          kind: 'permanent',
          status: 413,
          reason: expect.stringMatching(/ContentLengthLimitExceeded/) as string,
        },
      },
    ]);
    // [0,1,2] too large → [0,1] too large → [0] ok, [1] alone too large (final) → [2] ok.
    expect(server.requests.map((r) => [r.status, r.stored])).toEqual([
      [413, 0],
      [413, 0],
      [204, 1],
      [413, 0],
      [204, 1],
    ]);
  });

  it('gives back exactly the records the service failed, so none vanish and none are sent twice', async () => {
    const server = await start();
    server.failFraction(0.4, { status: 503 }, 7);
    const records = numbered(300, 20);
    const client = clientFor(server, { maxChunkBytes: 4_000 });
    const first = await client.send(records);
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.accepted.length).toBeGreaterThan(0);
    const failedIndexes = first.failed.flatMap((f) => f.indexes);
    expect([...first.accepted, ...failedIndexes].sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    expect(first.failed.every((f) => f.classification.kind === 'retryable')).toBe(true);
    expect(
      server
        .recordsFor(stream)
        .map((r) => r['threatID'])
        .sort((a, b) => Number(a) - Number(b)),
    ).toEqual(first.accepted);

    server.clearFaults();
    const retry = await client.send(failedIndexes.map((i) => records[i]!));
    expect(retry.failed).toEqual([]);
    const stored = server.recordsFor(stream).map((r) => Number(r['threatID']));
    expect(stored.sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
  });

  it('passes the Retry-After of a 429 back to the caller', async () => {
    const server = await start();
    server.failNext(1, { status: 429, retryAfter: '9' });
    const result = await clientFor(server).send([{ a: 1 }]);
    expect(result.failed[0]!.classification).toMatchObject({ kind: 'retryable', retryAfterMs: 9000 });
  });

  it('returns the in-flight and unsent records as retryable when the caller aborts a hung call', async () => {
    const server = await start();
    server.failNext(1, { hang: true });
    const records = numbered(50, 200);
    const controller = new AbortController();
    const pending = clientFor(server, { maxChunkBytes: 3_000, maxConcurrency: 1 }).send(
      records,
      controller.signal,
    );
    await vi.waitFor(() => expect(server.requests.some((r) => r.status === 'hung')).toBe(true));
    controller.abort();
    const result = await pending;
    expect(result.accepted).toEqual([]);
    expect(result.failed.flatMap((f) => f.indexes).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    expect(result.failed.every((f) => f.classification.kind === 'retryable')).toBe(true);
    expect(result.failed.some((f) => f.classification.reason === 'Aborted before sending')).toBe(true);
  });

  it('fails permanently, without calling ingestion, when Entra ID refuses the secret', async () => {
    const server = await start();
    const result = await clientFor(server, {}, 'wrong-secret').send([{ a: 1 }]);
    expect(result.failed).toEqual([
      {
        indexes: [0],
        classification: { kind: 'permanent', reason: expect.stringMatching(/invalid_client/) as string },
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('wrong-secret');
    expect(server.requests).toEqual([]);
  });

  it('fails permanently with 401 when the token audience does not match the cloud', async () => {
    const server = await start({ audience: 'https://monitor.azure.us' });
    const result = await clientFor(server).send([{ a: 1 }]);
    expect(result.failed[0]!.classification).toMatchObject({ kind: 'permanent', status: 401 });
    const fixed = await clientFor(server, { audience: 'https://monitor.azure.us' }).send([{ a: 1 }]);
    expect(fixed.accepted).toEqual([0]);
  });

  it('fails permanently with 404 for a stream the DCR does not declare', async () => {
    const server = await start();
    const result = await clientFor(server, { stream: 'Custom-Nope' }).send([{ a: 1 }]);
    expect(result.failed[0]!.classification).toMatchObject({ kind: 'permanent', status: 404 });
    expect(result.failed[0]!.classification.reason).toMatch(/InvalidStream/);
  });

  it('renames fields to the classic suffixed columns in legacy mode', async () => {
    const server = await start();
    await clientFor(server, { legacyColumns: true }).send(flatAlerts);
    const [breach, analyst] = server.recordsFor(stream);
    expect(breach).toMatchObject({
      dtProduct_s: 'Policy Breach',
      score_d: 81,
      Category: 'Critical',
      SourceIP: '192.0.2.10',
      uuid_g: policyBreach.uuid,
    });
    expect(analyst).toMatchObject({ Severity: 7, groupByActivity_b: true });
    expect(analyst).not.toHaveProperty('subnet_s');
  });

  it('refuses a chunk size above the service cap', () => {
    expect(
      () =>
        new SentinelIngestionClient({
          endpoint: 'https://x',
          dcrImmutableId: 'd',
          stream,
          credential: { getToken: () => Promise.resolve(null) },
          maxChunkBytes: 2_000_000,
        }),
    ).toThrow(/at most 1048576/);
  });

  describe.skipIf(!corpusPresent)('with the shared corpus', () => {
    it('delivers every real Darktrace payload unchanged', async () => {
      const server = await start();
      const payloads = corpusPayloads();
      const result = await clientFor(server, { maxChunkBytes: 30_000, maxConcurrency: 1 }).send(payloads);
      expect(result.failed).toEqual([]);
      expect(server.recordsFor(stream)).toEqual(payloads);
    });
  });
});
if (!corpusPresent) console.warn('shared corpus not found (../shared/corpus): corpus ingestion test skipped');

describe('createIngestionCredential', () => {
  it('builds the explicit credential type that was configured', () => {
    expect(createIngestionCredential({ type: 'managed_identity' })).toBeInstanceOf(ManagedIdentityCredential);
    expect(createIngestionCredential({ type: 'managed_identity', clientId: 'c' })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(
      createIngestionCredential({
        type: 'workload_identity',
        tenantId: 't',
        clientId: 'c',
        tokenFilePath: '/var/run/token',
      }),
    ).toBeInstanceOf(WorkloadIdentityCredential);
    expect(
      createIngestionCredential({ type: 'client_secret', tenantId: 't', clientId: 'c', clientSecret: 's' }),
    ).toBeInstanceOf(ClientSecretCredential);
  });

  it('refuses a managed identity named by more than one id', () => {
    expect(() =>
      createIngestionCredential({ type: 'managed_identity', clientId: 'c', resourceId: 'r' }),
    ).toThrow(/at most one/);
  });
});
