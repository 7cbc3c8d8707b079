import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  sendDataCollector,
  type DataCollectorSendOptions,
} from '../../../exporters/sentinel-datacollector/classify.js';
import { encodeDataCollectorBodies } from '../../../exporters/sentinel-datacollector/encode.js';
import { decodeSharedKey, signDataCollectorRequest } from '../../../exporters/sentinel-datacollector/sign.js';
import { startFakeDataCollector, type FakeDataCollector } from '../../support/fake-azure.js';
import { corpusPayloads, corpusPresent, flatAlerts, policyBreach } from './flat-alerts.js';

let fake: FakeDataCollector | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

// The machine clock may be past the 2026-09-14 retirement; these tests exercise the protocol itself.
const settings = (
  server: FakeDataCollector,
  extra: Partial<DataCollectorSendOptions> = {},
): DataCollectorSendOptions => ({
  workspaceId: server.workspaceId,
  sharedKey: server.sharedKey,
  logType: 'darktrace_model_alerts',
  endpoint: server.url,
  retiredAfter: null,
  ...extra,
});

describe('sendDataCollector against the fake Data Collector API', () => {
  it('delivers non-ASCII alerts that the fake verifies and stores unchanged', async () => {
    fake = await startFakeDataCollector();
    const { bodies } = encodeDataCollectorBodies(flatAlerts);
    for (const { body, indexes } of bodies) {
      await expect(
        sendDataCollector(settings(fake, { records: indexes.length }), body),
      ).resolves.toMatchObject({ kind: 'ok' });
    }
    expect(fake.records.map((r) => r.record)).toEqual(flatAlerts);
    expect(fake.records.every((r) => r.logType === 'darktrace_model_alerts')).toBe(true);
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it('passes time-generated-field and the resource id through to the service', async () => {
    fake = await startFakeDataCollector();
    const body = encodeDataCollectorBodies([policyBreach]).bodies[0]!.body;
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
    await sendDataCollector(
      settings(fake, { timeGeneratedField: 'breachTime', azureResourceId: resourceId }),
      body,
    );
    expect(fake.records[0]).toMatchObject({ timeGeneratedField: 'breachTime', azureResourceId: resourceId });
  });

  it('delivers every record once when the batch is split into several bodies', async () => {
    fake = await startFakeDataCollector();
    const records = Array.from({ length: 60 }, (_, i) => ({ ...policyBreach, threatID: i }));
    const { bodies } = encodeDataCollectorBodies(records, { maxBodyBytes: 4000 });
    expect(bodies.length).toBeGreaterThan(5);
    for (const { body } of bodies) await sendDataCollector(settings(fake), body);
    expect(fake.records.map((r) => r.record['threatID'])).toEqual(records.map((r) => r.threatID));
  });

  it('is refused with a permanent 403 for a wrong key, and the key stays out of the reason', async () => {
    fake = await startFakeDataCollector();
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const result = await sendDataCollector(settings(fake, { sharedKey: wrongKey }), '[{"a":1}]');
    expect(result).toMatchObject({ kind: 'permanent', httpStatus: 403, attempts: 1 });
    expect(result.kind === 'permanent' && result.reason).toMatch(/InvalidAuthorization/);
    expect(JSON.stringify(result)).not.toContain(wrongKey);
    expect(fake.records).toEqual([]);
  });

  it('recovers from a skewed clock by re-signing once with the server date', async () => {
    fake = await startFakeDataCollector({ clockOffsetMs: 40 * 60_000 });
    const result = await sendDataCollector(settings(fake), '[{"a":1}]');
    expect(result).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(fake.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it('refuses a Log-Type the service would reject without sending anything', async () => {
    fake = await startFakeDataCollector();
    await expect(
      sendDataCollector(settings(fake, { logType: 'x'.repeat(101) }), '[]'),
    ).resolves.toMatchObject({
      kind: 'permanent',
      attempts: 0,
    });
    expect(fake.requests).toEqual([]);
  });

  // The fake itself must answer like the service for requests our client would never make.
  it.each([
    [{ 'log-type': 'bad-name' }, 400, 'InvalidLogType'],
    [{ 'log-type': '' }, 400, 'MissingLogType'],
    [{ 'content-type': 'application/json; charset=utf-8' }, 403, 'InvalidAuthorization'],
    [{ 'content-type': 'text/plain' }, 400, 'UnsupportedContentType'],
  ])('has the fake answer a hand-made request with %j as %i %s', async (change, status, code) => {
    fake = await startFakeDataCollector();
    const body = '[{"a":1}]';
    const signed = signDataCollectorRequest(
      fake.workspaceId,
      decodeSharedKey(fake.sharedKey),
      body,
      new Date().toUTCString(),
    );
    const response = await request(`${fake.url}/api/logs?api-version=2016-04-01`, {
      method: 'POST',
      headers: { ...signed, 'log-type': 'ok_table', ...change },
      body,
    });
    expect(response.statusCode).toBe(status);
    expect(await response.body.json()).toMatchObject({ Error: code });
  });

  it.each([
    [
      { status: 429, retryAfter: '12' },
      { kind: 'retryable', retryAfterMs: 12_000 },
    ],
    [{ status: 500 }, { kind: 'retryable' }],
    [{ status: 503 }, { kind: 'retryable' }],
    [{ status: 400 }, { kind: 'permanent', httpStatus: 400 }],
    [{ status: 403 }, { kind: 'permanent', httpStatus: 403 }],
    [{ status: 413 }, { kind: 'split' }],
  ])('classifies an injected %j', async (fault, expected) => {
    fake = await startFakeDataCollector();
    fake.failNext(1, fault);
    await expect(
      sendDataCollector(settings(fake, { records: 2 }), '[{"a":1},{"a":2}]'),
    ).resolves.toMatchObject(expected);
    // The fault was one-shot: the next attempt goes through.
    await expect(sendDataCollector(settings(fake), '[{"a":1},{"a":2}]')).resolves.toMatchObject({
      kind: 'ok',
    });
    expect(fake.records).toHaveLength(2);
  });

  it('reads the service 404 for an oversize body as "split", and as permanent for one record', async () => {
    fake = await startFakeDataCollector({ maxBodyBytes: 1000 });
    const records = Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(40) }));
    const { bodies } = encodeDataCollectorBodies(records, { maxBodyBytes: 1200 });
    const big = bodies[0]!;
    expect(big.body.length).toBeGreaterThan(1000);
    await expect(
      sendDataCollector(settings(fake, { maxBodyBytes: 1200, records: big.indexes.length }), big.body),
    ).resolves.toMatchObject({
      kind: 'split',
      httpStatus: 404,
    });
    const single = JSON.stringify([{ pad: 'y'.repeat(1100) }]);
    await expect(
      sendDataCollector(settings(fake, { maxBodyBytes: 1200, records: 1 }), single),
    ).resolves.toMatchObject({
      kind: 'permanent',
      httpStatus: 404,
    });
  });

  it('fails a fraction of requests, repeatably, and the caller sees each failure', async () => {
    fake = await startFakeDataCollector();
    fake.failFraction(0.5, { status: 503 }, 42);
    const results = [];
    for (let i = 0; i < 20; i += 1)
      results.push(await sendDataCollector(settings(fake), JSON.stringify([{ i }])));
    const ok = results.filter((r) => r.kind === 'ok').length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(20);
    expect(fake.records).toHaveLength(ok);
    expect(results.filter((r) => r.kind === 'retryable')).toHaveLength(20 - ok);
  });

  it('gives up on a hanging service when the caller aborts, as retryable', async () => {
    fake = await startFakeDataCollector();
    fake.failNext(1, { hang: true });
    const controller = new AbortController();
    const pending = sendDataCollector(settings(fake), '[{"a":1}]', controller.signal);
    const server = fake;
    await vi.waitFor(() => expect(server.requests.map((r) => r.status)).toEqual(['hung']));
    controller.abort();
    await expect(pending).resolves.toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/aborted/i) as string,
    });
  });

  it('retries a refused connection', async () => {
    fake = await startFakeDataCollector();
    const url = fake.url;
    await fake.stop();
    fake = undefined;
    const result = await sendDataCollector(
      {
        workspaceId: '00000000-0000-0000-0000-000000000000',
        sharedKey: 'AAAA',
        logType: 't',
        endpoint: url,
        retiredAfter: null,
      },
      '[]',
    );
    expect(result).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/ECONNREFUSED/) as string,
    });
  });

  it('maps failures after the retirement date to permanent errors that name it', async () => {
    fake = await startFakeDataCollector();
    fake.failNext(1, { status: 503 });
    const result = await sendDataCollector(
      { ...settings(fake), retiredAfter: new Date(Date.now() - 1000) },
      '[]',
    );
    expect(result).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/retired/) as string });
  });
});

describe.skipIf(!corpusPresent)('sendDataCollector with the shared corpus payloads', () => {
  it('round-trips every real Darktrace payload through encode, sign and the fake', async () => {
    fake = await startFakeDataCollector();
    const payloads = corpusPayloads();
    expect(payloads.length).toBeGreaterThan(15);
    const { bodies, rejected } = encodeDataCollectorBodies(payloads, { maxBodyBytes: 40_000 });
    expect(rejected).toEqual([]);
    for (const { body } of bodies)
      await expect(sendDataCollector(settings(fake), body)).resolves.toMatchObject({ kind: 'ok' });
    expect(fake.records.map((r) => r.record)).toEqual(payloads);
  });
});
if (!corpusPresent)
  console.warn('shared corpus not found (../shared/corpus): corpus round-trip test skipped');
