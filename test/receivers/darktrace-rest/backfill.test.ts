import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigFile } from '../../../core/config/validate.js';
import {
  backfillServiceConfig,
  parseTimeArg,
  renderProgress,
  runBackfill,
} from '../../../receivers/darktrace-rest/backfill.js';
import { cursorFilePath } from '../../../receivers/darktrace-rest/cursor-store.js';
import { fakeUuid, makeIncidentEvent, makeModelBreach } from '../../support/fake-darktrace.js';
import { startRestRig, type RestRig } from '../../support/rest-rig.js';

const MIN = 60_000;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('parseTimeArg', () => {
  it.each([
    ['now', NOW],
    ['now-2h', NOW - 120 * MIN],
    ['-30m', NOW - 30 * MIN],
    ['2024-05-01T10:00:00Z', NOW - 120 * MIN],
    ['2024-05-01T12:00:00+02:00', NOW - 120 * MIN],
    ['2024-05-01 11:00:00', NOW - 60 * MIN],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    [String(NOW - MIN), NOW - MIN],
    ['yesterday', undefined],
    ['now-soon', undefined],
  ])('reads %s', (text, expected) => {
    expect(parseTimeArg(text, NOW)).toBe(expected);
  });
});

describe('renderProgress', () => {
  it('draws a bar with the share of windows done and the alerts sent', () => {
    expect(renderProgress({ windowsDone: 3, windowsTotal: 6, emitted: 42 })).toBe(
      '[############------------]  50% 3/6 windows, 42 alerts',
    );
    expect(renderProgress({ windowsDone: 6, windowsTotal: 6, emitted: 0 })).toMatch(/^\[#{24}\] 100% /);
  });
});

function environment(extraExporter = ''): Promise<RestRig> {
  return startRestRig(
    (fake, sink) => `
receivers:
  darktrace-rest:
    url: ${fake.url}
    public_token: ${fake.publicToken}
    private_token: ${fake.privateToken}
    max_window: 10m
    overlap: 1m
    timeout: 2s
  generator: { interval: 1h }
exporters:
  http:
    endpoint: ${sink.url}
    batch: { flush_timeout: 10ms }
    retry_on_failure: { initial_interval: 10ms }
${extraExporter}
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [darktrace-rest], exporters: [http] }
    other: { receivers: [generator], exporters: [http] }
`,
  );
}

function tty(): { isTTY: true; text: string; write(t: string): void } {
  return {
    isTTY: true,
    text: '',
    write(t: string) {
      this.text += t;
    },
  };
}

describe('runBackfill', () => {
  it('pulls each alert of the range once through the pipeline, with a progress bar and a summary', async () => {
    const { fake, sink, file } = await environment();
    const to = Date.now() - 60 * MIN;
    const from = to - 60 * MIN;
    const inside = [
      makeModelBreach({ pbid: 1, time: from }),
      makeModelBreach({ pbid: 2, time: from + 25 * MIN }),
      // Exactly on the bound shared by the 2nd and 3rd window: the fake returns it from both.
      makeModelBreach({ pbid: 3, time: from + 20 * MIN }),
      makeIncidentEvent({ id: fakeUuid(1), createdAt: from + 45 * MIN }),
    ];
    fake.addAlerts(
      ...inside,
      makeModelBreach({ pbid: 90, time: from - MIN }),
      makeModelBreach({ pbid: 91, time: to + MIN }),
    );
    const lines: string[] = [];
    const stderr = tty();
    const code = await runBackfill({
      file,
      receiver: 'darktrace-rest',
      from: new Date(from).toISOString(),
      to: String(to - 1),
      logLevel: 'silent',
      stdout: (line) => lines.push(line),
      stderr,
    });
    expect(code).toBe(0);
    const keys = (sink.docs as { pbid?: number; id?: string }[]).map((d) => d.pbid ?? d.id);
    expect(keys.sort()).toEqual([1, 2, 3, fakeUuid(1)].sort());
    // 6 windows of 10 minutes for each feed; the whole range and nothing else was asked for.
    const breachRequests = fake.requests.filter((r) => r.path === '/modelbreaches');
    expect(breachRequests).toHaveLength(6);
    expect(breachRequests[0]?.query['starttime']).toBe(String(from));
    expect(breachRequests.at(-1)?.query['endtime']).toBe(String(to - 1));
    expect(lines).toEqual([
      expect.stringMatching(
        /^Backfilled "darktrace-rest" from .* to .*: 12 windows, 5 alerts fetched, 4 sent downstream \(1 duplicates, 0 malformed\); exporter "http": 4 sent, 0 failed\.$/,
      ),
    ]);
    expect(stderr.text).toContain('\r[########################] 100% 12/12 windows, 4 alerts');
  });

  it('leaves the live cursor alone and keeps exporter queues in memory', async () => {
    const { fake, dir, file } = await environment('    sending_queue: { storage: ./queue }');
    const cursor = cursorFilePath(join(dir, 'state'), 'darktrace-rest');
    mkdirSync(join(dir, 'state', 'cursors'), { recursive: true });
    writeFileSync(cursor, '{"untouched": true}');
    fake.addAlerts(makeModelBreach({ pbid: 5, time: Date.now() - 90 * MIN }));
    const code = await runBackfill({
      file,
      receiver: 'darktrace-rest',
      from: 'now-2h',
      to: 'now-1h',
      logLevel: 'silent',
      stdout: () => undefined,
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    expect(readFileSync(cursor, 'utf8')).toBe('{"untouched": true}');
    expect(existsSync(join(dir, 'queue'))).toBe(false);
  });

  it('fails with exit 1, naming the window and the reason, when the appliance refuses the tokens', async () => {
    const { fake, file } = await environment();
    fake.setFault({ kind: 'signature' }, { count: 1000 });
    const stderr = {
      text: '',
      write(t: string) {
        this.text += t;
      },
    };
    const lines: string[] = [];
    const code = await runBackfill({
      file,
      receiver: 'darktrace-rest',
      from: 'now-1h',
      to: 'now',
      logLevel: 'silent',
      stdout: (line) => lines.push(line),
      stderr,
    });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(
      /^Backfill failed: \/modelbreaches stopped at the window .*\(API SIGNATURE ERROR\)/,
    );
    expect(lines[0]).toMatch(/did not complete/);
  });

  it.each([
    [{ receiver: undefined }, /needs --receiver ID --from TIME --to TIME/],
    [
      { receiver: 'darktrace-rest/nope' },
      /No receiver "darktrace-rest\/nope" .*receivers there: "darktrace-rest"/,
    ],
    [{ receiver: 'generator' }, /is a generator receiver; only darktrace-rest receivers can backfill/],
    [{ from: 'now', to: 'now-1h' }, /must be before --to/],
    [{ from: 'last tuesday' }, /Cannot read --from "last tuesday"/],
  ])('refuses %j with exit 2', async (args, message) => {
    const { file } = await environment();
    const stderr = {
      text: '',
      write(t: string) {
        this.text += t;
      },
    };
    const code = await runBackfill({
      file,
      receiver: 'darktrace-rest',
      from: 'now-1h',
      to: 'now',
      logLevel: 'silent',
      stderr,
      ...args,
    });
    expect(code).toBe(2);
    expect(stderr.text).toMatch(message);
  });
});

describe('backfillServiceConfig', () => {
  it("keeps only the receiver's pipelines, drops the metrics server and the persistent queues", async () => {
    const { file } = await environment('    sending_queue: { storage: ./queue, queue_size: 10 }');
    const { config } = await validateConfigFile(file, { registry: builtinRegistry() });
    const derived = backfillServiceConfig(config!, 'darktrace-rest', () => {
      throw new Error('not built here');
    });
    expect(derived.pipelines.map((p) => p.id)).toEqual(['logs']);
    expect(derived.metricsAddress).toBeUndefined();
    expect([...derived.components.receiver.keys()]).toEqual(['darktrace-rest']);
    expect(derived.components.exporter.get('http')?.config).toMatchObject({
      sending_queue: { queue_size: 10 },
    });
    expect(
      (derived.components.exporter.get('http')?.config as { sending_queue: object }).sending_queue,
    ).not.toHaveProperty('storage');
    expect(derived.shutdownTimeoutMs).toBeGreaterThanOrEqual(config!.shutdownTimeoutMs);
  });
});
