import { createHash } from 'node:crypto';
import { DarktraceCursorError } from './errors.js';
import { isJsonObject, type AlertKind, type JsonObject } from './normalise.js';

/**
 * Polling and cursor logic for `/modelbreaches` and `/aianalyst/incidentevents`, as pure functions.
 *
 * The loop a receiver runs per endpoint:
 *   state = decodeCursor(persisted) ?? createCursor(kind, now)   (persist a fresh one at once)
 *   for window of planPoll(state, now).windows:
 *     records = fetch(window)                  on failure: stop, state unchanged
 *     r = acceptWindow(state, window, records)
 *     await downstream.consume(r.fresh)        on refusal: stop, state unchanged
 *     persist(encodeCursor(r.next)); state = r.next
 *
 * Why this holds across restarts (reference/darktrace.md §4):
 * - Every window starts `overlap` before the last committed end, so the inclusivity of Darktrace's
 *   bounds (undocumented) never matters, and an alert that becomes visible up to
 *   `overlap + settle` after its filter time is still inside some later window.
 * - The state moves only after downstream took the batch. A crash before that replays the same
 *   window: at most that one batch is delivered twice.
 * - `seen` remembers what was emitted for as long as it could come back (see `pruneSeen`), so the
 *   overlap never re-emits.
 */

/** Current version of the persisted cursor format. */
export const CURSOR_VERSION = 1;

/**
 * A remembered alert: dedupe key, fingerprint of its mutable fields, and its horizon (epoch ms): the
 * latest time the API could filter it on. Kept while a future window can still return it.
 */
export type SeenEntry = readonly [key: string, fingerprint: string, horizon: number];

/** Persisted polling state of one endpoint. JSON-serialisable as is. */
export interface CursorState {
  readonly version: typeof CURSOR_VERSION;
  readonly kind: AlertKind;
  /** End (epoch ms) of the last window whose records downstream accepted. */
  readonly cursor: number;
  /** Alerts already emitted near the edge, oldest horizon first. */
  readonly seen: readonly SeenEntry[];
}

/** A request window in epoch ms, sent as `starttime`/`endtime`. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Timing knobs of the polling loop (all in ms). */
export interface WindowOptions {
  /** Time between polls once caught up. */
  readonly pollIntervalMs: number;
  /** How far back the very first poll reaches (plus one overlap). */
  readonly initialLookbackMs: number;
  /** Each window re-reads this much before the last committed end; longer than the creation lag. */
  readonly overlapMs: number;
  /** Windows end this long before now, so records still being written have landed. */
  readonly settleMs: number;
  /** Longest window per request. Darktrace has no paging: one request returns the whole window. */
  readonly maxWindowMs: number;
  /** Catch-up windows per poll before handing control back (then `nextPollAt` is now). */
  readonly maxWindowsPerPoll: number;
}

/** Dedupe knobs. */
export interface DedupeOptions {
  /** Same value as {@link WindowOptions.overlapMs}; decides how long keys are remembered. */
  readonly overlapMs: number;
  /** Hard cap on remembered keys; past it the oldest are forgotten (risking a duplicate, never a loss). */
  readonly maxSeen: number;
  /** Re-emit an alert already sent when its mutable fields changed (acknowledged, regrouped, rescored). */
  readonly reemitUpdates: boolean;
}

/** Defaults: Elastic polls every minute with a 24 h first window; the overlap covers creation lag. */
export const defaultWindowOptions: WindowOptions = {
  pollIntervalMs: 60_000,
  initialLookbackMs: 24 * 3_600_000,
  overlapMs: 10 * 60_000,
  settleMs: 30_000,
  maxWindowMs: 3_600_000,
  maxWindowsPerPoll: 6,
};

/**
 * Defaults for dedupe. 20 000 keys is hours of a busy appliance's alerts inside one overlap and
 * about 1.5 MB of JSON.
 */
export const defaultDedupeOptions: DedupeOptions = {
  overlapMs: defaultWindowOptions.overlapMs,
  maxSeen: 20_000,
  reemitUpdates: false,
};

/** Problems with a set of window options, as sentences; empty when usable. */
export function checkWindowOptions(options: WindowOptions): string[] {
  const issues: string[] = [];
  const positive = [
    'pollIntervalMs',
    'initialLookbackMs',
    'overlapMs',
    'maxWindowMs',
    'maxWindowsPerPoll',
  ] as const;
  for (const name of positive) {
    if (!Number.isFinite(options[name]) || options[name] <= 0)
      issues.push(`${name} must be a positive number.`);
  }
  if (!Number.isFinite(options.settleMs) || options.settleMs < 0)
    issues.push('settleMs must not be negative.');
  // Each window advances by maxWindow − overlap; at or below zero the loop would never catch up.
  if (options.maxWindowMs <= options.overlapMs) issues.push('maxWindowMs must be longer than overlapMs.');
  return issues;
}

/** The state to persist before the first poll, so a crash during the first catch-up leaves no gap. */
export function createCursor(
  kind: AlertKind,
  now: number,
  options: Pick<WindowOptions, 'initialLookbackMs'> = defaultWindowOptions,
): CursorState {
  return { version: CURSOR_VERSION, kind, cursor: now - options.initialLookbackMs, seen: [] };
}

/** What one poll should request, assuming each window succeeds and is committed in order. */
export interface PollPlan {
  readonly windows: readonly TimeWindow[];
  /** When to poll next: now if catch-up was cut short by `maxWindowsPerPoll`, else one interval on. */
  readonly nextPollAt: number;
}

/**
 * Plans the windows of one poll. Each starts `overlap` before the previous end and is at most
 * `maxWindow` long; the last ends at `now − settle`. Nothing is planned while that point is not past
 * the cursor (including when the clock stepped back).
 */
export function planPoll(
  state: CursorState,
  now: number,
  options: WindowOptions = defaultWindowOptions,
): PollPlan {
  const target = now - options.settleMs;
  const windows: TimeWindow[] = [];
  let cursor = state.cursor;
  while (cursor < target && windows.length < options.maxWindowsPerPoll) {
    const start = cursor - options.overlapMs;
    const end = Math.min(start + options.maxWindowMs, target);
    windows.push({ start, end });
    cursor = end;
  }
  return { windows, nextPollAt: cursor < target ? now : now + options.pollIntervalMs };
}

function finite(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function shortHash(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Flat model, or the `then`/`now` halves of the un-flattened REST shape. */
function modelPhid(record: JsonObject): unknown {
  const model = record['model'];
  if (!isJsonObject(model)) return undefined;
  if ('phid' in model) return model['phid'];
  const half = isJsonObject(model['then']) ? model['then'] : model['now'];
  return isJsonObject(half) ? half['phid'] : undefined;
}

/**
 * The dedupe key: breach `pbid` + `time` (test alerts reuse one `pbid`, §8), AI event `id` (kept
 * across regrouping, §4). Records without one are keyed by a hash of their content.
 */
export function dedupeKey(kind: AlertKind, record: JsonObject): string {
  if (kind === 'model_breach') {
    const pbid = finite(record['pbid']);
    if (pbid !== undefined) return `${pbid}@${finite(record['time']) ?? ''}`;
  } else if (typeof record['id'] === 'string' && record['id'] !== '') {
    return record['id'];
  }
  return `#${shortHash(record)}`;
}

/**
 * Fingerprint of the fields that change when an alert is updated in place: for breaches Elastic's
 * fingerprint fields plus `acknowledged`; for AI events (`currentGroup`, `acknowledged`, `groupScore`).
 */
export function updateFingerprint(kind: AlertKind, record: JsonObject): string {
  if (kind === 'model_breach') {
    return shortHash([finite(record['creationTime']), modelPhid(record), record['acknowledged'] ?? false]);
  }
  return shortHash([record['currentGroup'], record['acknowledged'] ?? false, finite(record['groupScore'])]);
}

/**
 * The latest of the times the API might filter this record on: breach `time` and `creationTime`
 * (filtered on `time` unless `creationtime=true`), AI `createdAt` and period ends (the filter field
 * is undocumented). Once a window starts after it, the record cannot come back.
 */
export function recordHorizon(kind: AlertKind, record: JsonObject): number | undefined {
  const times: number[] = [];
  const push = (value: unknown): void => {
    const n = finite(value);
    if (n !== undefined) times.push(n);
  };
  if (kind === 'model_breach') {
    push(record['time']);
    push(record['creationTime']);
  } else {
    push(record['createdAt']);
    const periods = record['periods'];
    if (Array.isArray(periods)) for (const p of periods) if (isJsonObject(p)) push(p['end']);
  }
  return times.length === 0 ? undefined : Math.max(...times);
}

/** Emission order: creation time, then key. Darktrace's response order is undocumented. */
function sortTime(kind: AlertKind, record: JsonObject): number {
  const value = kind === 'model_breach' ? (record['creationTime'] ?? record['time']) : record['createdAt'];
  return finite(value) ?? Number.MAX_SAFE_INTEGER;
}

/**
 * Bounds the remembered set. A key can only return while some future window can contain it; the
 * next window starts at `cursor − overlap`, so entries whose horizon is before that are dropped.
 * What remains is about one overlap's worth of alerts (plus records the API returns outside the
 * window, e.g. pinned AI events, kept while they keep coming back). `maxSeen` caps alert storms by
 * forgetting the oldest horizons first: that risks a duplicate, never a loss.
 */
export function pruneSeen(
  seen: ReadonlyMap<string, readonly [fingerprint: string, horizon: number]>,
  cursor: number,
  options: Pick<DedupeOptions, 'overlapMs' | 'maxSeen'>,
): { readonly seen: SeenEntry[]; readonly evicted: number } {
  const floor = cursor - options.overlapMs;
  const kept: SeenEntry[] = [];
  for (const [key, [fp, horizon]] of seen) if (horizon >= floor) kept.push([key, fp, horizon]);
  kept.sort((a, b) => a[2] - b[2] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const evicted = Math.max(0, kept.length - options.maxSeen);
  return { seen: evicted > 0 ? kept.slice(evicted) : kept, evicted };
}

/** Outcome of one accepted window. */
export interface AcceptResult<T> {
  /** New (or, with `reemitUpdates`, changed) records to send downstream, in emission order. */
  readonly fresh: T[];
  /** Records dropped as already emitted. */
  readonly duplicates: number;
  /** Records in `fresh` that are changed versions of ones already emitted. */
  readonly updates: number;
  /** Keys forgotten because of `maxSeen`. */
  readonly evicted: number;
  /** The state to persist once downstream has accepted `fresh` (not before). */
  readonly next: CursorState;
}

/**
 * Dedupes the records of one window against the state and computes the state to persist after
 * downstream accepts the result. Pure: the input state and records are not modified.
 */
export function acceptWindow<T extends JsonObject>(
  state: CursorState,
  window: TimeWindow,
  records: readonly T[],
  options: DedupeOptions = defaultDedupeOptions,
): AcceptResult<T> {
  const kind = state.kind;
  const seen = new Map<string, readonly [string, number]>(state.seen.map(([k, fp, h]) => [k, [fp, h]]));
  const ordered = records
    .map((record) => ({ record, key: dedupeKey(kind, record), at: sortTime(kind, record) }))
    .sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const fresh: T[] = [];
  let duplicates = 0;
  let updates = 0;
  for (const { record, key } of ordered) {
    const fp = updateFingerprint(kind, record);
    const own = recordHorizon(kind, record);
    // A record returned although its times are before the window (pinned AI events ignore the
    // window unless includeallpinned=false) is remembered from this window's end instead.
    const horizon = own === undefined || own < window.start ? window.end : own;
    const known = seen.get(key);
    if (known === undefined) {
      fresh.push(record);
    } else if (options.reemitUpdates && known[0] !== fp) {
      fresh.push(record);
      updates += 1;
    } else {
      duplicates += 1;
    }
    seen.set(key, [fp, Math.max(horizon, known?.[1] ?? horizon)]);
  }

  const cursor = Math.max(state.cursor, window.end);
  const pruned = pruneSeen(seen, cursor, options);
  return {
    fresh,
    duplicates,
    updates,
    evicted: pruned.evicted,
    next: { version: CURSOR_VERSION, kind, cursor, seen: pruned.seen },
  };
}

/** Serialises a state for persistence (versioned JSON). */
export function encodeCursor(state: CursorState): string {
  return JSON.stringify({ version: state.version, kind: state.kind, cursor: state.cursor, seen: state.seen });
}

function isSeenEntry(value: unknown): value is SeenEntry {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    typeof value[2] === 'number' &&
    Number.isFinite(value[2])
  );
}

/**
 * Reads a persisted state. Throws `DarktraceCursorError` (`ERR_DT_CURSOR`) for text that is not a
 * cursor of this version, or of another kind than `expectedKind`.
 */
export function decodeCursor(text: string, expectedKind?: AlertKind): CursorState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DarktraceCursorError('Darktrace cursor is not valid JSON.');
  }
  if (!isJsonObject(value)) throw new DarktraceCursorError('Darktrace cursor is not a JSON object.');
  if (value['version'] !== CURSOR_VERSION) {
    throw new DarktraceCursorError(
      `Darktrace cursor has version ${JSON.stringify(value['version'])}; this build reads version ${CURSOR_VERSION}.`,
    );
  }
  const kind = value['kind'];
  if (kind !== 'model_breach' && kind !== 'ai_analyst') {
    throw new DarktraceCursorError(`Darktrace cursor has an unknown kind ${JSON.stringify(kind)}.`);
  }
  if (expectedKind !== undefined && kind !== expectedKind) {
    throw new DarktraceCursorError(`Darktrace cursor is for "${kind}", expected "${expectedKind}".`);
  }
  const cursor = value['cursor'];
  if (typeof cursor !== 'number' || !Number.isFinite(cursor)) {
    throw new DarktraceCursorError('Darktrace cursor has no numeric "cursor".');
  }
  const seen = value['seen'];
  if (!Array.isArray(seen) || !seen.every(isSeenEntry)) {
    throw new DarktraceCursorError('Darktrace cursor has a malformed "seen" list.');
  }
  return { version: CURSOR_VERSION, kind, cursor, seen };
}
