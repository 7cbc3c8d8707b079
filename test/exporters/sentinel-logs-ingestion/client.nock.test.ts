import type { AccessToken, TokenCredential } from '@azure/identity';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SentinelIngestionClient } from '../../../exporters/sentinel-logs-ingestion/client.js';
import { flatAlerts } from '../sentinel-datacollector/flat-alerts.js';

const endpoint = 'https://my-dce.eastus-1.ingest.monitor.azure.com';
const dcr = 'dcr-00000000000000000000000000000001';
const stream = 'Custom-DarktraceModelAlerts';
const path = `/dataCollectionRules/${dcr}/streams/${stream}`;

// A credential that needs no Entra ID: these tests are about the ingestion call.
const scopes: string[] = [];
const credential: TokenCredential = {
  getToken: (scope): Promise<AccessToken> => {
    scopes.push(...(Array.isArray(scope) ? scope : [scope]));
    return Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 });
  },
};

const client = (
  extra: Partial<ConstructorParameters<typeof SentinelIngestionClient>[0]> = {},
): SentinelIngestionClient =>
  new SentinelIngestionClient({ endpoint, dcrImmutableId: dcr, stream, credential, ...extra });

// nock 15 passes reply functions the fetch Request, with the gzip body already decoded for us
// (the fake-azure end-to-end tests check the compressed bytes themselves).
const jsonOf = async (request: Request): Promise<unknown> =>
  JSON.parse(Buffer.from(await request.arrayBuffer()).toString('utf8'));

const ingestion = (): nock.Interceptor =>
  nock(endpoint)
    .post(path)
    .query({ 'api-version': '2023-01-01' })
    .matchHeader('authorization', 'Bearer test-token')
    .matchHeader('content-type', /^application\/json/)
    .matchHeader('content-encoding', 'gzip');

describe('SentinelIngestionClient (nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it('posts one gzipped JSON array with a bearer token for the monitor audience', async () => {
    let received: unknown;
    ingestion().reply(204, async (request: Request) => {
      received = await jsonOf(request);
      return '';
    });
    const result = await client().send(flatAlerts);
    expect(result).toEqual({ accepted: [0, 1, 2, 3], failed: [], requests: 1 });
    expect(received).toEqual(flatAlerts);
    expect(scopes).toContain('https://monitor.azure.com/.default');
  });

  it('asks for a sovereign-cloud token when an audience is set', async () => {
    ingestion().reply(204);
    scopes.length = 0;
    await client({ audience: 'https://monitor.azure.us' }).send([{ a: 1 }]);
    expect(scopes).toEqual(['https://monitor.azure.us/.default']);
  });

  // Each status of sentinel.md §2.3 is answered exactly once: the SDK's own retries are off, so a
  // second request would find no interceptor and fail the test.
  it.each([
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ] as const)('reports all records failed after a single %i, as %s', async (status, kind) => {
    ingestion().reply(
      status,
      { error: { code: `Code${status}`, message: `Message ${status}` } },
      { 'x-ms-request-id': 'rid-9' },
    );
    const result = await client().send(flatAlerts);
    expect(result.accepted).toEqual([]);
    expect(result.requests).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.indexes).toEqual([0, 1, 2, 3]);
    expect(result.failed[0]!.classification).toMatchObject({ kind });
    expect(result.failed[0]!.classification.reason).toContain(
      `HTTP ${status} Code${status}: Message ${status}`,
    );
  });

  it('hands the Retry-After of a 429 to the caller instead of sleeping on it', async () => {
    ingestion().reply(
      429,
      { error: { code: 'TooManyRequests', message: 'slow down' } },
      { 'Retry-After': '42' },
    );
    const result = await client().send([{ a: 1 }]);
    expect(result.failed[0]!.classification).toMatchObject({ kind: 'retryable', retryAfterMs: 42_000 });
  });

  it('halves a batch on 413 and resends the halves', async () => {
    const bodies: unknown[] = [];
    ingestion().reply(413, { error: { code: 'ContentLengthLimitExceeded', message: 'too big' } });
    ingestion()
      .times(2)
      .reply(204, async (request: Request) => {
        bodies.push(await jsonOf(request));
        return '';
      });
    const result = await client({ maxConcurrency: 1 }).send(flatAlerts);
    expect(result).toEqual({ accepted: [0, 1, 2, 3], failed: [], requests: 3 });
    expect(bodies).toEqual([flatAlerts.slice(0, 2), flatAlerts.slice(2)]);
  });

  it('stops splitting at one record and reports it as permanent', async () => {
    ingestion()
      .times(3)
      .reply(413, { error: { code: 'ContentLengthLimitExceeded', message: 'too big' } });
    const result = await client({ maxConcurrency: 1 }).send([{ a: 1 }, { b: 2 }]);
    expect(result.accepted).toEqual([]);
    expect(result.requests).toBe(3);
    expect(result.failed.map((f) => [f.indexes, f.classification.kind])).toEqual([
      [[0], 'permanent'],
      [[1], 'permanent'],
    ]);
  });
});
