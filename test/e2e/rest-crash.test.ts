// Crash safety of the darktrace-rest receiver in the real CLI: SIGKILL at random points, restart, repeat.
// The sink must end up with every alert (no gap), and a crash may repeat only the one batch per feed
// whose cursor was not committed yet, plus the exporter's one unacknowledged request.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { dedupeKey } from '../../receivers/darktrace-rest/window.js';
import { startCli, type RunningCli } from '../support/cli.js';
import { fakeUuid, makeIncidentEvent, makeModelBreach } from '../support/fake-darktrace.js';
import { startRestRig } from '../support/rest-rig.js';

const CRASHES = 8;
const BREACHES_PER_ROUND = 3;
const EVENTS_PER_ROUND = 2;
/** Records per exporter request; with one consumer, at most this many are unacknowledged at a crash. */
const EXPORT_BATCH = 5;

/** Small seeded PRNG (mulberry32), so a failing run can be replayed with DTCOL_CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keyOf = (alert: Record<string, unknown>): string =>
  dedupeKey('pbid' in alert ? 'model_breach' : 'ai_analyst', alert);

/** What the http exporter sends with `content: record`. */
interface SentRecord {
  observed_time: string;
  attributes: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** One receiver batch: every record of a batch carries the same observed time (set once per batch). */
interface Batch {
  kind: string;
  at: number;
  keys: Set<string>;
}

function batchesOf(docs: readonly SentRecord[]): Batch[] {
  const byId = new Map<string, Batch>();
  for (const doc of docs) {
    const kind = String(doc.attributes['darktrace.alert.kind']);
    const id = `${kind} ${doc.observed_time}`;
    let batch = byId.get(id);
    if (batch === undefined) {
      batch = { kind, at: Date.parse(`${doc.observed_time.slice(0, 23)}Z`), keys: new Set() };
      byId.set(id, batch);
    }
    batch.keys.add(keyOf(doc.body));
  }
  return [...byId.values()].sort((a, b) => a.at - b.at);
}

describe('darktrace-rest crash safety (real CLI)', () => {
  it('loses nothing and repeats at most the uncommitted batch per crash over many SIGKILL/restart cycles', async () => {
    const seed = Number(process.env['DTCOL_CRASH_SEED'] ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const { fake, sink, env, dir, file } = await startRestRig(
      (fake, sink) => `
receivers:
  darktrace-rest:
    url: ${fake.url}
    public_token: \${env:DT_PUBLIC_TOKEN}
    private_token: \${env:DT_PRIVATE_TOKEN}
    poll_interval: 150ms
    settle: 0s
    overlap: 1m
    initial_lookback: 1h
    timeout: 2s
exporters:
  http:
    endpoint: ${sink.url}
    content: record
    sending_queue: { storage: ./queue, num_consumers: 1 }
    batch: { flush_timeout: 10ms, max_records: ${EXPORT_BATCH} }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms }
service:
  data_dir: ./state
  pipelines:
    logs: { receivers: [darktrace-rest], exporters: [http] }
`,
    );
    const expected: string[] = [];
    let serial = 0;
    // New alerts whose own times are up to 20 s in the past: some land behind a cursor that already
    // passed them, which only the overlap recovers.
    const addRound = (): string[] => {
      const now = Date.now();
      const added: string[] = [];
      for (let i = 0; i < BREACHES_PER_ROUND + EVENTS_PER_ROUND; i++) {
        serial += 1;
        const at = now - Math.floor(random() * 20_000);
        const alert =
          i < BREACHES_PER_ROUND
            ? makeModelBreach({ pbid: serial, time: at })
            : makeIncidentEvent({ id: fakeUuid(serial), createdAt: at });
        fake.addAlerts(alert);
        added.push(keyOf(alert));
      }
      expected.push(...added);
      return added;
    };
    let live: RunningCli | undefined;
    onTestFinished(() => {
      if (live?.child.exitCode === null && live.child.signalCode === null) live.child.kill('SIGKILL');
    });
    const quick = { timeout: 20_000, interval: 5 };
    const docs = (): SentRecord[] => sink.docs as SentRecord[];

    addRound();
    addRound();
    /** When each killed process was certainly dead: its batches all carry earlier observed times. */
    const deaths: number[] = [];
    for (let crash = 0; crash < CRASHES; crash++) {
      const requestsBefore = fake.requests.length;
      const startedAt = Date.now();
      live = startCli(['run', '-c', file], env);
      const cli = live;
      const requests = (k: number) =>
        vi.waitFor(() => expect(fake.requests.length).toBeGreaterThanOrEqual(requestsBefore + k), quick);
      // Alerts keep arriving while it runs.
      await requests(1);
      const during = addRound();
      // Kill points: right after a fetch (before or during consume and the cursor write); right after
      // the exporter delivered a batch of this run (before its queue acknowledged and, often, before
      // the cursor is on disk); or in steady polling, once this run has already committed a batch.
      const mode = random();
      if (mode < 0.25) {
        await requests(1 + Math.floor(random() * 3));
      } else if (mode < 0.5) {
        await vi.waitFor(
          () =>
            expect(docs().some((d) => Date.parse(d.observed_time.slice(0, 23) + 'Z') >= startedAt)).toBe(
              true,
            ),
          quick,
        );
      } else {
        await vi.waitFor(() => {
          const got = new Set(docs().map((d) => keyOf(d.body)));
          expect(during.filter((k) => !got.has(k))).toEqual([]);
        }, quick);
        addRound();
        const seen = fake.requests.length - requestsBefore;
        await requests(seen + 1 + Math.floor(random() * 4));
      }
      cli.child.kill('SIGKILL');
      await cli.exited;
      deaths.push(Date.now());
      addRound();
    }

    live = startCli(['run', '-c', file], env);
    const last = live;
    await vi.waitFor(
      () => {
        const got = new Set(docs().map((d) => keyOf(d.body)));
        expect(expected.filter((k) => !got.has(k))).toEqual([]);
      },
      { timeout: 20_000, interval: 50 },
    );
    last.child.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    // Half-written temporary cursor files of killed runs were cleaned up at the last start.
    expect(readdirSync(join(dir, 'state/cursors'))).toEqual(['darktrace-rest.json']);

    // No gap, nothing invented.
    const keys = docs().map((d) => keyOf(d.body));
    expect([...new Set(keys)].sort()).toEqual([...expected].sort());

    // The receiver commits batch n before it fetches for batch n+1, so at a crash only the last batch
    // of each feed can be uncommitted: whatever a restart emits again must come from exactly that batch.
    const batches = batchesOf(docs());
    for (const [crash, death] of deaths.entries()) {
      const next = deaths[crash + 1] ?? Number.POSITIVE_INFINITY;
      const before = batches.filter((b) => b.at <= death);
      const emittedBefore = new Set(before.flatMap((b) => [...b.keys]));
      const lastBatch = new Map(before.map((b) => [b.kind, b]));
      console.log(
        'DEBUG crash',
        crash,
        'batches before',
        before.length,
        [...lastBatch.values()].map((b) => `${b.kind}:${b.keys.size}`).join(' '),
        'after',
        batches
          .filter((b) => b.at > death && b.at <= next)
          .map((b) => `${b.kind}:${b.keys.size}`)
          .join(' '),
      );
      for (const batch of batches.filter((b) => b.at > death && b.at <= next)) {
        const again = [...batch.keys].filter((k) => emittedBefore.has(k));
        const allowed = lastBatch.get(batch.kind)?.keys ?? new Set<string>();
        expect(
          again.filter((k) => !allowed.has(k)),
          `keys re-emitted after crash ${crash} from older batches (seed ${seed})`,
        ).toEqual([]);
      }
    }
    // The same record (same batch) arriving twice is the exporter resending its unacknowledged request.
    const copies = docs().length - new Set(docs().map((d) => `${keyOf(d.body)} ${d.observed_time}`)).size;
    expect(copies, `exporter resends (seed ${seed})`).toBeLessThanOrEqual(CRASHES * EXPORT_BATCH);
  }, 90_000);
});
