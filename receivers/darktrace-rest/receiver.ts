import { readFileSync } from 'node:fs';
import type { Component, Host, HealthStatus, Settings } from '../../core/component.js';
import type { LogRecord, LogsConsumer } from '../../core/consumer.js';
import { errorMessage } from '../../core/errors.js';
import { deliverDownstream, MalformedInput } from '../../core/helpers/receiver-helper.js';
import { createRecord, sharedResource } from '../../core/records.js';
import { eventNameForKind } from '../darktrace-syslog/kind.js';
import { alertTimeMs, msToHrTime } from '../darktrace-syslog/time.js';
import { DarktraceClient } from './client.js';
import { caFilePath, timingOf, type DarktraceRestConfig, type DarktraceRestTiming } from './config.js';
import { CursorStore, cursorFilePath } from './cursor-store.js';
import { darktraceErrorCodes, DarktraceApiError } from './errors.js';
import {
  endpointOfKind,
  isJsonObject,
  normaliseRestRecord,
  type AlertKind,
  type JsonObject,
} from './normalise.js';
import {
  acceptWindow,
  CURSOR_VERSION,
  createCursor,
  dedupeKey,
  planPoll,
  type CursorState,
  type TimeWindow,
} from './window.js';

/** A past range to pull once (epoch ms, `from` inclusive). */
export interface BackfillRange {
  readonly from: number;
  readonly to: number;
}

/** Where a backfill stands, after each window. */
export interface BackfillProgress {
  readonly kind: AlertKind;
  readonly windowsDone: number;
  readonly windowsTotal: number;
  /** Alerts returned by the API so far. */
  readonly fetched: number;
  /** Alerts handed downstream so far. */
  readonly emitted: number;
}

/** Outcome of a finished backfill. */
export interface BackfillSummary {
  readonly windows: number;
  readonly fetched: number;
  readonly emitted: number;
  readonly duplicates: number;
  readonly malformed: number;
}

/** Options that are not part of the YAML config. */
export interface DarktraceRestReceiverOptions {
  /** Pull this range once instead of polling; the live cursor is neither read nor written. */
  readonly backfill?: {
    readonly range: BackfillRange;
    readonly onProgress?: (progress: BackfillProgress) => void;
  };
}

/** Failed attempts of one backfill window before the backfill gives up. */
const backfillAttempts = 6;
/** Health by how bad each error is: a fix on our side or the appliance's is needed for `failed`. */
const failedCodes = new Set<string>([
  darktraceErrorCodes.signature,
  darktraceErrorCodes.auth,
  darktraceErrorCodes.permission,
  darktraceErrorCodes.notFound,
  darktraceErrorCodes.badRequest,
  darktraceErrorCodes.tls,
]);
const kindOfFeed = { model_breaches: 'model_breach', ai_analyst: 'ai_analyst' } as const;

type WindowOutcome =
  | {
      readonly type: 'ok';
      readonly next: CursorState;
      readonly fetched: number;
      readonly emitted: number;
      readonly duplicates: number;
      readonly malformed: number;
    }
  | { readonly type: 'aborted' }
  | { readonly type: 'error'; readonly error: unknown };

interface FeedStatus {
  /** Stable key of the current problem (error code), so each distinct one is logged once. */
  problemKey: string | undefined;
  problem: { status: HealthStatus; message: string } | undefined;
  failures: number;
}

/** Resolves after `ms` or when `signal` aborts; the timer never keeps the process alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

function codeOf(error: unknown): string {
  if (error instanceof DarktraceApiError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_INTERNAL';
}

/**
 * The `darktrace-rest` receiver: one polling loop per feed (the loop of window.ts), each committing
 * its cursor only after downstream accepted the window's records. In backfill mode it walks a fixed
 * range once, without touching the cursor file.
 */
export class DarktraceRestReceiver implements Component {
  readonly #settings: Settings;
  readonly #config: DarktraceRestConfig;
  readonly #next: LogsConsumer;
  readonly #options: DarktraceRestReceiverOptions;
  readonly #timing: DarktraceRestTiming;
  readonly #appliance: string;
  readonly #kinds: readonly AlertKind[];
  readonly #ac = new AbortController();
  readonly #malformed: MalformedInput;
  readonly #status = new Map<AlertKind, FeedStatus>();
  readonly #backfill = Promise.withResolvers<BackfillSummary>();
  readonly #loggedOnce = new Set<string>();
  #client: DarktraceClient | undefined;
  #task: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #health: string | undefined;

  constructor(
    settings: Settings,
    config: DarktraceRestConfig,
    next: LogsConsumer,
    options: DarktraceRestReceiverOptions = {},
  ) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#options = options;
    this.#timing = timingOf(config);
    this.#appliance = new URL(config.url).hostname;
    this.#kinds = (['model_breaches', 'ai_analyst'] as const)
      .filter((feed) => config.feeds[feed].enabled)
      .map((feed) => kindOfFeed[feed]);
    for (const kind of this.#kinds)
      this.#status.set(kind, { problemKey: undefined, problem: undefined, failures: 0 });
    this.#malformed = new MalformedInput(settings);
    // Nobody may be waiting on it (live mode, or a backfill shut down early): never an unhandled rejection.
    this.#backfill.promise.catch(() => undefined);
  }

  /** Backfill mode: resolves when the range has been handed downstream; rejects when it cannot be. */
  get finished(): Promise<BackfillSummary> {
    return this.#backfill.promise;
  }

  /** Where this receiver keeps its cursors. */
  get cursorPath(): string {
    return cursorFilePath(this.#settings.dataDir, this.#settings.id.id);
  }

  start(_host: Host, _signal: AbortSignal): Promise<void> {
    if (this.#task !== undefined || this.#stopped !== undefined) return Promise.resolve();
    const id = this.#settings.id.id;
    const ca = caFilePath(this.#config, this.#settings.configDir);
    const tls = this.#config.tls;
    this.#client = new DarktraceClient({
      url: this.#config.url,
      publicToken: this.#config.public_token,
      privateToken: this.#config.private_token,
      timeoutMs: this.#timing.timeoutMs,
      rejectUnauthorized: !tls.insecure_skip_verify,
      ...(ca === undefined ? {} : { ca: readFileSync(ca) }),
    });
    if (tls.insecure_skip_verify && this.#config.url.startsWith('https:')) {
      this.#settings.logger.warn(
        { url: this.#config.url },
        `Receiver "${id}" does NOT verify the TLS certificate of ${this.#appliance} (tls.insecure_skip_verify): anyone on the path can impersonate the appliance and feed it false alerts.`,
      );
    }
    const backfill = this.#options.backfill;
    const task = backfill === undefined ? this.#runLive() : this.#runBackfill(backfill.range);
    this.#task = task.catch((err: unknown) => {
      // Not expected (every poll failure is handled in the loop); never let it escape as a crash.
      this.#settings.logger.error(
        { err: errorMessage(err) },
        `Receiver "${id}" stopped polling after an unexpected error: ${errorMessage(err)}.`,
      );
      this.#settings.telemetry.setHealth('failed', `stopped: ${errorMessage(err)}`);
      this.#backfill.reject(err instanceof Error ? err : new Error(String(err)));
    });
    return Promise.resolve();
  }

  shutdown(signal: AbortSignal): Promise<void> {
    this.#stopped ??= (async () => {
      this.#ac.abort();
      this.#backfill.reject(new Error(`Receiver "${this.#settings.id.id}" was shut down.`));
      if (this.#task !== undefined) {
        // The loops stop at their next await; a cursor write in progress finishes first.
        await Promise.race([
          this.#task,
          new Promise<void>((resolve) => {
            if (signal.aborted) resolve();
            else signal.addEventListener('abort', () => resolve(), { once: true });
          }),
        ]);
      }
      await this.#client?.close().catch(() => undefined);
    })();
    return this.#stopped;
  }

  /** Read after an await, where a narrowed `signal.aborted` would be stale. */
  #stopping(): boolean {
    return this.#ac.signal.aborted;
  }

  async #runLive(): Promise<void> {
    const id = this.#settings.id.id;
    const store = new CursorStore(this.cursorPath, { receiverId: id, appliance: this.#appliance });
    const loaded = await store.load();
    if (loaded.problems.length > 0) {
      this.#settings.logger.error(
        { problems: loaded.problems, ...(loaded.movedTo !== undefined && { moved_to: loaded.movedTo }) },
        `Receiver "${id}" could not use its saved cursor (${loaded.problems.join('; ')}); the affected feeds start again ${this.#config.initial_lookback} back, so some alerts may be sent twice.`,
      );
    }
    await Promise.all(this.#kinds.map((kind) => this.#runFeed(kind, store, loaded.states[kind])));
  }

  async #runFeed(kind: AlertKind, store: CursorStore, saved: CursorState | undefined): Promise<void> {
    const signal = this.#ac.signal;
    const clock = this.#settings.clock;
    let state: CursorState = saved ?? createCursor(kind, clock.now(), this.#timing.window);
    // A fresh cursor is persisted at once: a crash during the first catch-up must not move the start.
    if (saved === undefined) await this.#save(store, state);
    let nextAt = clock.now();
    while (!signal.aborted) {
      await sleep(nextAt - clock.now(), signal);
      if (this.#stopping()) return;
      const plan = planPoll(state, clock.now(), this.#timing.window);
      let failed = false;
      for (const window of plan.windows) {
        const outcome: WindowOutcome = await this.#pollWindow(
          kind,
          state,
          window,
          this.#timing.dedupe.overlapMs,
        ).catch((error: unknown): WindowOutcome => ({ type: 'error', error }));
        if (outcome.type === 'aborted') return;
        if (outcome.type === 'error') {
          nextAt = clock.now() + this.#problem(kind, outcome.error);
          failed = true;
          break;
        }
        state = outcome.next;
        await this.#save(store, state);
      }
      if (!failed) {
        if (plan.windows.length > 0) this.#recovered(kind);
        nextAt = plan.nextPollAt;
      }
    }
  }

  async #save(store: CursorStore, state: CursorState): Promise<void> {
    try {
      await store.save(state);
      this.#forget('cursor');
    } catch (err) {
      // Polling goes on from memory; after a restart the last saved window is read again (duplicates,
      // never a gap).
      this.#once(
        'cursor',
        'error',
        `Receiver "${this.#settings.id.id}" cannot save its cursor to ${store.path}: ${errorMessage(err)}.`,
      );
    }
  }

  /** Fetch one window, hand its new alerts downstream, and compute the state to commit. */
  async #pollWindow(
    kind: AlertKind,
    state: CursorState,
    window: TimeWindow,
    overlapMs: number,
  ): Promise<WindowOutcome> {
    const signal = this.#ac.signal;
    if (signal.aborted) return { type: 'aborted' };
    let raw: unknown[];
    try {
      raw = await this.#fetch(kind, window, signal);
    } catch (error) {
      return this.#stopping() ? { type: 'aborted' } : { type: 'error', error };
    }
    const bodies: JsonObject[] = [];
    let malformed = 0;
    for (const item of raw) {
      const normalised = normaliseRestRecord(kind, item);
      if (normalised === undefined) {
        malformed += 1;
        this.#malformed.report(
          JSON.stringify(item),
          'not_object',
          `${endpointOfKind[kind]} returned an array element that is not an alert object`,
        );
      } else {
        bodies.push(normalised.body);
      }
    }
    const result = acceptWindow(state, window, bodies, { ...this.#timing.dedupe, overlapMs });
    if (result.fresh.length > 0) {
      const records = await this.#toRecords(kind, result.fresh, signal);
      const delivered = await deliverDownstream(this.#settings, this.#next, records, signal);
      if (delivered === 'aborted') return { type: 'aborted' };
      if (delivered === 'refused') {
        return {
          type: 'error',
          error: Object.assign(new Error(`downstream refused ${records.length} records`), {
            code: 'ERR_DOWNSTREAM_REFUSED',
          }),
        };
      }
    }
    if (result.duplicates > 0) this.#settings.telemetry.dropped(result.duplicates, 'duplicate');
    return {
      type: 'ok',
      next: result.next,
      fetched: raw.length,
      emitted: result.fresh.length,
      duplicates: result.duplicates,
      malformed,
    };
  }

  #fetch(kind: AlertKind, window: TimeWindow, signal: AbortSignal): Promise<unknown[]> {
    const client = this.#client;
    if (client === undefined) return Promise.reject(new Error('not started'));
    const span = { starttime: Math.floor(window.start), endtime: Math.ceil(window.end) };
    if (kind === 'model_breach') {
      const f = this.#config.feeds.model_breaches;
      return client.getModelBreaches(
        {
          ...span,
          // The UI shows breach scores ×100; the API filters on the 0–1 value (XSOAR divides too).
          ...(f.min_score > 0 && { minScore: f.min_score / 100 }),
          includeAcknowledged: f.include_acknowledged,
          historicModelOnly: f.historic_model_only,
          includeBreachUrl: f.include_breach_url,
          expandEnums: f.expand_enums,
          minimal: f.minimal,
          deviceAtTop: f.device_at_top,
          creationTime: f.creation_time,
          ...(f.include_suppressed !== undefined && { includeSuppressed: f.include_suppressed }),
          ...(f.saas_only !== undefined && { saasOnly: f.saas_only }),
        },
        signal,
      );
    }
    const f = this.#config.feeds.ai_analyst;
    return client.getIncidentEvents(
      {
        ...span,
        includeAcknowledged: f.include_acknowledged,
        includeIncidentEventUrl: f.include_incident_event_url,
        includeAllPinned: f.include_all_pinned,
        ...(f.min_score > 0 && { minScore: f.min_score }),
        ...(f.min_group_score > 0 && { minGroupScore: f.min_group_score }),
        ...(f.locale !== undefined && { locale: f.locale }),
      },
      signal,
    );
  }

  async #toRecords(
    kind: AlertKind,
    bodies: readonly JsonObject[],
    signal: AbortSignal,
  ): Promise<LogRecord[]> {
    const groups =
      kind === 'ai_analyst' && this.#config.feeds.ai_analyst_groups.enabled
        ? await this.#incidents(bodies, signal)
        : undefined;
    const resource = sharedResource({
      'service.name': 'darktrace-collector',
      'darktrace.appliance': this.#appliance,
    });
    const observed = this.#settings.clock.now();
    return bodies.map((body) => {
      const attributes: Record<string, string | number | boolean> = {
        'darktrace.alert.kind': kind,
        'darktrace.source': 'rest',
        // Stable across re-sends, for downstream dedupe (reference/darktrace.md §4 point 6).
        'darktrace.alert.dedupe_key': dedupeKey(kind, body),
      };
      const id = body['id'];
      const group = typeof id === 'string' ? groups?.get(id) : undefined;
      if (group !== undefined) Object.assign(attributes, incidentAttributes(group));
      return createRecord({
        time: msToHrTime(alertTimeMs(kind, body) ?? observed),
        observedTime: observed,
        body,
        attributes,
        eventName: eventNameForKind(kind),
        resource,
      });
    });
  }

  /** Optional enrichment: a failure is logged once and the events go out without it. */
  async #incidents(bodies: readonly JsonObject[], signal: AbortSignal): Promise<Map<string, JsonObject>> {
    const ids = bodies.map((b) => b['id']).filter((v): v is string => typeof v === 'string');
    try {
      const groups = await this.#client?.getGroupsForEvents(ids, signal);
      this.#forget('groups');
      return groups ?? new Map();
    } catch (err) {
      this.#once(
        'groups',
        'warn',
        `Receiver "${this.#settings.id.id}" sends AI Analyst events without their incident: /aianalyst/groups failed: ${errorMessage(err)}`,
      );
      return new Map();
    }
  }

  /** Records a failed poll; returns how long to wait before the next attempt. */
  #problem(kind: AlertKind, error: unknown): number {
    const status = this.#status.get(kind);
    if (status === undefined) return this.#timing.window.pollIntervalMs;
    const code = codeOf(error);
    const endpoint = endpointOfKind[kind];
    status.failures += 1;
    const message =
      code === 'ERR_DOWNSTREAM_REFUSED'
        ? `the pipeline refused the alerts of ${endpoint}; the window will be fetched again`
        : errorMessage(error).replace(/\.$/, '');
    status.problem = {
      status: failedCodes.has(code) ? 'failed' : 'degraded',
      message: `${endpoint}: ${message}`,
    };
    if (status.problemKey !== code) {
      status.problemKey = code;
      const level = failedCodes.has(code) ? 'error' : 'warn';
      this.#settings.logger[level](
        {
          code,
          endpoint,
          ...(error instanceof DarktraceApiError && error.status !== undefined && { status: error.status }),
        },
        `Receiver "${this.#settings.id.id}" cannot poll ${endpoint}: ${message}. Retrying; logged once until it recovers.`,
      );
    }
    this.#updateHealth();
    const retryable = error instanceof DarktraceApiError ? error.retryable : code !== 'ERR_INTERNAL';
    return retryable ? this.#backoff(status.failures, error) : this.#timing.window.pollIntervalMs;
  }

  #backoff(failures: number, error: unknown): number {
    const interval = this.#timing.window.pollIntervalMs;
    const first = Math.min(1000, interval);
    const base = Math.min(first * 2 ** Math.min(failures - 1, 20), Math.max(interval, first));
    const jittered = base * (0.8 + Math.random() * 0.4);
    const asked = error instanceof DarktraceApiError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, Math.min(asked, 3_600_000));
  }

  #recovered(kind: AlertKind): void {
    const status = this.#status.get(kind);
    if (status?.problemKey === undefined) return;
    this.#settings.logger.info(
      { endpoint: endpointOfKind[kind], failures: status.failures },
      `Receiver "${this.#settings.id.id}" polls ${endpointOfKind[kind]} again after ${status.failures} failed attempts.`,
    );
    status.problemKey = undefined;
    status.problem = undefined;
    status.failures = 0;
    this.#updateHealth();
  }

  #updateHealth(): void {
    const problems = [...this.#status.values()].flatMap((s) => (s.problem === undefined ? [] : [s.problem]));
    const status: HealthStatus = problems.some((p) => p.status === 'failed')
      ? 'failed'
      : problems.length > 0
        ? 'degraded'
        : 'ok';
    const message = problems.map((p) => p.message).join('; ');
    const key = `${status}:${message}`;
    if (key === this.#health) return;
    this.#health = key;
    if (status === 'ok') this.#settings.telemetry.setHealth('ok');
    else this.#settings.telemetry.setHealth(status, message);
  }

  #once(key: string, level: 'warn' | 'error', message: string): void {
    if (this.#loggedOnce.has(key)) return;
    this.#loggedOnce.add(key);
    this.#settings.logger[level](message);
  }

  #forget(key: string): void {
    this.#loggedOnce.delete(key);
  }

  async #runBackfill(range: BackfillRange): Promise<void> {
    const maxWindow = this.#timing.window.maxWindowMs;
    const spans = (): TimeWindow[] => {
      const out: TimeWindow[] = [];
      for (let start = range.from; start < range.to; start = Math.min(start + maxWindow, range.to))
        out.push({ start, end: Math.min(start + maxWindow, range.to) });
      return out;
    };
    const total = spans().length * this.#kinds.length;
    const totals = { windows: 0, fetched: 0, emitted: 0, duplicates: 0, malformed: 0 };
    try {
      for (const kind of this.#kinds) {
        // A throw-away state: windows are back to back (no overlap); `seen` only drops an alert that
        // two windows both return because it sits on their shared bound.
        let state: CursorState = { version: CURSOR_VERSION, kind, cursor: range.from, seen: [] };
        for (const window of spans()) {
          const outcome = await this.#backfillWindow(kind, state, window);
          state = outcome.next;
          totals.windows += 1;
          totals.fetched += outcome.fetched;
          totals.emitted += outcome.emitted;
          totals.duplicates += outcome.duplicates;
          totals.malformed += outcome.malformed;
          this.#options.backfill?.onProgress?.({
            kind,
            windowsDone: totals.windows,
            windowsTotal: total,
            fetched: totals.fetched,
            emitted: totals.emitted,
          });
        }
      }
      this.#backfill.resolve(totals);
    } catch (err) {
      this.#backfill.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #backfillWindow(
    kind: AlertKind,
    state: CursorState,
    window: TimeWindow,
  ): Promise<Extract<WindowOutcome, { type: 'ok' }>> {
    const at = `${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()}`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#pollWindow(kind, state, window, 0);
      if (outcome.type === 'ok') {
        this.#recovered(kind);
        return outcome;
      }
      if (outcome.type === 'aborted')
        throw new Error(`${endpointOfKind[kind]} was interrupted at the window ${at}.`);
      const wait = this.#problem(kind, outcome.error);
      const retryable = outcome.error instanceof DarktraceApiError && outcome.error.retryable;
      if (!retryable || attempt >= backfillAttempts) {
        throw new Error(
          `${endpointOfKind[kind]} stopped at the window ${at}: ${errorMessage(outcome.error).replace(/\.$/, '')}.`,
          { cause: outcome.error },
        );
      }
      await sleep(wait, this.#ac.signal);
    }
  }
}

/** Incident facts worth a filter or a SIEM column; the event body itself stays as Darktrace sent it. */
function incidentAttributes(group: JsonObject): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const put = (key: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  };
  const prefix = 'darktrace.ai_analyst.incident';
  put(`${prefix}.id`, group['id']);
  const score = group['groupScore'];
  // groupScore is a float or a numeric string (reference/darktrace.md §3.2).
  put(`${prefix}.score`, typeof score === 'string' && score.trim() !== '' ? Number(score) : score);
  put(`${prefix}.category`, group['category']);
  put(`${prefix}.acknowledged`, group['acknowledged']);
  put(`${prefix}.pinned`, group['pinned']);
  put(`${prefix}.active`, group['active']);
  put(`${prefix}.start`, group['start']);
  put(`${prefix}.end`, group['end']);
  const events = group['incidentEvents'];
  if (Array.isArray(events)) out[`${prefix}.event_count`] = events.filter(isJsonObject).length;
  return out;
}
