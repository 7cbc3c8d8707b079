import { describe, expect, it, onTestFinished } from 'vitest';
import { DarktraceClient } from '../../../receivers/darktrace-rest/client.js';
import { DarktraceApiError } from '../../../receivers/darktrace-rest/errors.js';
import {
  normaliseRestRecord,
  type AlertKind,
  type JsonObject,
} from '../../../receivers/darktrace-rest/normalise.js';
import {
  acceptWindow,
  createCursor,
  decodeCursor,
  dedupeKey,
  encodeCursor,
  planPoll,
  type CursorState,
  type DedupeOptions,
  type WindowOptions,
} from '../../../receivers/darktrace-rest/window.js';
import {
  fakeUuid,
  makeIncidentEvent,
  makeModelBreach,
  startFakeDarktrace,
  type FakeDarktrace,
} from '../../support/fake-darktrace.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Simulated "now" of the polling loop; DTAPI-Date still uses the real clock on both sides. */
const SIM = Date.UTC(2024, 4, 1, 12, 0, 0);

const options: WindowOptions = {
  pollIntervalMs: MIN,
  initialLookbackMs: 8 * HOUR,
  overlapMs: 10 * MIN,
  settleMs: 30_000,
  maxWindowMs: HOUR,
  maxWindowsPerPoll: 3,
};
const dedupe: DedupeOptions = { overlapMs: options.overlapMs, maxSeen: 10_000, reemitUpdates: false };

/** The receiver loop as the lead will wire it, with hooks to crash and inspect. */
class Harness {
  readonly emitted: JsonObject[] = [];
  /** Keys emitted by windows whose state was never persisted. */
  readonly unpersistedKeys: string[] = [];
  persisted: string;
  state: CursorState;
  now = SIM;
  readonly kind: AlertKind;
  readonly client: DarktraceClient;

  constructor(kind: AlertKind, client: DarktraceClient) {
    this.kind = kind;
    this.client = client;
    this.persisted = encodeCursor(createCursor(kind, SIM, options));
    this.state = decodeCursor(this.persisted, kind);
  }

  /** One poll; `crashAfterEmitOf` simulates a crash between consume and persist of that window. */
  async poll(crashAfterEmitOf?: number): Promise<'ok' | 'crashed' | 'failed'> {
    const plan = planPoll(this.state, this.now, options);
    for (const [index, window] of plan.windows.entries()) {
      let raw: unknown[];
      try {
        const query = { starttime: window.start, endtime: window.end };
        raw =
          this.kind === 'model_breach'
            ? await this.client.getModelBreaches(query)
            : await this.client.getIncidentEvents(query);
      } catch (error) {
        if (error instanceof DarktraceApiError && error.retryable) return 'failed';
        throw error;
      }
      const bodies = raw.flatMap((r): JsonObject[] => {
        const normalised = normaliseRestRecord(this.kind, r);
        return normalised === undefined ? [] : [normalised.body];
      });
      const result = acceptWindow(this.state, window, bodies, dedupe);
      this.emitted.push(...result.fresh);
      if (index === crashAfterEmitOf) {
        this.unpersistedKeys.push(...result.fresh.map((r) => dedupeKey(this.kind, r)));
        this.state = decodeCursor(this.persisted, this.kind);
        return 'crashed';
      }
      this.persisted = encodeCursor(result.next);
      this.state = result.next;
    }
    return 'ok';
  }

  keys(): string[] {
    return this.emitted.map((r) => dedupeKey(this.kind, r));
  }
}

async function setup(kind: AlertKind): Promise<{ fake: FakeDarktrace; harness: Harness }> {
  const fake = await startFakeDarktrace({ corpus: false, generate: false, order: 'desc' });
  const client = new DarktraceClient({
    url: fake.url,
    publicToken: fake.publicToken,
    privateToken: fake.privateToken,
  });
  onTestFinished(async () => {
    await client.close();
    await fake.close();
  });
  return { fake, harness: new Harness(kind, client) };
}

describe('polling /modelbreaches end to end', () => {
  it('delivers every breach across a crash, a 503 and a late arrival, repeating only the crashed batch', async () => {
    const { fake, harness } = await setup('model_breach');
    const breaches = Array.from({ length: 24 }, (_, i) =>
      makeModelBreach({ pbid: 100 + i, time: SIM - 7.5 * HOUR + i * 15 * MIN }),
    );
    fake.addAlerts(...breaches);

    // First poll: the second catch-up window is emitted, then the process dies before persisting.
    expect(await harness.poll(1)).toBe('crashed');
    expect(harness.unpersistedKeys.length).toBeGreaterThan(0);

    fake.setFault({ kind: 'status', status: 503 });
    harness.now += MIN;
    expect(await harness.poll()).toBe('failed');

    for (let i = 0; i < 10 && harness.state.cursor < harness.now - options.settleMs; i++) {
      harness.now += MIN;
      expect(await harness.poll()).toBe('ok');
    }
    expect(harness.state.cursor).toBe(harness.now - options.settleMs);
    // A breach whose time the last window already covered shows up late (creation lag).
    const late = makeModelBreach({ pbid: 999, time: harness.state.cursor - 5 * MIN });
    fake.addAlerts(late);
    harness.now += MIN;
    expect(await harness.poll()).toBe('ok');

    const keys = harness.keys();
    expect([...new Set(keys)].sort()).toEqual(
      [...breaches, late].map((b) => dedupeKey('model_breach', b)).sort(),
    );
    // Only the crashed window's batch came twice.
    const repeated = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(repeated.sort()).toEqual([...harness.unpersistedKeys].sort());
    // Every request carried the documented, signed breach parameters.
    expect(
      fake.requests.every(
        (r) => r.query['historicmodelonly'] === 'true' && r.headers.signature !== undefined,
      ),
    ).toBe(true);
  });
});

describe('polling /aianalyst/incidentevents end to end', () => {
  it('emits each event once even when it is acknowledged and regrouped between polls', async () => {
    const { fake, harness } = await setup('ai_analyst');
    const events = Array.from({ length: 6 }, (_, i) =>
      makeIncidentEvent({ id: fakeUuid(i), createdAt: SIM - 3 * HOUR + i * 20 * MIN }),
    );
    fake.addAlerts(...events);
    for (let i = 0; i < 5; i++) {
      expect(await harness.poll()).toBe('ok');
      harness.now += MIN;
    }
    // A fresh event inside the overlap, emitted once, then updated in place before the next poll.
    const fresh = makeIncidentEvent({ id: 'e-recent', createdAt: harness.state.cursor - 3 * MIN });
    fake.addAlerts(fresh);
    expect(await harness.poll()).toBe('ok');
    harness.now += MIN;
    fake.addAlerts({ ...fresh, acknowledged: true, currentGroup: 'g-merged', groupScore: '88.1' });
    expect(await harness.poll()).toBe('ok');
    expect(fake.requests.at(-1)?.status).toBe(200);
    expect(harness.keys().sort()).toEqual([...events.map((e) => e['id']), 'e-recent'].sort());
  });
});
