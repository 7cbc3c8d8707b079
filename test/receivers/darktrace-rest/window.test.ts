import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DarktraceCursorError } from '../../../receivers/darktrace-rest/errors.js';
import type { AlertKind } from '../../../receivers/darktrace-rest/normalise.js';
import {
  acceptWindow,
  checkWindowOptions,
  createCursor,
  decodeCursor,
  defaultDedupeOptions,
  defaultWindowOptions,
  dedupeKey,
  encodeCursor,
  planPoll,
  type CursorState,
  type DedupeOptions,
  type TimeWindow,
  type WindowOptions,
} from '../../../receivers/darktrace-rest/window.js';
import { makeIncidentEvent, makeModelBreach } from '../../support/fake-darktrace.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

const options: WindowOptions = {
  pollIntervalMs: MIN,
  initialLookbackMs: 3 * HOUR,
  overlapMs: 10 * MIN,
  settleMs: 30_000,
  maxWindowMs: HOUR,
  maxWindowsPerPoll: 2,
};
const dedupe: DedupeOptions = { overlapMs: options.overlapMs, maxSeen: 1_000, reemitUpdates: false };

function state(kind: AlertKind, cursor: number, seen: CursorState['seen'] = []): CursorState {
  return { version: 1, kind, cursor, seen };
}

describe('checkWindowOptions', () => {
  it('accepts the defaults', () => {
    expect(checkWindowOptions(defaultWindowOptions)).toEqual([]);
  });

  it('flags a window no longer than the overlap, which would never catch up', () => {
    expect(checkWindowOptions({ ...options, maxWindowMs: options.overlapMs })).toEqual([
      'maxWindowMs must be longer than overlapMs.',
    ]);
  });

  it('flags non-positive and negative durations', () => {
    expect(checkWindowOptions({ ...options, pollIntervalMs: 0, settleMs: -1 })).toEqual([
      'pollIntervalMs must be a positive number.',
      'settleMs must not be negative.',
    ]);
  });
});

describe('planPoll', () => {
  it('splits the first catch-up into bounded windows that each start one overlap back', () => {
    const first = createCursor('model_breach', NOW, options);
    expect(first.cursor).toBe(NOW - 3 * HOUR);
    const plan = planPoll(first, NOW, options);
    expect(plan.windows).toEqual([
      { start: NOW - 3 * HOUR - 10 * MIN, end: NOW - 2 * HOUR - 10 * MIN },
      { start: NOW - 2 * HOUR - 20 * MIN, end: NOW - HOUR - 20 * MIN },
    ]);
    // Cut short by maxWindowsPerPoll: poll again at once.
    expect(plan.nextPollAt).toBe(NOW);
  });

  it('ends the last window one settle delay before now and then waits one interval', () => {
    const plan = planPoll(state('ai_analyst', NOW - 5 * MIN), NOW, options);
    expect(plan.windows).toEqual([{ start: NOW - 15 * MIN, end: NOW - 30_000 }]);
    expect(plan.nextPollAt).toBe(NOW + MIN);
  });

  it('plans nothing while the cursor is not behind now minus settle, e.g. after the clock stepped back', () => {
    expect(planPoll(state('model_breach', NOW), NOW - HOUR, options)).toEqual({
      windows: [],
      nextPollAt: NOW - HOUR + MIN,
    });
  });
});

describe('acceptWindow', () => {
  const w: TimeWindow = { start: NOW - 20 * MIN, end: NOW - MIN };

  it('emits new breaches in creation order whatever the response order, and moves the cursor', () => {
    const a = makeModelBreach({ pbid: 1, time: NOW - 8 * MIN, creationTime: NOW - 7 * MIN });
    const b = makeModelBreach({ pbid: 2, time: NOW - 9 * MIN, creationTime: NOW - 3 * MIN });
    const c = makeModelBreach({ pbid: 3, time: NOW - 6 * MIN, creationTime: NOW - 6 * MIN });
    const result = acceptWindow(state('model_breach', NOW - 10 * MIN), w, [b, c, a], dedupe);
    expect(result.fresh.map((r) => r['pbid'])).toEqual([1, 3, 2]);
    expect(result.duplicates).toBe(0);
    expect(result.next.cursor).toBe(w.end);
    expect(result.next.seen.map(([key]) => key)).toEqual([
      `1@${NOW - 8 * MIN}`,
      `3@${NOW - 6 * MIN}`,
      `2@${NOW - 9 * MIN}`,
    ]);
  });

  it('drops what the overlap fetches again', () => {
    const a = makeModelBreach({ pbid: 1, time: NOW - 5 * MIN });
    const first = acceptWindow(state('model_breach', NOW - 20 * MIN), w, [a], dedupe);
    const again = acceptWindow(first.next, { start: w.end - 10 * MIN, end: NOW }, [a], dedupe);
    expect(again.fresh).toEqual([]);
    expect(again.duplicates).toBe(1);
  });

  it('tells apart test alerts that share a pbid but not a time', () => {
    const one = makeModelBreach({ pbid: 123, time: NOW - 15 * MIN });
    const two = makeModelBreach({ pbid: 123, time: NOW - 14 * MIN });
    expect(acceptWindow(state('model_breach', NOW - 20 * MIN), w, [one, two], dedupe).fresh).toHaveLength(2);
  });

  it('does not re-emit an acknowledged breach by default, but does when asked', () => {
    const open = makeModelBreach({ pbid: 5, time: NOW - 5 * MIN });
    const acked = { ...open, acknowledged: { time: NOW - 2 * MIN, username: 'analyst@example.com' } };
    const first = acceptWindow(state('model_breach', NOW - 20 * MIN), w, [open], dedupe);
    const next: TimeWindow = { start: w.end - 10 * MIN, end: NOW };
    expect(acceptWindow(first.next, next, [acked], dedupe).fresh).toEqual([]);
    const reemit = acceptWindow(first.next, next, [acked], { ...dedupe, reemitUpdates: true });
    expect(reemit.fresh).toEqual([acked]);
    expect(reemit.updates).toBe(1);
    // The new version is remembered: seeing it again is a duplicate.
    expect(acceptWindow(reemit.next, next, [acked], { ...dedupe, reemitUpdates: true }).fresh).toEqual([]);
  });

  it('re-emits a regrouped AI Analyst event only when updates are wanted', () => {
    const event = makeIncidentEvent({ id: 'e1', createdAt: NOW - 5 * MIN });
    const regrouped = { ...event, currentGroup: 'g-other', groupScore: '77.5' };
    const first = acceptWindow(state('ai_analyst', NOW - 20 * MIN), w, [event], dedupe);
    expect(acceptWindow(first.next, w, [regrouped], dedupe).fresh).toEqual([]);
    expect(acceptWindow(first.next, w, [regrouped], { ...dedupe, reemitUpdates: true }).fresh).toEqual([
      regrouped,
    ]);
  });

  it('keeps remembering a pinned event returned outside its window while it keeps coming back', () => {
    const pinned = makeIncidentEvent({ id: 'pinned', createdAt: NOW - 30 * HOUR, pinned: true });
    let current = state('ai_analyst', NOW - 20 * MIN);
    let emitted = 0;
    for (let i = 0; i < 5; i++) {
      const window = { start: current.cursor - 10 * MIN, end: current.cursor + 30 * MIN };
      const result = acceptWindow(current, window, [pinned], dedupe);
      emitted += result.fresh.length;
      current = result.next;
    }
    expect(emitted).toBe(1);
    // Once it stops coming back it is forgotten after one overlap.
    const later = acceptWindow(
      current,
      { start: current.cursor, end: current.cursor + 11 * MIN },
      [],
      dedupe,
    );
    expect(later.next.seen).toEqual([]);
  });

  it('forgets keys whose horizon is before the next window start', () => {
    const old = makeModelBreach({ pbid: 1, time: NOW - 60 * MIN, creationTime: NOW - 60 * MIN });
    const recent = makeModelBreach({ pbid: 2, time: NOW - 5 * MIN, creationTime: NOW - 5 * MIN });
    const result = acceptWindow(
      state('model_breach', NOW - 70 * MIN),
      { start: NOW - 80 * MIN, end: NOW },
      [old, recent],
      dedupe,
    );
    // The next window starts at NOW − overlap (10 min): pbid 1 can no longer come back.
    expect(result.next.seen.map(([key]) => key)).toEqual([`2@${NOW - 5 * MIN}`]);
  });

  it('keeps a key whose horizon is exactly the next window start, since bounds may be inclusive', () => {
    const edge = makeModelBreach({ pbid: 1, time: NOW - 10 * MIN, creationTime: NOW - 10 * MIN });
    const result = acceptWindow(
      state('model_breach', NOW - 20 * MIN),
      { start: NOW - 30 * MIN, end: NOW },
      [edge],
      dedupe,
    );
    expect(result.next.seen.map(([key]) => key)).toEqual([`1@${NOW - 10 * MIN}`]);
  });

  it('caps the remembered keys by forgetting the oldest horizons first', () => {
    const records = [1, 2, 3, 4].map((i) =>
      makeModelBreach({ pbid: i, time: NOW - (10 - i) * MIN, creationTime: NOW - (10 - i) * MIN }),
    );
    const result = acceptWindow(state('model_breach', NOW - 20 * MIN), w, records, { ...dedupe, maxSeen: 2 });
    expect(result.evicted).toBe(2);
    expect(result.next.seen.map(([key]) => key)).toEqual([`3@${NOW - 7 * MIN}`, `4@${NOW - 6 * MIN}`]);
  });

  it('dedupes records without an id by their content', () => {
    const anonymous = { summary: 'no id', createdAt: NOW - 5 * MIN };
    const first = acceptWindow(state('ai_analyst', NOW - 20 * MIN), w, [anonymous], dedupe);
    expect(first.fresh).toHaveLength(1);
    expect(acceptWindow(first.next, w, [{ ...anonymous }], dedupe).fresh).toEqual([]);
    expect(dedupeKey('ai_analyst', anonymous)).toMatch(/^#[0-9a-f]{16}$/);
  });

  it('never moves the cursor back and never modifies its inputs', () => {
    const before = state('model_breach', NOW, [['k', 'f', NOW]]);
    const frozen = Object.freeze({ ...before, seen: Object.freeze([...before.seen]) });
    const records = Object.freeze([Object.freeze(makeModelBreach({ pbid: 9, time: NOW - 5 * MIN }))]);
    const result = acceptWindow(frozen, { start: NOW - 30 * MIN, end: NOW - 20 * MIN }, records, dedupe);
    expect(result.next.cursor).toBe(NOW);
    expect(frozen.seen).toEqual([['k', 'f', NOW]]);
  });
});

describe('encodeCursor and decodeCursor', () => {
  it('round-trips a state through JSON text', () => {
    const original = state('model_breach', NOW, [
      ['1@5', 'abcdef0123456789', NOW - MIN],
      ['2@6', '0123456789abcdef', NOW],
    ]);
    const text = encodeCursor(original);
    expect(JSON.parse(text)).toMatchObject({ version: 1, kind: 'model_breach', cursor: NOW });
    expect(decodeCursor(text, 'model_breach')).toEqual(original);
  });

  it.each([
    ['text that is not JSON', '{oops', /not valid JSON/],
    ['another version', JSON.stringify({ version: 2, kind: 'ai_analyst', cursor: 1, seen: [] }), /version 2/],
    ['an unknown kind', JSON.stringify({ version: 1, kind: 'system', cursor: 1, seen: [] }), /unknown kind/],
    ['a missing cursor', JSON.stringify({ version: 1, kind: 'ai_analyst', seen: [] }), /numeric "cursor"/],
    [
      'a malformed seen list',
      JSON.stringify({ version: 1, kind: 'ai_analyst', cursor: 1, seen: [['k', 1]] }),
      /seen/,
    ],
    [
      'the other endpoint',
      JSON.stringify({ version: 1, kind: 'model_breach', cursor: 1, seen: [] }),
      /expected "ai_analyst"/,
    ],
  ])('rejects %s with ERR_DT_CURSOR', (_label, text, message) => {
    let error: unknown;
    try {
      decodeCursor(text, 'ai_analyst');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DarktraceCursorError);
    expect(error).toMatchObject({ code: 'ERR_DT_CURSOR' });
    expect((error as Error).message).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------------
// The polling loop replayed against a simulated appliance, with crashes at random points.

interface SimAlert {
  readonly n: number;
  /** Breach `time` or AI `createdAt`. */
  readonly time: number;
  /** Breach `creationTime`: usually after `time`, sometimes a little before (corpus MB line 1). */
  readonly creationTime: number;
  /** When the appliance starts returning it. */
  readonly visibleAt: number;
}

type Step = 'ok' | 'fetch-fails' | 'downstream-refuses' | 'crash-before-emit' | 'crash-after-emit';

function recordOf(kind: AlertKind, alert: SimAlert): Record<string, unknown> {
  return kind === 'model_breach'
    ? { pbid: alert.n, time: alert.time, creationTime: alert.creationTime, model: { phid: 1 } }
    : { id: `ev-${alert.n}`, createdAt: alert.time };
}

/**
 * Runs the receiver loop: plan, fetch, accept, emit, persist. A crash throws away the in-memory
 * state and reloads the last persisted text. Returns the emitted keys and how many records were
 * emitted in batches whose state was never persisted (the allowed duplicates).
 */
function replay(input: {
  kind: AlertKind;
  alerts: readonly SimAlert[];
  options: WindowOptions;
  steps: readonly Step[];
  jitters: readonly number[];
  inclusive: { start: boolean; end: boolean };
  shuffleSeed: number;
  /** Breaches are filtered on `time`, or on `creationTime` with `creationtime=true`. */
  filterOnCreation?: boolean;
}): { emitted: string[]; unpersisted: number; polls: number } {
  const { kind, alerts, options: o } = input;
  const dd: DedupeOptions = { overlapMs: o.overlapMs, maxSeen: 1_000_000, reemitUpdates: false };
  let now = NOW;
  let persisted = encodeCursor(createCursor(kind, now, o));
  let current = decodeCursor(persisted, kind);
  const emitted: string[] = [];
  let unpersisted = 0;
  let stepIndex = 0;
  let polls = 0;
  const filterTime = (a: SimAlert): number =>
    kind === 'model_breach' && input.filterOnCreation === true ? a.creationTime : a.time;
  const lastTime = Math.max(NOW, ...alerts.map(filterTime));
  const lastVisible = Math.max(NOW, ...alerts.map((a) => a.visibleAt));

  const fetch = (window: TimeWindow): Record<string, unknown>[] => {
    const found = alerts.filter(
      (a) =>
        a.visibleAt <= now &&
        (input.inclusive.start ? filterTime(a) >= window.start : filterTime(a) > window.start) &&
        (input.inclusive.end ? filterTime(a) <= window.end : filterTime(a) < window.end),
    );
    // Darktrace's response order is undocumented: serve a deterministic shuffle.
    const seed = input.shuffleSeed + polls;
    return found
      .map((a) => ({ a, k: ((a.n + 1) * 2654435761 + seed * 40503) % 1_000_003 }))
      .sort((x, y) => x.k - y.k)
      .map(({ a }) => recordOf(kind, a));
  };

  // Faults only while alerts are still arriving; then drain until every window has been read.
  const draining = (): boolean => now > lastVisible + o.pollIntervalMs;
  for (let guard = 0; guard < 20_000; guard++) {
    if (draining() && current.cursor > lastTime + o.overlapMs + o.settleMs) break;
    polls += 1;
    now += o.pollIntervalMs + (input.jitters[polls % input.jitters.length] ?? 0);
    const plan = planPoll(current, now, o);
    for (const window of plan.windows) {
      const step: Step = draining() ? 'ok' : (input.steps[stepIndex++ % input.steps.length] ?? 'ok');
      if (step === 'fetch-fails') break;
      const result = acceptWindow(current, window, fetch(window), dd);
      if (step === 'crash-before-emit') {
        current = decodeCursor(persisted, kind);
        break;
      }
      if (step === 'downstream-refuses') break;
      emitted.push(...result.fresh.map((r) => dedupeKey(kind, r)));
      if (step === 'crash-after-emit') {
        unpersisted += result.fresh.length;
        current = decodeCursor(persisted, kind);
        break;
      }
      persisted = encodeCursor(result.next);
      current = decodeCursor(persisted, kind);
    }
  }
  return { emitted, unpersisted, polls };
}

const stepArb = fc.oneof(
  { arbitrary: fc.constant<Step>('ok'), weight: 8 },
  { arbitrary: fc.constant<Step>('fetch-fails'), weight: 1 },
  { arbitrary: fc.constant<Step>('downstream-refuses'), weight: 1 },
  { arbitrary: fc.constant<Step>('crash-before-emit'), weight: 1 },
  { arbitrary: fc.constant<Step>('crash-after-emit'), weight: 1 },
);

const scenarioArb = fc
  .record({
    kind: fc.constantFrom<AlertKind>('model_breach', 'ai_analyst'),
    overlapMs: fc.integer({ min: MIN, max: 15 * MIN }),
    settleMs: fc.integer({ min: 0, max: MIN }),
    extraWindowMs: fc.integer({ min: MIN, max: 2 * HOUR }),
    pollIntervalMs: fc.integer({ min: 10_000, max: 5 * MIN }),
    maxWindowsPerPoll: fc.integer({ min: 1, max: 4 }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 200 }),
    jitters: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 20 }),
    inclusive: fc.record({ start: fc.boolean(), end: fc.boolean() }),
    shuffleSeed: fc.nat(1000),
    filterOnCreation: fc.boolean(),
    raw: fc.array(
      fc.record({
        offset: fc.integer({ min: -HOUR, max: 2 * HOUR }),
        lag: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        early: fc.integer({ min: 0, max: 5_000 }),
        creationFirst: fc.boolean(),
      }),
      { maxLength: 40 },
    ),
  })
  .map((s) => {
    const options: WindowOptions = {
      pollIntervalMs: s.pollIntervalMs,
      initialLookbackMs: HOUR,
      overlapMs: s.overlapMs,
      settleMs: s.settleMs,
      maxWindowMs: s.overlapMs + s.extraWindowMs,
      maxWindowsPerPoll: s.maxWindowsPerPoll,
    };
    // Visibility lag behind the filtered field stays under overlap + settle (at least one minute,
    // so the 5 s early creation fits): the bound the design promises to cover.
    const alerts: SimAlert[] = s.raw.map((r, n) => {
      const time = NOW + r.offset;
      const creationTime = r.creationFirst
        ? time - r.early
        : time + Math.floor(r.lag * (s.overlapMs + s.settleMs));
      return { n, time, creationTime, visibleAt: Math.max(time, creationTime) };
    });
    return { ...s, options, alerts };
  });

describe('the polling loop under crashes (property)', () => {
  it('delivers every alert at least once and repeats nothing beyond the unpersisted batches', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { emitted, unpersisted } = replay(s);
        const expected = s.alerts.map((a) => dedupeKey(s.kind, recordOf(s.kind, a)));
        const distinct = new Set(emitted);
        for (const key of expected) expect(distinct.has(key)).toBe(true);
        expect(emitted.length - distinct.size).toBeLessThanOrEqual(unpersisted);
      }),
      { numRuns: 300 },
    );
  });

  it('emits every alert exactly once when nothing crashes', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { emitted } = replay({ ...s, steps: ['ok'] });
        expect([...emitted].sort()).toEqual(
          s.alerts.map((a) => dedupeKey(s.kind, recordOf(s.kind, a))).sort(),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('loses an alert that becomes visible later than overlap plus settle (the documented limit)', () => {
    const o = { ...options, overlapMs: 2 * MIN, settleMs: 0, maxWindowsPerPoll: 10 };
    const late: SimAlert = {
      n: 1,
      time: NOW + 5 * MIN,
      creationTime: NOW + 35 * MIN,
      visibleAt: NOW + 35 * MIN,
    };
    const { emitted } = replay({
      kind: 'model_breach',
      alerts: [late],
      options: o,
      steps: ['ok'],
      jitters: [0],
      inclusive: { start: true, end: true },
      shuffleSeed: 0,
    });
    expect(emitted).toEqual([]);
  });
});

describe('defaultDedupeOptions', () => {
  it('remembers keys for the default overlap', () => {
    expect(defaultDedupeOptions.overlapMs).toBe(defaultWindowOptions.overlapMs);
  });
});
