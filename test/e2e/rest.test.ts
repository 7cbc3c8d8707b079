// The darktrace-rest receiver in the real CLI: fake appliance → dtcol → http exporter → loopback sink.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { dedupeKey } from '../../receivers/darktrace-rest/window.js';
import { metricsUrl, runCli, startCli, type RunningCli } from '../support/cli.js';
import { fakeUuid, makeIncidentEvent, makeModelBreach, type FakeFault } from '../support/fake-darktrace.js';
import type { HttpSink } from '../support/http-sink.js';
import { startRestRig, type RestRig } from '../support/rest-rig.js';

const MIN = 60_000;

type Env = RestRig;

function environment(receiverExtra = ''): Promise<Env> {
  return startRestRig(
    (fake, sink) => `
receivers:
  darktrace-rest:
    url: ${fake.url}
    public_token: \${env:DT_PUBLIC_TOKEN}
    private_token: \${env:DT_PRIVATE_TOKEN}
    poll_interval: 200ms
    settle: 0s
    overlap: 1m
    initial_lookback: 1h
    timeout: 500ms
${receiverExtra}
exporters:
  http:
    endpoint: ${sink.url}
    sending_queue: { storage: ./queue }
    batch: { flush_timeout: 20ms }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms }
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [darktrace-rest], exporters: [http] }
`,
  );
}

function run(e: Env): RunningCli {
  const cli = startCli(['run', '-c', e.file], e.env);
  onTestFinished(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return cli;
}

/** Dedupe keys of what the sink received (the http exporter sends record bodies: the alerts). */
function receivedKeys(sink: HttpSink): string[] {
  return (sink.docs as Record<string, unknown>[]).map((doc) =>
    dedupeKey('pbid' in doc ? 'model_breach' : 'ai_analyst', doc),
  );
}

interface Health {
  status: number;
  component: { status: string; message?: string } | undefined;
}

async function health(url: string): Promise<Health> {
  const res = await fetch(`${url}/healthz`);
  const body = (await res.json()) as { components: Record<string, { status: string; message?: string }> };
  return { status: res.status, component: body.components['receiver:darktrace-rest'] };
}

describe('darktrace-rest (real CLI)', () => {
  it('delivers each alert exactly once in a steady run, including alerts that arrive while it runs', async () => {
    const e = await environment();
    const now = Date.now();
    const initial = [
      ...[1, 2, 3, 4].map((i) => makeModelBreach({ pbid: i, time: now - i * 7 * MIN })),
      ...[1, 2, 3].map((i) => makeIncidentEvent({ id: fakeUuid(i), createdAt: now - i * 9 * MIN })),
    ];
    e.fake.addAlerts(...initial);
    const cli = run(e);
    await metricsUrl(cli);
    await vi.waitFor(() => expect(e.sink.docs).toHaveLength(initial.length), { timeout: 15_000 });

    const later = [
      makeModelBreach({ pbid: 10, time: Date.now() - 5_000 }),
      makeIncidentEvent({ id: fakeUuid(10), createdAt: Date.now() - 2_000 }),
      // Its time is already behind the cursor: only the overlap finds it.
      makeModelBreach({ pbid: 11, time: Date.now() - 40_000 }),
    ];
    e.fake.addAlerts(...later);
    await vi.waitFor(() => expect(e.sink.docs).toHaveLength(initial.length + later.length), {
      timeout: 15_000,
    });
    const requests = e.fake.requests.length;
    await vi.waitFor(() => expect(e.fake.requests.length).toBeGreaterThan(requests + 10), {
      timeout: 15_000,
    });

    const keys = receivedKeys(e.sink);
    const expected = [...initial, ...later].map((a) =>
      dedupeKey('pbid' in a ? 'model_breach' : 'ai_analyst', a),
    );
    expect([...keys].sort()).toEqual([...expected].sort());
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stderr()).not.toContain(e.fake.privateToken);
    const saved = JSON.parse(readFileSync(join(e.dir, 'state/cursors/darktrace-rest.json'), 'utf8')) as {
      feeds: Record<string, { cursor: number }>;
    };
    expect(saved.feeds['model_breach']?.cursor).toBeGreaterThan(now);
  }, 60_000);

  it('reports every fault of the appliance with a clear message, once, and recovers', async () => {
    const e = await environment('    feeds: { ai_analyst: { enabled: false } }');
    const cli = run(e);
    const url = await metricsUrl(cli);
    const episodes: { fault: FakeFault; code: string; message: RegExp }[] = [
      {
        fault: { kind: 'status', status: 503 },
        code: 'ERR_DT_UNAVAILABLE',
        message: /answered \/modelbreaches with 503/,
      },
      { fault: { kind: 'reset' }, code: 'ERR_DT_UNAVAILABLE', message: /is unreachable/ },
      {
        fault: { kind: 'hang' },
        code: 'ERR_DT_TIMEOUT',
        message: /did not answer \/modelbreaches within 500 ms/,
      },
      { fault: { kind: 'slow', delayMs: 2_000 }, code: 'ERR_DT_TIMEOUT', message: /did not answer/ },
      {
        fault: { kind: 'signature' },
        code: 'ERR_DT_SIGNATURE',
        message: /API SIGNATURE ERROR.*check the public and private tokens/,
      },
      { fault: { kind: 'date' }, code: 'ERR_DT_DATE', message: /API DATE ERROR.*Check time synchronisation/ },
      {
        fault: { kind: 'login-redirect' },
        code: 'ERR_DT_AUTH',
        message: /redirected \/modelbreaches to its login page/,
      },
      {
        fault: { kind: 'forbidden-redirect' },
        code: 'ERR_DT_PERMISSION',
        message: /to \/403: the API token lacks permission/,
      },
      { fault: { kind: 'html' }, code: 'ERR_DT_AUTH', message: /HTML page \("Log In \| Darktrace"\)/ },
      { fault: { kind: 'garbage' }, code: 'ERR_DT_BAD_RESPONSE', message: /not JSON/ },
    ];
    const problems = () =>
      cli.logs().filter((l) => typeof l['code'] === 'string' && String(l['msg']).includes('cannot poll'));
    const recoveries = () =>
      cli.logs().filter((l) => String(l['msg']).includes('polls /modelbreaches again after'));
    for (const [i, { fault, code, message }] of episodes.entries()) {
      e.fake.setFault(fault, { count: 2, path: '/modelbreaches' });
      e.fake.addAlerts(makeModelBreach({ pbid: 100 + i, time: Date.now() - 1_000 }));
      await vi.waitFor(() => expect(problems()).toHaveLength(i + 1), { timeout: 10_000 });
      const line = problems()[i];
      expect(line?.['code']).toBe(code);
      expect(String(line?.['msg'])).toMatch(message);
      await vi.waitFor(() => expect(recoveries()).toHaveLength(i + 1), { timeout: 10_000 });
      await vi.waitFor(() => expect(e.sink.docs).toHaveLength(i + 1), { timeout: 10_000 });
    }

    // A lasting auth failure shows in /healthz with its message, and clears after the first success.
    e.fake.setFault({ kind: 'login-redirect' }, { count: 15, path: '/modelbreaches' });
    await vi.waitFor(
      async () => {
        const h = await health(url);
        expect(h.status).toBe(503);
        expect(h.component?.status).toBe('failed');
        expect(h.component?.message).toMatch(/^\/modelbreaches: .*login page/);
      },
      { timeout: 10_000, interval: 50 },
    );
    await vi.waitFor(async () => expect((await health(url)).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });
    // Each episode was logged once, not once per failed poll, and nothing was delivered twice.
    expect(problems()).toHaveLength(episodes.length + 1);
    expect(new Set(receivedKeys(e.sink)).size).toBe(e.sink.docs.length);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  }, 60_000);

  it('backfills a past range once through the pipeline without creating or moving a cursor', async () => {
    const e = await environment('    max_window: 15m');
    const to = Date.now() - 2 * 60 * MIN;
    const from = to - 60 * MIN;
    const inside = [
      makeModelBreach({ pbid: 1, time: from + MIN }),
      // On the bound between two 15-minute windows: fetched twice, sent once.
      makeModelBreach({ pbid: 2, time: from + 30 * MIN }),
      makeIncidentEvent({ id: fakeUuid(1), createdAt: to - MIN }),
    ];
    e.fake.addAlerts(...inside, makeModelBreach({ pbid: 3, time: to + 10 * MIN }));
    const result = await runCli(
      [
        'backfill',
        '-c',
        e.file,
        '--receiver',
        'darktrace-rest',
        '--from',
        new Date(from).toISOString(),
        '--to',
        new Date(to).toISOString(),
      ],
      e.env,
    );
    expect(result.stderr).not.toContain(e.fake.privateToken);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Backfilled "darktrace-rest" from .*: 8 windows, 4 alerts fetched, 3 sent downstream \(1 duplicates, 0 malformed\); exporter "http": 3 sent, 0 failed\.\n$/,
    );
    expect([...receivedKeys(e.sink)].sort()).toEqual(
      inside.map((a) => dedupeKey('pbid' in a ? 'model_breach' : 'ai_analyst', a)).sort(),
    );
    expect(existsSync(join(e.dir, 'state/cursors'))).toBe(false);
  }, 30_000);
});
