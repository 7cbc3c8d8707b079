import { createHmac } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { DarktraceClient, type DarktraceClientOptions } from '../../../receivers/darktrace-rest/client.js';
import {
  DarktraceApiError,
  DarktraceDateError,
  type DarktraceErrorCode,
} from '../../../receivers/darktrace-rest/errors.js';
import {
  corpusDir,
  corpusPresent,
  makeIncidentEvent,
  makeModelBreach,
  opensslAvailable,
  startFakeDarktrace,
  type FakeDarktrace,
  type FakeDarktraceOptions,
  type FakeFault,
} from '../../support/fake-darktrace.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const HOUR = 3_600_000;

async function setup(
  fakeOptions: FakeDarktraceOptions = {},
  clientOptions: Partial<DarktraceClientOptions> = {},
): Promise<{ fake: FakeDarktrace; client: DarktraceClient }> {
  const fake = await startFakeDarktrace({ corpus: false, generate: false, ...fakeOptions });
  const client = new DarktraceClient({
    url: fake.url,
    publicToken: fake.publicToken,
    privateToken: fake.privateToken,
    ...(fake.ca === undefined ? {} : { ca: fake.ca }),
    ...clientOptions,
  });
  onTestFinished(async () => {
    await client.close();
    await fake.close();
  });
  return { fake, client };
}

/** Runs a promise that must fail and returns its DarktraceApiError. */
async function failure(promise: Promise<unknown>): Promise<DarktraceApiError> {
  const error: unknown = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DarktraceApiError);
  return error as DarktraceApiError;
}

const window = { starttime: T0 - HOUR, endtime: T0 };

describe('DarktraceClient', () => {
  it('sends the breach parameters in a fixed order with headers signed over the exact target', async () => {
    const { fake, client } = await setup({ now: () => T0 }, { now: () => T0 });
    await client.getModelBreaches({ ...window, minScore: 0.5 });

    const [request] = fake.requests;
    expect(request?.status).toBe(200);
    expect(request?.queryOrder).toEqual([
      'starttime',
      'endtime',
      'minscore',
      'includeacknowledged',
      'historicmodelonly',
      'includebreachurl',
      'expandenums',
      'minimal',
      'deviceattop',
    ]);
    expect(request?.query).toMatchObject({
      starttime: String(T0 - HOUR),
      endtime: String(T0),
      minscore: '0.5',
      includeacknowledged: 'true',
      historicmodelonly: 'true',
      minimal: 'false',
    });
    const expected = createHmac('sha1', fake.privateToken)
      .update(`${request?.target}\n${fake.publicToken}\n20240501T120000`)
      .digest('hex');
    expect(request?.headers).toEqual({
      token: fake.publicToken,
      date: '20240501T120000',
      signature: expected,
    });
  });

  it('returns the breaches whose time falls inside the window, in the flat syslog shape', async () => {
    const { fake, client } = await setup();
    fake.addAlerts(
      makeModelBreach({ pbid: 1, time: T0 - 2 * HOUR }),
      makeModelBreach({ pbid: 2, time: T0 - HOUR / 2 }),
      makeModelBreach({ pbid: 3, time: T0 - HOUR / 4 }),
    );
    const records = (await client.getModelBreaches(window)) as Record<string, unknown>[];
    expect(records.map((r) => r['pbid']).sort()).toEqual([2, 3]);
    expect(records[0]?.['model']).toHaveProperty('name');
    expect(records[0]).toHaveProperty('device.did');
  });

  it('leaves acknowledged breaches out when asked to', async () => {
    const { fake, client } = await setup();
    fake.addAlerts(
      makeModelBreach({
        pbid: 1,
        time: T0 - 10,
        acknowledged: { time: T0, username: 'analyst@example.com' },
      }),
      makeModelBreach({ pbid: 2, time: T0 - 20 }),
    );
    const records = (await client.getModelBreaches({ ...window, includeAcknowledged: false })) as {
      pbid: number;
    }[];
    expect(records.map((r) => r.pbid)).toEqual([2]);
  });

  it('asks for AI Analyst events without pinned ones from outside the window', async () => {
    const { fake, client } = await setup();
    fake.addAlerts(
      makeIncidentEvent({ id: 'old-pinned', createdAt: T0 - 30 * HOUR, pinned: true }),
      makeIncidentEvent({ id: 'in-window', createdAt: T0 - HOUR / 2 }),
    );
    const events = (await client.getIncidentEvents(window)) as { id: string }[];
    expect(events.map((e) => e.id)).toEqual(['in-window']);
    expect(fake.requests[0]?.query).toMatchObject({
      includeallpinned: 'false',
      includeacknowledged: 'true',
      includeincidenteventurl: 'true',
    });

    // Darktrace's own default brings the pinned one back in every window (the trap §2.3 warns of).
    const withPinned = (await client.getIncidentEvents({ ...window, includeAllPinned: true })) as {
      id: string;
    }[];
    expect(withPinned.map((e) => e.id).sort()).toEqual(['in-window', 'old-pinned']);
  });

  it('finds the incident group of each event', async () => {
    const { fake, client } = await setup();
    fake.addAlerts(
      makeIncidentEvent({ id: 'e1', createdAt: T0 - 100, currentGroup: 'gA' }),
      makeIncidentEvent({ id: 'e2', createdAt: T0 - 50, currentGroup: 'gA' }),
      makeIncidentEvent({ id: 'e3', createdAt: T0 - 10, currentGroup: 'gB' }),
    );
    const groups = await client.getGroupsForEvents(['e1', 'e3', 'missing']);
    expect(groups.get('e1')?.['id']).toBe('gA');
    expect(groups.get('e3')?.['id']).toBe('gB');
    expect(groups.has('missing')).toBe(false);
    expect(fake.requests[0]?.query['uuid']).toBe('e1,e3,missing');
  });

  it('treats a 404 with a Darktrace error body as no data', async () => {
    const { fake, client } = await setup();
    fake.setFault({ kind: 'status', status: 404 });
    await expect(client.getModelBreaches({ ...window, pbid: 99 })).resolves.toEqual([]);
  });

  it.each<[string, FakeFault, DarktraceErrorCode, boolean, RegExp]>([
    ['a 500', { kind: 'status', status: 500 }, 'ERR_DT_UNAVAILABLE', true, /500; will retry/],
    ['a 502', { kind: 'status', status: 502 }, 'ERR_DT_UNAVAILABLE', true, /502/],
    ['a 429', { kind: 'status', status: 429 }, 'ERR_DT_UNAVAILABLE', true, /429/],
    ['a 401', { kind: 'status', status: 401 }, 'ERR_DT_AUTH', false, /refused the API token/],
    ['a 403', { kind: 'status', status: 403 }, 'ERR_DT_PERMISSION', false, /lacks permission/],
    ['a 400 without a known marker', { kind: 'status', status: 400 }, 'ERR_DT_BAD_REQUEST', false, /\(400\)/],
    ['API SIGNATURE ERROR', { kind: 'signature' }, 'ERR_DT_SIGNATURE', false, /API SIGNATURE ERROR.*tokens/],
    ['API DATE ERROR', { kind: 'date' }, 'ERR_DT_DATE', true, /API DATE ERROR.*time synchronisation/],
    ['a redirect to the login page', { kind: 'login-redirect' }, 'ERR_DT_AUTH', false, /login page/],
    ['a redirect to /403', { kind: 'forbidden-redirect' }, 'ERR_DT_PERMISSION', false, /\/403/],
    ['an HTML 200', { kind: 'html' }, 'ERR_DT_AUTH', false, /HTML page \("Log In \| Darktrace"\)/],
    ['a truncated JSON 200', { kind: 'garbage' }, 'ERR_DT_BAD_RESPONSE', false, /not JSON/],
    ['a reset connection', { kind: 'reset' }, 'ERR_DT_UNAVAILABLE', true, /unreachable/],
  ])('turns %s into %s (retryable: %s)', async (_label, fault, code, retryable, message) => {
    const { fake, client } = await setup();
    fake.setFault(fault);
    const error = await failure(client.getModelBreaches(window));
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.endpoint).toBe('/modelbreaches');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(fake.privateToken);
  });

  it('passes on Retry-After from a 503', async () => {
    const { fake, client } = await setup();
    fake.setFault({ kind: 'status', status: 503, retryAfter: '7' });
    const error = await failure(client.getIncidentEvents(window));
    expect(error).toMatchObject({
      code: 'ERR_DT_UNAVAILABLE',
      retryable: true,
      status: 503,
      retryAfterMs: 7000,
    });
  });

  it('succeeds again once the injected faults are used up', async () => {
    const { fake, client } = await setup();
    fake.addAlerts(makeModelBreach({ pbid: 7, time: T0 - 1000 }));
    fake.setFault({ kind: 'status', status: 503 }, { count: 2 });
    await failure(client.getModelBreaches(window));
    await failure(client.getModelBreaches(window));
    await expect(client.getModelBreaches(window)).resolves.toHaveLength(1);
  });

  it('reports a wrong private token as a signature error without revealing it', async () => {
    const { client } = await setup({}, { privateToken: 'wrong-private-token-4711' });
    const error = await failure(client.getModelBreaches(window));
    expect(error.code).toBe('ERR_DT_SIGNATURE');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('wrong-private-token-4711');
  });

  it('reports clock skew with both clocks when the appliance rejects the date', async () => {
    const { client } = await setup({ now: () => T0 + 2 * HOUR }, { now: () => T0 });
    const error = await failure(client.getModelBreaches(window));
    expect(error).toBeInstanceOf(DarktraceDateError);
    expect(error).toMatchObject({
      code: 'ERR_DT_DATE',
      retryable: true,
      skewMs: 2 * HOUR,
      serverTime: T0 + 2 * HOUR,
    });
    expect(error.message).toContain('sent DTAPI-Date 20240501T120000');
    expect(error.message).toContain(
      'the appliance clock reads 2024-05-01T14:00:00.000Z, ours 2024-05-01T12:00:00.000Z',
    );
    expect(error.message).toContain('skew +2h0m0s');
  });

  it('accepts a date within the appliance tolerance', async () => {
    const { client } = await setup({ now: () => T0 + 10 * 60_000 }, { now: () => T0 });
    await expect(client.getModelBreaches(window)).resolves.toEqual([]);
  });

  it('answers an unknown endpoint with ERR_DT_AUTH from the login redirect', async () => {
    const { client } = await setup();
    const error = await failure(client.getJson('/no/such/endpoint'));
    expect(error).toMatchObject({ code: 'ERR_DT_AUTH', retryable: false, status: 302 });
  });

  it('times out a slow answer as a retryable ERR_DT_TIMEOUT', async () => {
    const { fake, client } = await setup({}, { timeoutMs: 150 });
    fake.setFault({ kind: 'slow', delayMs: 20_000 });
    const error = await failure(client.getModelBreaches(window));
    expect(error).toMatchObject({ code: 'ERR_DT_TIMEOUT', retryable: true });
    expect(error.message).toContain('within 150 ms');
  });

  it('gives up with ERR_DT_ABORTED when the caller aborts', async () => {
    const { fake, client } = await setup();
    fake.setFault({ kind: 'hang' });
    const controller = new AbortController();
    const pending = failure(client.getModelBreaches(window, controller.signal));
    await vi.waitFor(() => {
      expect(fake.requests).toHaveLength(1);
    });
    controller.abort();
    const error = await pending;
    expect(error).toMatchObject({ code: 'ERR_DT_ABORTED', retryable: false });
  });

  it('reports an unreachable appliance as retryable ERR_DT_UNAVAILABLE', async () => {
    const fake = await startFakeDarktrace({ corpus: false, generate: false });
    await fake.close();
    const client = new DarktraceClient({ url: fake.url, publicToken: 'p', privateToken: 's' });
    onTestFinished(() => client.close());
    const error = await failure(client.getModelBreaches(window));
    expect(error).toMatchObject({ code: 'ERR_DT_UNAVAILABLE', retryable: true });
  });

  it('refuses an answer larger than the configured limit', async () => {
    const { fake, client } = await setup({}, { maxResponseBytes: 2_000 });
    fake.addAlerts(makeModelBreach({ pbid: 1, time: T0 - 10 }), makeModelBreach({ pbid: 2, time: T0 - 20 }));
    const error = await failure(client.getModelBreaches(window));
    expect(error).toMatchObject({ code: 'ERR_DT_BAD_RESPONSE', retryable: false });
    expect(error.message).toContain('shorten the request window');
  });

  it('rejects a URL that is not http(s) or carries credentials', () => {
    expect(() => new DarktraceClient({ url: 'ftp://x', publicToken: 'p', privateToken: 's' })).toThrow(
      TypeError,
    );
    expect(
      () => new DarktraceClient({ url: 'https://u:pw@x.example.com', publicToken: 'p', privateToken: 's' }),
    ).toThrow(TypeError);
  });
});

const haveOpenssl = opensslAvailable();
if (!haveOpenssl) console.warn('openssl not found: skipping the HTTPS tests of DarktraceClient.');

describe.skipIf(!haveOpenssl)('DarktraceClient over HTTPS', () => {
  it('trusts the appliance certificate given as CA', async () => {
    const { client } = await setup({ tls: true });
    await expect(client.getJson('/status')).resolves.toHaveProperty('version');
  });

  it('fails with ERR_DT_TLS when the certificate is not trusted', async () => {
    const fake = await startFakeDarktrace({ tls: true, corpus: false, generate: false });
    const client = new DarktraceClient({
      url: fake.url,
      publicToken: fake.publicToken,
      privateToken: fake.privateToken,
    });
    onTestFinished(async () => {
      await client.close();
      await fake.close();
    });
    const error = await failure(client.getJson('/status'));
    expect(error).toMatchObject({ code: 'ERR_DT_TLS', retryable: false });
  });

  it('skips verification only when explicitly told to', async () => {
    const fake = await startFakeDarktrace({ tls: true, corpus: false, generate: false });
    const client = new DarktraceClient({
      url: fake.url,
      publicToken: fake.publicToken,
      privateToken: fake.privateToken,
      rejectUnauthorized: false,
    });
    onTestFinished(async () => {
      await client.close();
      await fake.close();
    });
    await expect(client.getJson('/status')).resolves.toHaveProperty('version');
  });
});

if (!corpusPresent)
  console.warn(`Corpus not found at ${corpusDir}: skipping the corpus tests of DarktraceClient.`);

describe.skipIf(!corpusPresent)('DarktraceClient with the corpus alerts', () => {
  const everything = { starttime: Date.UTC(2020, 0, 1), endtime: Date.UTC(2026, 0, 1) };

  it('fetches every corpus breach and AI Analyst event through the signed API', async () => {
    const { fake, client } = await setup({ corpus: true });
    const stored = fake.alerts();
    expect(stored.breaches.length).toBeGreaterThan(5);
    expect(stored.events.length).toBeGreaterThan(1);

    const breaches = (await client.getModelBreaches(everything)) as { pbid: number; time: number }[];
    const key = (b: { pbid: unknown; time: unknown }): string => `${String(b.pbid)}@${String(b.time)}`;
    expect(breaches.map(key).sort()).toEqual(stored.breaches.map((b) => key(b as never)).sort());

    const events = (await client.getIncidentEvents(everything)) as { id: string }[];
    expect(events.map((e) => e.id).sort()).toEqual(stored.events.map((e) => e['id']).sort());
  });

  it('narrows the corpus to the breaches of one day', async () => {
    const { client } = await setup({ corpus: true });
    // 2022-07-13 (UTC) holds the System::System breach (pbid 5) and Attack and Recon Tools (pbid 6).
    const day = { starttime: Date.UTC(2022, 6, 13), endtime: Date.UTC(2022, 6, 14) };
    const breaches = (await client.getModelBreaches(day)) as { pbid: number }[];
    expect(new Set(breaches.map((b) => b.pbid))).toEqual(new Set([5, 6]));
  });
});
