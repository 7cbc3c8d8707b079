import { Agent } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  corpusDir,
  corpusPresent,
  loadCorpusAlerts,
  startFakeDarktrace,
  type FakeDarktrace,
  type FakeDarktraceOptions,
} from '../../support/fake-darktrace.js';

// The §2.1 vector: tokens, date and signature all from reference/darktrace.md.
const vectorTarget =
  '/modelbreaches?starttime=1714566000000&endtime=1714566896000&historicmodelonly=true&includeacknowledged=true';
const vectorHeaders = {
  'DTAPI-Token': 'examplePublicToken',
  'DTAPI-Date': '20240501T123456',
  'DTAPI-Signature': 'f9217bb89b4bfe025221c2d17760e6cbe1251756',
};
const vectorTime = Date.UTC(2024, 4, 1, 12, 34, 56);

async function start(options: FakeDarktraceOptions = {}): Promise<FakeDarktrace> {
  const fake = await startFakeDarktrace({
    publicToken: 'examplePublicToken',
    privateToken: 'examplePrivateToken',
    now: () => vectorTime,
    corpus: false,
    generate: false,
    ...options,
  });
  onTestFinished(() => fake.close());
  return fake;
}

/** A raw GET with hand-made headers, bypassing our client. */
async function rawGet(
  fake: FakeDarktrace,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; location: string | undefined }> {
  const agent = new Agent();
  onTestFinished(() => agent.close());
  const response = await agent.request({ origin: fake.url, path: target, method: 'GET', headers });
  const location = response.headers['location'];
  return {
    status: response.statusCode,
    body: await response.body.text(),
    location: Array.isArray(location) ? location[0] : location,
  };
}

describe('startFakeDarktrace', () => {
  it('accepts the reference request signed with the reference vector', async () => {
    const fake = await start();
    const answer = await rawGet(fake, vectorTarget, vectorHeaders);
    expect(answer).toMatchObject({ status: 200, body: '[]' });
  });

  it('answers API SIGNATURE ERROR when the query order differs from the signed one', async () => {
    const fake = await start();
    const reordered =
      '/modelbreaches?endtime=1714566896000&starttime=1714566000000&historicmodelonly=true&includeacknowledged=true';
    const answer = await rawGet(fake, reordered, vectorHeaders);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'API SIGNATURE ERROR' });
  });

  it('answers API DATE ERROR when its clock is far from DTAPI-Date', async () => {
    const fake = await start({ now: () => vectorTime + 31 * 60_000 });
    const answer = await rawGet(fake, vectorTarget, vectorHeaders);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'API DATE ERROR' });
  });

  it('redirects a correctly signed unknown endpoint to the login page', async () => {
    const fake = await start();
    const answer = await rawGet(fake, '/nosuch', {
      'DTAPI-Token': 'examplePublicToken',
      'DTAPI-Date': '20240501T123456',
      // HMAC-SHA1 of "/nosuch\nexamplePublicToken\n20240501T123456" keyed with examplePrivateToken.
      'DTAPI-Signature': '8c8ac7480466ee8667365a151648431234962857',
    });
    expect(answer).toMatchObject({ status: 302, location: '/login', body: 'Found. Redirecting to /login' });
  });

  it('answers injected faults before checking anything, for the next N requests only', async () => {
    const fake = await start();
    fake.setFault({ kind: 'forbidden-redirect' }, { count: 2 });
    expect(await rawGet(fake, vectorTarget, {})).toMatchObject({ status: 302, location: '/403' });
    expect(await rawGet(fake, vectorTarget, {})).toMatchObject({ status: 302, location: '/403' });
    expect(await rawGet(fake, vectorTarget, vectorHeaders)).toMatchObject({ status: 200 });
  });

  it('records every request with its signed headers and fault', async () => {
    const fake = await start();
    fake.setFault({ kind: 'status', status: 503 }, { path: '/aianalyst/incidentevents' });
    await rawGet(fake, vectorTarget, vectorHeaders);
    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/modelbreaches',
        target: vectorTarget,
        queryOrder: ['starttime', 'endtime', 'historicmodelonly', 'includeacknowledged'],
        headers: {
          token: 'examplePublicToken',
          date: '20240501T123456',
          signature: vectorHeaders['DTAPI-Signature'],
        },
        status: 200,
      }),
    ]);
    expect(fake.requests[0]?.fault).toBeUndefined();
  });

  it('serves generated alerts only when the corpus is switched off', async () => {
    const fake = await start({
      generate: { breaches: 4, events: 2, from: vectorTime - 3_600_000, to: vectorTime },
    });
    const stored = fake.alerts();
    expect(stored.breaches).toHaveLength(4);
    expect(stored.events).toHaveLength(2);
    expect(stored.breaches.every((b) => Number(b['pbid']) >= 50_000)).toBe(true);
  });

  it('replaces an alert added again with the same identity', async () => {
    const fake = await start({ generate: { breaches: 1, events: 0, from: vectorTime, to: vectorTime } });
    const [breach] = fake.alerts().breaches;
    expect(fake.addAlerts({ ...breach, acknowledged: { username: 'a@example.com' } })).toBe(1);
    expect(fake.alerts().breaches).toEqual([
      expect.objectContaining({ acknowledged: { username: 'a@example.com' } }),
    ]);
  });
});

if (!corpusPresent)
  console.warn(`Corpus not found at ${corpusDir}: skipping the corpus tests of the fake appliance.`);

describe.skipIf(!corpusPresent)('loadCorpusAlerts', () => {
  it('reads breaches and AI Analyst events from logs with and without syslog headers, and the mock bodies', () => {
    const { breaches, events } = loadCorpusAlerts();
    // 11 test-log lines + 4 sample-log lines + 1 mock body; 2 + 2 AI lines + 1 mock body.
    expect(breaches).toHaveLength(16);
    expect(events).toHaveLength(5);
    expect(breaches.some((b) => b['pbid'] === 25196)).toBe(true);
  });
});
