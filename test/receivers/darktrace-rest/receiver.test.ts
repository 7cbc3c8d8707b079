import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { hrTimeToMs } from '../../../core/records.js';
import { GateConsumer } from '../../../core/testing/index.js';
import type { FakeFault } from '../../support/fake-darktrace.js';
import {
  fakeUuid,
  makeIncidentEvent,
  makeModelBreach,
  opensslAvailable,
} from '../../support/fake-darktrace.js';
import { host, logsWithCode, recordingSettings, setupReceiver } from './receiver-support.js';

const MIN = 60_000;
const breachesOnly = { feeds: { ai_analyst: { enabled: false } } };

/** The persisted cursor (epoch ms) of one feed, read from the receiver's file. */
function savedCursor(path: string, kind: 'model_breach' | 'ai_analyst'): number | undefined {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { feeds: Record<string, { cursor: number }> };
  return doc.feeds[kind]?.cursor;
}

describe('darktrace-rest receiver', () => {
  it('delivers each alert once, as a record shaped like the syslog receiver makes', async () => {
    const { fake, sink, receiver } = await setupReceiver();
    const now = Date.now();
    const breach = makeModelBreach({ pbid: 7, time: now - 20 * MIN });
    const event = makeIncidentEvent({ id: fakeUuid(1), createdAt: now - 10 * MIN });
    fake.addAlerts(breach, event, makeModelBreach({ pbid: 8, time: now - 5 * MIN }));
    await receiver.start(host, AbortSignal.timeout(1000));

    await vi.waitFor(() => expect(sink.records).toHaveLength(3));
    // Several more polls over the same overlap must not repeat anything.
    const seen = fake.requests.length;
    await vi.waitFor(() => expect(fake.requests.length).toBeGreaterThan(seen + 4));
    expect(sink.records).toHaveLength(3);

    const byKind = (kind: string) =>
      sink.records.filter((r) => r.attributes['darktrace.alert.kind'] === kind);
    const [first] = byKind('model_breach').filter((r) => (r.body as { pbid: number }).pbid === 7);
    expect(first?.body).toEqual(breach);
    expect(first?.eventName).toBe('darktrace.model_breach');
    expect(first?.attributes).toMatchObject({
      'darktrace.alert.kind': 'model_breach',
      'darktrace.source': 'rest',
      'darktrace.alert.dedupe_key': `7@${breach['time'] as number}`,
    });
    expect(hrTimeToMs(first!.hrTime)).toBe(breach['time']);
    expect(first?.resource.attributes).toEqual({
      'service.name': 'darktrace-collector',
      'darktrace.appliance': '127.0.0.1',
    });
    const [ai] = byKind('ai_analyst');
    expect(ai?.body).toEqual(event);
    expect(ai?.eventName).toBe('darktrace.ai_analyst');
    expect(hrTimeToMs(ai!.hrTime)).toBe(event['createdAt']);
    // One shared resource object per appliance, so OTLP groups the batch.
    expect(new Set(sink.records.map((r) => r.resource)).size).toBe(1);
  });

  it('flattens the {then, now} model and lifts the device when asked for the raw REST shape', async () => {
    const { fake, sink, receiver } = await setupReceiver({
      config: {
        feeds: {
          ai_analyst: { enabled: false },
          model_breaches: { historic_model_only: false, device_at_top: false },
        },
      },
    });
    const breach = makeModelBreach({ pbid: 11, time: Date.now() - MIN });
    fake.addAlerts(breach);
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(fake.requests[0]?.query).toMatchObject({ historicmodelonly: 'false', deviceattop: 'false' });
    expect(sink.records[0]?.body).toEqual(breach);
  });

  it("sends score filters on each endpoint's own scale and the documented fixed parameters", async () => {
    const { fake, receiver } = await setupReceiver({
      config: {
        feeds: {
          model_breaches: { min_score: 50 },
          ai_analyst: { min_score: 40, min_group_score: 30, locale: 'en_GB' },
        },
      },
    });
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => {
      expect(fake.requests.some((r) => r.path === '/modelbreaches')).toBe(true);
      expect(fake.requests.some((r) => r.path === '/aianalyst/incidentevents')).toBe(true);
    });
    const breaches = fake.requests.find((r) => r.path === '/modelbreaches');
    expect(breaches?.query).toMatchObject({
      minscore: '0.5',
      includeacknowledged: 'true',
      historicmodelonly: 'true',
      includebreachurl: 'true',
      expandenums: 'true',
      minimal: 'false',
      deviceattop: 'true',
    });
    const events = fake.requests.find((r) => r.path === '/aianalyst/incidentevents');
    expect(events?.query).toMatchObject({
      minscore: '40',
      mingroupscore: '30',
      includeallpinned: 'false',
      includeincidenteventurl: 'true',
      locale: 'en_GB',
    });
    expect(Number(breaches?.query['endtime']) - Number(breaches?.query['starttime'])).toBeLessThanOrEqual(
      60 * MIN,
    );
  });

  it('moves its cursor only after downstream accepted the batch', async () => {
    const gate = new GateConsumer();
    const { fake, receiver } = await setupReceiver({ config: breachesOnly, next: gate });
    fake.addAlerts(makeModelBreach({ pbid: 1, time: Date.now() - 30 * MIN }));
    const before = Date.now();
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(gate.held).toBe(1));
    // The fresh cursor was saved at once, and is still the starting point while consume is pending.
    const initial = savedCursor(receiver.cursorPath, 'model_breach');
    expect(initial).toBeLessThan(before - 59 * MIN);
    expect(fake.requests.length).toBe(1);

    gate.release();
    await vi.waitFor(() =>
      expect(savedCursor(receiver.cursorPath, 'model_breach')).toBeGreaterThanOrEqual(before),
    );
    expect(gate.sink.records).toHaveLength(1);
  });

  it('resumes from its saved cursor after a restart: late alerts arrive, nothing repeats', async () => {
    const setup = await setupReceiver({ config: breachesOnly });
    const { fake, sink } = setup;
    const now = Date.now();
    fake.addAlerts(
      makeModelBreach({ pbid: 1, time: now - 40 * MIN }),
      makeModelBreach({ pbid: 2, time: now - 2 * MIN }),
    );
    await setup.receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(2));
    await setup.receiver.shutdown(AbortSignal.timeout(5000));
    const cursor = savedCursor(setup.receiver.cursorPath, 'model_breach')!;

    // Created after the last window already covered its time (creation lag), plus a brand new one.
    fake.addAlerts(
      makeModelBreach({ pbid: 3, time: cursor - 30_000 }),
      makeModelBreach({ pbid: 4, time: Date.now() }),
    );
    const beforeRestart = fake.requests.length;
    const again = setup.restart();
    await again.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(4));
    const requestsNow = fake.requests.length;
    await vi.waitFor(() => expect(fake.requests.length).toBeGreaterThan(requestsNow + 2));
    const pbids = sink.records.map((r) => (r.body as { pbid: number }).pbid);
    expect(pbids).toEqual([1, 2, 3, 4]);
    // The restart did not go back to initial_lookback: its first window starts one overlap before the cursor.
    expect(fake.requests[beforeRestart]?.query['starttime']).toBe(String(cursor - MIN));
  });

  it('keeps per-receiver cursor files under <data_dir>/cursors', async () => {
    const settings = recordingSettings('darktrace-rest/eu');
    const { receiver } = await setupReceiver({ settings, config: breachesOnly });
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() =>
      expect(readdirSync(dirname(receiver.cursorPath)).filter((f) => f.endsWith('.json'))).toEqual([
        'darktrace-rest_eu.json',
      ]),
    );
    expect(receiver.cursorPath).toBe(`${settings.dataDir}/cursors/darktrace-rest_eu.json`);
  });

  it('starts afresh from initial_lookback, with an error logged, when the cursor file is unreadable', async () => {
    const { fake, sink, receiver, settings } = await setupReceiver({ config: breachesOnly });
    mkdirSync(dirname(receiver.cursorPath), { recursive: true });
    writeFileSync(receiver.cursorPath, '{"version": 1, "feeds": ');
    fake.addAlerts(makeModelBreach({ pbid: 5, time: Date.now() - 50 * MIN }));
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    const line = settings.logs.find((l) => String(l['msg']).includes('could not use its saved cursor'));
    expect(line?.['level']).toBe(50);
    expect(readdirSync(dirname(receiver.cursorPath)).some((f) => f.includes('.corrupt-'))).toBe(true);
  });
});

/** Each fault the fake can inject: the code it must be reported with, the health, and the message. */
const faults: {
  label: string;
  fault: FakeFault;
  code: string;
  health: 'failed' | 'degraded';
  message: RegExp;
}[] = [
  {
    label: 'status 503',
    fault: { kind: 'status', status: 503 },
    code: 'ERR_DT_UNAVAILABLE',
    health: 'degraded',
    message: /with 503/,
  },
  {
    label: 'status 429',
    fault: { kind: 'status', status: 429, retryAfter: '0' },
    code: 'ERR_DT_UNAVAILABLE',
    health: 'degraded',
    message: /with 429/,
  },
  {
    label: 'status 403',
    fault: { kind: 'status', status: 403 },
    code: 'ERR_DT_PERMISSION',
    health: 'failed',
    message: /lacks permission/,
  },
  {
    label: 'reset',
    fault: { kind: 'reset' },
    code: 'ERR_DT_UNAVAILABLE',
    health: 'degraded',
    message: /unreachable/,
  },
  {
    label: 'hang',
    fault: { kind: 'hang' },
    code: 'ERR_DT_TIMEOUT',
    health: 'degraded',
    message: /did not answer/,
  },
  {
    label: 'slow',
    fault: { kind: 'slow', delayMs: 2_000 },
    code: 'ERR_DT_TIMEOUT',
    health: 'degraded',
    message: /did not answer/,
  },
  {
    label: 'signature',
    fault: { kind: 'signature' },
    code: 'ERR_DT_SIGNATURE',
    health: 'failed',
    message: /API SIGNATURE ERROR.*public and private tokens/,
  },
  {
    label: 'date',
    fault: { kind: 'date' },
    code: 'ERR_DT_DATE',
    health: 'degraded',
    message: /API DATE ERROR.*time synchronisation/,
  },
  {
    label: 'login-redirect',
    fault: { kind: 'login-redirect' },
    code: 'ERR_DT_AUTH',
    health: 'failed',
    message: /login page/,
  },
  {
    label: 'forbidden-redirect',
    fault: { kind: 'forbidden-redirect' },
    code: 'ERR_DT_PERMISSION',
    health: 'failed',
    message: /\/403.*permission/,
  },
  {
    label: 'html',
    fault: { kind: 'html' },
    code: 'ERR_DT_AUTH',
    health: 'failed',
    message: /HTML page \("Log In \| Darktrace"\)/,
  },
  {
    label: 'garbage',
    fault: { kind: 'garbage' },
    code: 'ERR_DT_BAD_RESPONSE',
    health: 'degraded',
    message: /not JSON/,
  },
];

describe('darktrace-rest receiver faults', () => {
  it.each(faults)(
    'reports a $label fault once as $code, turns $health, then recovers and delivers',
    async ({ fault, code, health, message }) => {
      const { fake, sink, receiver, settings } = await setupReceiver({
        config: { ...breachesOnly, timeout: '300ms' },
      });
      fake.setFault(fault, { count: 3, path: '/modelbreaches' });
      fake.addAlerts(makeModelBreach({ pbid: 9, time: Date.now() - MIN }));
      await receiver.start(host, AbortSignal.timeout(1000));

      await vi.waitFor(() => expect(sink.records).toHaveLength(1), { timeout: 10_000 });
      const lines = logsWithCode(settings.logs, code);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).toMatch(/^Receiver "darktrace-rest" cannot poll \/modelbreaches: /);
      const bad = settings.health.find((h) => h.status !== 'ok');
      expect(bad?.status).toBe(health);
      expect(bad?.message).toMatch(message);
      await vi.waitFor(() => expect(settings.health.at(-1)?.status).toBe('ok'));
      expect(
        settings.logs.some((l) =>
          String(l['msg']).includes('polls /modelbreaches again after 3 failed attempts'),
        ),
      ).toBe(true);
      expect(JSON.stringify(settings.logs)).not.toContain(fake.privateToken);
    },
  );

  it('explains an API DATE ERROR with the skew between the two clocks', async () => {
    const { settings, receiver } = await setupReceiver({
      config: breachesOnly,
      fake: { now: () => Date.now() + 2 * 3_600_000 },
    });
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(logsWithCode(settings.logs, 'ERR_DT_DATE')).toHaveLength(1));
    expect(logsWithCode(settings.logs, 'ERR_DT_DATE')[0]).toMatch(/skew \+(2h0m|1h59m)\d+s\)/);
    expect(settings.health.at(-1)).toMatchObject({ status: 'degraded' });
  });

  it('names both feeds in its health message while the appliance is down', async () => {
    const { fake, settings, receiver } = await setupReceiver();
    fake.setFault({ kind: 'reset' }, { count: 1000 });
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => {
      const last = settings.health.at(-1);
      expect(last?.status).toBe('degraded');
      expect(last?.message).toMatch(/\/modelbreaches: .*; \/aianalyst\/incidentevents: /);
    });
  });
});

describe.skipIf(!opensslAvailable())('darktrace-rest receiver over TLS', () => {
  it('trusts the CA given in tls.ca_file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtcol-rest-ca-'));
    const settings = { ...recordingSettings(), configDir: dir };
    const { fake, sink, receiver } = await setupReceiver({
      settings,
      fake: { tls: true },
      config: { ...breachesOnly, tls: { ca_file: 'appliance.pem' } },
    });
    // Relative to the configuration file's directory, read at start.
    writeFileSync(join(dir, 'appliance.pem'), fake.ca ?? '');
    fake.addAlerts(makeModelBreach({ pbid: 3, time: Date.now() - MIN }));
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(settings.logs.some((l) => l['level'] === 40)).toBe(false);
  });

  it('refuses an unknown certificate as a TLS problem, and logs loudly when verification is off', async () => {
    const strict = await setupReceiver({ config: breachesOnly, fake: { tls: true } });
    await strict.receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(logsWithCode(strict.settings.logs, 'ERR_DT_TLS')).toHaveLength(1));
    expect(strict.settings.health.at(-1)?.status).toBe('failed');

    const lax = await setupReceiver({
      config: { ...breachesOnly, tls: { insecure_skip_verify: true } },
      fake: { tls: true },
    });
    lax.fake.addAlerts(makeModelBreach({ pbid: 4, time: Date.now() - MIN }));
    await lax.receiver.start(host, AbortSignal.timeout(1000));
    expect(String(lax.settings.logs[0]?.['msg'])).toMatch(
      /does NOT verify the TLS certificate of 127\.0\.0\.1/,
    );
    expect(lax.settings.logs[0]?.['level']).toBe(40);
    await vi.waitFor(() => expect(lax.sink.records).toHaveLength(1));
  });
});

describe('darktrace-rest receiver enrichment and lifecycle', () => {
  it('adds the incident of each AI Analyst event as attributes when ai_analyst_groups is on', async () => {
    const { fake, sink, receiver } = await setupReceiver({
      config: { feeds: { model_breaches: { enabled: false }, ai_analyst_groups: { enabled: true } } },
    });
    const event = makeIncidentEvent({ id: fakeUuid(2), createdAt: Date.now() - MIN, groupScore: '72.5' });
    fake.addAlerts(event);
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(sink.records[0]?.attributes).toMatchObject({
      'darktrace.ai_analyst.incident.id': `g${fakeUuid(2)}`,
      'darktrace.ai_analyst.incident.score': 72.5,
      'darktrace.ai_analyst.incident.event_count': 1,
    });
    expect(sink.records[0]?.body).toEqual(event);
    expect(fake.requests.some((r) => r.path === '/aianalyst/groups' && r.query['uuid'] === fakeUuid(2))).toBe(
      true,
    );
  });

  it('still delivers AI Analyst events, without the incident, when the groups lookup fails', async () => {
    const { fake, sink, receiver, settings } = await setupReceiver({
      config: { feeds: { model_breaches: { enabled: false }, ai_analyst_groups: { enabled: true } } },
    });
    fake.setFault({ kind: 'forbidden-redirect' }, { count: 1, path: '/aianalyst/groups' });
    fake.addAlerts(makeIncidentEvent({ id: fakeUuid(3), createdAt: Date.now() - MIN }));
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(sink.records[0]?.attributes['darktrace.ai_analyst.incident.id']).toBeUndefined();
    expect(settings.logs.some((l) => String(l['msg']).includes('without their incident'))).toBe(true);
  });

  it('shuts down before start and twice with the same promise', async () => {
    const { receiver, fake } = await setupReceiver();
    const first = receiver.shutdown(AbortSignal.timeout(1000));
    expect(receiver.shutdown(AbortSignal.timeout(1000))).toBe(first);
    await first;
    await receiver.start(host, AbortSignal.timeout(1000));
    expect(fake.requests).toHaveLength(0);
  });

  it('stops polling and emits nothing after shutdown, even with a request in flight', async () => {
    const { fake, sink, receiver } = await setupReceiver({ config: breachesOnly });
    fake.setFault({ kind: 'hang' }, { count: 1 });
    fake.addAlerts(makeModelBreach({ pbid: 2, time: Date.now() - MIN }));
    await receiver.start(host, AbortSignal.timeout(1000));
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    await receiver.shutdown(AbortSignal.timeout(5000));
    // Shutdown awaited the loop: the hung request was cancelled and no further poll can start.
    const count = fake.requests.length;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(fake.requests.length).toBe(count);
    expect(sink.records).toHaveLength(0);
  });
});
