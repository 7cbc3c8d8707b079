// The delivery engine every exporter uses: bounded queue (memory or persistent) → batches by count, bytes
// and time → per-attempt timeout → retry with exponential backoff, jitter and Retry-After → dead letters.
// The exporter author writes only `push` (and optionally `encode` and `classify`).
import type { Component, Host, Settings } from '../component.js';
import type { Capabilities, LogBatch, LogRecord, LogsConsumer } from '../consumer.js';
import {
  DtcolError,
  PartialSuccessError,
  PermanentError,
  RetryableError,
  ShutdownError,
  SplitRequiredError,
  QueueFullError,
  errorMessage,
} from '../errors.js';
import { parseByteSize, parseDuration, byteSizeSchema, durationSchema } from '../units.js';
import { BodyPool } from './byte-arena.js';
import { DeadLetterFile, DeadLetterWriter, defaultDeadLetterPath } from './dead-letter.js';
import { LogOnce } from './log-once.js';
import {
  encodingOf,
  joinItems,
  MemoryQueue,
  SegmentQueue,
  SqliteQueue,
  type ExportQueue,
  type QueueItem,
} from './queue.js';
import { isAbsolute, resolve } from 'node:path';

/** The YAML shape shared by every exporter (snake_case, as in the OTel Collector). */
export interface ExporterHelperConfig {
  timeout: string;
  sending_queue: {
    queue_size: number;
    num_consumers: number;
    when_full: 'block' | 'drop_newest' | 'dead_letter';
    storage?: string;
    engine: 'sqlite' | 'segments';
    fsync: boolean;
  };
  batch: { max_records: number; max_bytes: string | number; flush_timeout: string };
  retry_on_failure: {
    enabled: boolean;
    initial_interval: string;
    max_interval: string;
    max_elapsed_time: string;
    multiplier: number;
    randomization_factor: number;
  };
  dead_letter: { enabled: boolean; path?: string };
}

/** Limits of a destination, used for schema defaults and hard caps. */
export interface DestinationLimits {
  /** Largest request body the destination takes (bytes); batches never exceed it. */
  maxBatchBytes?: number;
  /** Largest single record (bytes, as encoded); larger ones are dead-lettered at once. */
  maxRecordBytes?: number;
  /** Default records per batch. */
  defaultBatchRecords?: number;
  /** Default per-attempt timeout. */
  defaultTimeout?: string;
}

/** JSON Schema properties for the helper's config; spread them into an exporter's schema `properties`. */
export function exporterHelperSchemaProperties(limits: DestinationLimits = {}): Record<string, unknown> {
  return {
    timeout: durationSchema('Time limit for one delivery attempt.', limits.defaultTimeout ?? '30s'),
    sending_queue: {
      type: 'object',
      description: 'The bounded queue in front of this exporter; it decouples it from the other exporters.',
      additionalProperties: false,
      default: {},
      properties: {
        queue_size: {
          type: 'integer',
          minimum: 1,
          default: 5000,
          description: 'Capacity in records (waiting plus in flight).',
        },
        num_consumers: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 2,
          description: 'Requests in flight at once.',
        },
        when_full: {
          enum: ['block', 'drop_newest', 'dead_letter'],
          default: 'block',
          description:
            'When the queue is full: block (push back on the receivers; couples the exporters of a pipeline), ' +
            'drop_newest (drop and count), or dead_letter (write the overflow to the dead-letter file; nothing is lost ' +
            'and the other exporters keep flowing).',
        },
        storage: {
          type: 'string',
          description:
            'Directory for a persistent queue (relative to the config file). Records are on disk before they are ' +
            'accepted and are sent after a crash or restart.',
        },
        engine: {
          enum: ['sqlite', 'segments'],
          default: 'sqlite',
          description:
            'Persistent queue engine: sqlite (one SQLite file, WAL) or segments (append-only files). See the README benchmarks.',
        },
        fsync: {
          type: 'boolean',
          default: true,
          description:
            'Persistent queue: fsync every write (survives power loss; slower). false survives process crashes only.',
        },
      },
    },
    batch: {
      type: 'object',
      description: "How records are grouped into requests; never above the destination's limits.",
      additionalProperties: false,
      default: {},
      properties: {
        max_records: {
          type: 'integer',
          minimum: 1,
          default: limits.defaultBatchRecords ?? 500,
          description: 'Most records per request.',
        },
        max_bytes: byteSizeSchema(
          'Most encoded bytes per request (capped at the destination limit).',
          limits.maxBatchBytes ?? '4MiB',
        ),
        flush_timeout: durationSchema('Send a partial batch after waiting this long.', '200ms'),
      },
    },
    retry_on_failure: {
      type: 'object',
      description:
        'Retry of retryable failures (throttling, 5xx, network); permanent failures are dead-lettered.',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Retry at all.' },
        initial_interval: durationSchema('First wait before a retry.', '1s'),
        max_interval: durationSchema('Longest wait between retries.', '30s'),
        max_elapsed_time: durationSchema(
          'Give up (dead-letter) after retrying this long; 0 retries forever.',
          '5m',
        ),
        multiplier: { type: 'number', minimum: 1, default: 1.5, description: 'Backoff growth per retry.' },
        randomization_factor: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: 0.5,
          description: 'Jitter: each wait is randomised by ± this fraction.',
        },
      },
    },
    dead_letter: {
      type: 'object',
      description:
        'Where records go that failed permanently or ran out of retries (NDJSON; `dtcol dlq replay`).',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Keep failed records (recommended).' },
        path: {
          type: 'string',
          description:
            'File path (relative to the config file). Default: <data_dir>/dead-letter/<exporter id>.ndjson.',
        },
      },
    },
  };
}

/**
 * One request's worth of records, as handed to `push`. Read it while `push` runs: once the batch is delivered (or
 * dead-lettered) a compact queue reuses the memory its encodings were in, so keep copies (the strings from
 * `encoded`, the records, the joined Buffer), never the batch itself. With `reuseBodies` the joined Buffer is
 * reused too: copy it to keep it.
 */
export interface ExportBatch {
  readonly records: readonly LogRecord[];
  /** `encode(record)` for each record when the exporter gave an encoder. */
  readonly encoded: readonly string[] | undefined;
  /**
   * The encodings joined into one UTF-8 request body: `open` e1 `separator` e2 … `close` (for a JSON array:
   * `join('[', ',', ']')`). The cheapest way to build a body: a compact queue's records are never turned back into
   * strings.
   */
  join(open: string, separator: string, close: string): Buffer;
  /** Sum of the encoded lengths in bytes (0 without an encoder). */
  readonly bytes: number;
}

/** What an exporter author supplies. */
export interface ExporterSpec {
  /** Send one batch. Resolve on success; throw PermanentError, RetryableError, PartialSuccessError or SplitRequiredError. */
  push(batch: ExportBatch, signal: AbortSignal): Promise<void>;
  /** Encode one record as it will be sent (used for byte limits; handed back in `batch.encoded`). */
  encode?: (record: LogRecord) => string;
  /**
   * Rebuild a record from its encoding. Give it (with `encode`) when `push` needs only `batch.encoded`: the memory
   * queue then keeps each record as its encoding alone, a fraction of the memory and GC work under load. Dead
   * letters and `batch.records` hold the rebuilt records, so they carry what the destination would have got.
   */
  decode?: (encoded: string) => LogRecord;
  /**
   * True when `push` is done with the body `batch.join` gave it once push resolves (it awaited the response, not
   * just handed the body to a stream): the helper then reuses that memory for later batches instead of leaving a
   * large buffer per request to the garbage collector. Never set it for a push that may still be writing the body
   * after it resolves.
   */
  reuseBodies?: boolean;
  /** Map a thrown value that is not a DtcolError (network errors, SDK errors) to one. */
  classify?: (err: unknown) => DtcolError;
  /** Open connections, fetch tokens... (after the queue is ready). */
  start?(signal: AbortSignal): Promise<void>;
  /** Release what start opened (after the queue drained). */
  shutdown?(): Promise<void>;
  /** Hard limits of the destination. */
  limits?: DestinationLimits;
}

const retryableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Default classification: network errors and timeouts are retryable; unknown errors too (never lose data). */
export function classifyError(err: unknown): DtcolError {
  if (err instanceof DtcolError) return err;
  const e = err as { code?: string; name?: string; cause?: unknown };
  const code = e.code ?? (e.cause as { code?: string } | undefined)?.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return new RetryableError(`attempt timed out`, { cause: err });
  if (code !== undefined && retryableCodes.has(code))
    return new RetryableError(`network error ${code}: ${errorMessage(err)}`, { cause: err });
  return new RetryableError(errorMessage(err), { cause: err });
}

/** Parse `Retry-After` (seconds or an HTTP date) to milliseconds. */
export function parseRetryAfter(
  value: string | string[] | undefined | null,
  now = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Wait `ms`, or until the signal aborts (then resolve false). Timers are unref'd. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settle with `promise`, or reject when `signal` aborts first (a push that ignores its signal cannot hang us). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass through what push threw
        reject(e);
      },
    );
  });
}

/** A wake-up flag: wait() resolves on the next notify() or after a timeout. */
class Wakeup {
  #resolve: (() => void) | undefined;
  #promise: Promise<void> | undefined;

  notify(): void {
    const r = this.#resolve;
    this.#resolve = undefined;
    this.#promise = undefined;
    r?.();
  }

  wait(timeoutMs: number): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    if (!Number.isFinite(timeoutMs)) return this.#promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
      timer.unref();
    });
    return Promise.race([this.#promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * What `push` gets: records and encodings are built from the items on first use, so an exporter that sends the
 * joined body never rebuilds a compact queue's records or strings. (Prototype getters: an object literal with
 * accessors made per batch was measurably slower on the core benchmark.)
 */
class QueuedBatch implements ExportBatch {
  readonly bytes: number;
  readonly #items: readonly QueueItem[];
  readonly #hasEncoder: boolean;
  readonly #recordOf: (item: QueueItem) => LogRecord;
  readonly #pool: BodyPool | undefined;
  readonly #lent: Buffer[] = [];
  #records: readonly LogRecord[] | undefined;
  #encoded: readonly string[] | undefined;

  constructor(
    items: readonly QueueItem[],
    hasEncoder: boolean,
    bytes: number,
    recordOf: (item: QueueItem) => LogRecord,
    pool: BodyPool | undefined,
  ) {
    this.#items = items;
    this.#pool = pool;
    this.#hasEncoder = hasEncoder;
    this.bytes = bytes;
    this.#recordOf = recordOf;
  }

  get records(): readonly LogRecord[] {
    return (this.#records ??= this.#items.map(this.#recordOf));
  }

  get encoded(): readonly string[] | undefined {
    return this.#hasEncoder ? (this.#encoded ??= this.#items.map(encodingOf)) : undefined;
  }

  join(open: string, separator: string, close: string): Buffer {
    const pool = this.#pool;
    if (pool === undefined) return joinItems(this.#items, open, separator, close);
    return joinItems(this.#items, open, separator, close, (size) => {
      const buf = pool.take(size);
      this.#lent.push(buf);
      return buf;
    });
  }

  /** push resolved: the bodies it was given are free for later batches. */
  release(): void {
    for (const buf of this.#lent.splice(0)) this.#pool?.give(buf);
  }
}

/** A queued exporter: the Component + LogsConsumer the runtime sees. */
export class QueuedExporter implements Component, LogsConsumer {
  readonly capabilities: Capabilities = { mutatesData: false };
  readonly #settings: Settings;
  readonly #spec: ExporterSpec;
  readonly #queue: ExportQueue;
  readonly #capacity: number;
  readonly #whenFull: ExporterHelperConfig['sending_queue']['when_full'];
  readonly #workers: number;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxRecordBytes: number;
  readonly #flushMs: number;
  readonly #timeoutMs: number;
  readonly #retry: {
    enabled: boolean;
    initial: number;
    max: number;
    maxElapsed: number;
    multiplier: number;
    jitter: number;
  };
  readonly #deadLetter: DeadLetterWriter | undefined;
  readonly #bodies: BodyPool | undefined;
  readonly #logOnce: LogOnce;
  readonly #wakeDispatcher = new Wakeup();
  readonly #spaceWaiters: { n: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Aborted when the shutdown deadline passes: stops waits and in-flight attempts. */
  readonly #hardStop = new AbortController();
  #busy = 0;
  #draining = false;
  #stopped = false;
  #oldestPendingAt = 0;
  #dispatcher: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(settings: Settings, config: ExporterHelperConfig, spec: ExporterSpec) {
    this.#settings = settings;
    this.#spec = spec;
    const q = config.sending_queue;
    this.#capacity = q.queue_size;
    this.#whenFull = q.when_full;
    this.#workers = q.num_consumers;
    const limits = spec.limits ?? {};
    this.#maxRecords = config.batch.max_records;
    this.#maxBytes = Math.min(parseByteSize(config.batch.max_bytes), limits.maxBatchBytes ?? Infinity);
    this.#maxRecordBytes = limits.maxRecordBytes ?? this.#maxBytes;
    this.#flushMs = parseDuration(config.batch.flush_timeout);
    this.#timeoutMs = parseDuration(config.timeout);
    const r = config.retry_on_failure;
    this.#retry = {
      enabled: r.enabled,
      initial: parseDuration(r.initial_interval),
      max: parseDuration(r.max_interval),
      maxElapsed: parseDuration(r.max_elapsed_time),
      multiplier: r.multiplier,
      jitter: r.randomization_factor,
    };
    const safeId = settings.id.id.replace(/[^A-Za-z0-9_.-]/g, '_');
    const storageDir =
      q.storage === undefined
        ? undefined
        : isAbsolute(q.storage)
          ? q.storage
          : resolve(settings.configDir, q.storage);
    this.#queue =
      storageDir === undefined
        ? new MemoryQueue(spec.encode === undefined ? undefined : spec.decode)
        : q.engine === 'segments'
          ? new SegmentQueue(storageDir, safeId, { fsync: q.fsync })
          : new SqliteQueue(storageDir, safeId, { fsync: q.fsync });
    const dl = config.dead_letter;
    this.#deadLetter = dl.enabled
      ? new DeadLetterWriter(
          new DeadLetterFile(
            dl.path === undefined
              ? defaultDeadLetterPath(settings.dataDir, settings.id.id)
              : resolve(settings.configDir, dl.path),
            settings.id.id,
          ),
          settings.id.id,
        )
      : undefined;
    this.#bodies = spec.reuseBodies === true ? new BodyPool(q.num_consumers) : undefined;
    this.#logOnce = new LogOnce(settings.logger);
    settings.telemetry.observeQueue(
      () => this.#queue.size,
      () => this.#capacity,
    );
  }

  /** Where failed records go (undefined when dead-lettering is off). */
  get deadLetterPath(): string | undefined {
    return this.#deadLetter?.path;
  }

  /** Records waiting or in flight. */
  get queueSize(): number {
    return this.#queue.size;
  }

  async start(_host: Host, signal: AbortSignal): Promise<void> {
    await this.#spec.start?.(signal);
    if (this.#queue.size > 0) {
      this.#settings.logger.info(
        { records: this.#queue.size },
        `Exporter "${this.#settings.id.id}" resumes ${this.#queue.size} records from its persistent queue.`,
      );
      this.#oldestPendingAt = Date.now() - this.#flushMs;
    }
    this.#dispatcher = this.#dispatch();
  }

  async consume(batch: LogBatch, signal?: AbortSignal): Promise<void> {
    const n = batch.length;
    if (n === 0) return;
    if (this.#draining) {
      this.#settings.telemetry.refused(n);
      throw new ShutdownError(`Exporter "${this.#settings.id.id}" is shutting down.`);
    }
    if (this.#queue.size + n > this.#capacity && this.#queue.size > 0) {
      if (this.#whenFull === 'drop_newest') {
        this.#settings.telemetry.dropped(n, 'queue_full');
        this.#logOnce.log(
          'warn',
          'queue_full',
          n,
          (c) => `Exporter "${this.#settings.id.id}" dropped ${c} records: queue full.`,
        );
        return;
      }
      if (this.#whenFull === 'dead_letter') {
        await this.#toDeadLetter(batch, 'queue full', 0);
        return;
      }
      await this.#waitForSpace(n, signal);
    }
    try {
      const queue = this.#queue;
      if (queue instanceof MemoryQueue && queue.compact) queue.offerEncoded(await this.#encodeAll(batch));
      else queue.offer(batch);
    } catch (err) {
      // A disk error: the records are not durable, so refuse them (the receiver sees a retryable error).
      this.#settings.telemetry.refused(n);
      this.#logOnce.log(
        'error',
        'enqueue_failed',
        n,
        (c) => `Exporter "${this.#settings.id.id}" could not queue ${c} records: ${errorMessage(err)}.`,
      );
      throw new RetryableError(`could not queue records: ${errorMessage(err)}`, { cause: err });
    }
    this.#settings.telemetry.accepted(n);
    if (this.#oldestPendingAt === 0) this.#oldestPendingAt = Date.now();
    this.#wakeDispatcher.notify();
  }

  /** Encodings for a compact queue; a record that cannot be encoded is dead-lettered, not retried forever. */
  async #encodeAll(batch: LogBatch): Promise<string[]> {
    const encode = this.#spec.encode;
    if (encode === undefined) throw new Error('internal: compact queue without an encoder');
    const out: string[] = [];
    let bad: { record: LogRecord; error: unknown }[] | undefined;
    for (const record of batch) {
      try {
        out.push(encode(record));
      } catch (error) {
        (bad ??= []).push({ record, error });
      }
    }
    if (bad !== undefined) {
      await this.#toDeadLetter(
        bad.map((b) => b.record),
        `record could not be encoded: ${errorMessage(bad[0]?.error)}`,
        0,
      );
    }
    return out;
  }

  /** An item's record (rebuilt from its encoding in a compact queue). */
  #recordOf(item: QueueItem): LogRecord {
    if (item.record !== undefined) return item.record;
    const queue = this.#queue;
    if (queue instanceof MemoryQueue) return queue.recordOf(item);
    throw new Error('internal: queue item without a record');
  }

  #waitForSpace(n: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        n,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const i = this.#spaceWaiters.indexOf(waiter);
        if (i >= 0) this.#spaceWaiters.splice(i, 1);
        this.#settings.telemetry.refused(n);
        reject(new QueueFullError(`Exporter "${this.#settings.id.id}" queue is full.`));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#spaceWaiters.push(waiter);
    });
  }

  #releaseSpace(): void {
    while (this.#spaceWaiters.length > 0) {
      const w = this.#spaceWaiters[0];
      if (w === undefined || (this.#queue.size + w.n > this.#capacity && this.#queue.size > 0)) break;
      this.#spaceWaiters.shift();
      w.resolve();
    }
  }

  async #dispatch(): Promise<void> {
    while (!this.#stopped) {
      const pending = this.#queue.pending;
      const freeWorker = this.#busy < this.#workers;
      const due =
        pending >= this.#maxRecords ||
        (pending > 0 && (this.#draining || Date.now() - this.#oldestPendingAt >= this.#flushMs));
      if (!freeWorker || !due) {
        if (this.#draining && pending === 0 && this.#busy === 0) return;
        const wait =
          pending > 0 && freeWorker ? this.#flushMs - (Date.now() - this.#oldestPendingAt) : Infinity;
        await this.#wakeDispatcher.wait(wait);
        continue;
      }
      const items = this.#formBatch();
      this.#oldestPendingAt = this.#queue.pending > 0 ? Date.now() : 0;
      if (items.length === 0) continue;
      this.#busy++;
      const job = this.#deliver(items)
        .catch((err: unknown) => {
          this.#settings.logger.error(
            { err: errorMessage(err) },
            `Exporter "${this.#settings.id.id}" delivery failed unexpectedly.`,
          );
        })
        .finally(() => {
          this.#busy--;
          this.#inFlight.delete(job);
          this.#releaseSpace();
          this.#wakeDispatcher.notify();
        });
      this.#inFlight.add(job);
    }
  }

  /** Take up to max_records pending items whose encoded size fits max_bytes (at least one). */
  #formBatch(): QueueItem[] {
    const encode = this.#spec.encode;
    const candidates = this.#queue.peek(this.#maxRecords);
    if (encode === undefined) return this.#queue.take(candidates.length);
    let bytes = 0;
    let count = 0;
    const tooLarge: QueueItem[] = [];
    for (const item of candidates) {
      if (item.bytes === undefined) {
        item.encoded = encode(this.#recordOf(item));
        item.bytes = Buffer.byteLength(item.encoded);
      }
      const size = item.bytes ?? 0;
      if (size > this.#maxRecordBytes) {
        if (count === 0) {
          tooLarge.push(item);
          count++;
          continue;
        }
        break;
      }
      if (count > tooLarge.length && bytes + size > this.#maxBytes) break;
      bytes += size;
      count++;
    }
    const taken = this.#queue.take(count);
    if (tooLarge.length > 0) {
      const big = taken.splice(0, tooLarge.length);
      this.#track(
        this.#deadLetterItems(
          big,
          `record larger than the destination limit of ${this.#maxRecordBytes} bytes`,
          0,
        ),
      );
    }
    return taken;
  }

  async #deliver(items: QueueItem[]): Promise<void> {
    const started = Date.now();
    let attempts = 0;
    let interval = this.#retry.initial;
    let todo = items;
    for (;;) {
      attempts++;
      const hasEncoder = this.#spec.encode !== undefined;
      const bytes = hasEncoder ? todo.reduce((s, i) => s + (i.bytes ?? 0), 0) : 0;
      const attemptSignal = AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#hardStop.signal]);
      const batch = new QueuedBatch(todo, hasEncoder, bytes, (i) => this.#recordOf(i), this.#bodies);
      let error: DtcolError;
      try {
        await raceAbort(this.#spec.push(batch, attemptSignal), attemptSignal);
        // Only after push itself resolved: a push cut short by the timeout may still be sending its body.
        batch.release();
        this.#settings.telemetry.sent(todo.length);
        this.#settings.telemetry.setHealth('ok');
        this.#queue.ack(todo);
        return;
      } catch (err) {
        error =
          attemptSignal.aborted && !(err instanceof DtcolError)
            ? classifyError(Object.assign(new Error('attempt timed out'), { name: 'TimeoutError' }))
            : (this.#spec.classify ?? classifyError)(err);
        if (!(error instanceof DtcolError)) error = classifyError(err);
      }
      if (this.#hardStop.signal.aborted) {
        await this.#abandon(todo, attempts);
        return;
      }
      const status = (error as { status?: number }).status;
      if (error instanceof SplitRequiredError) {
        if (todo.length === 1) {
          await this.#deadLetterItems(
            todo,
            `too large for the destination even alone: ${error.message}`,
            attempts,
            status,
          );
          return;
        }
        const half = Math.ceil(todo.length / 2);
        await this.#deliver(todo.slice(0, half));
        await this.#deliver(todo.slice(half));
        return;
      }
      if (error instanceof PartialSuccessError) {
        const failed = error.failedIndexes;
        if (failed === undefined || failed.length === 0) {
          this.#settings.telemetry.sent(todo.length - error.rejected);
          this.#settings.telemetry.failed(error.rejected, 'partial_success');
          this.#logOnce.log(
            'warn',
            `partial:${error.message}`,
            error.rejected,
            (c) =>
              `Exporter "${this.#settings.id.id}" had ${c} records rejected by the destination: ${error.message}`,
          );
          this.#queue.ack(todo);
          return;
        }
        const failedSet = new Set(failed);
        const ok = todo.filter((_, i) => !failedSet.has(i));
        const bad = todo.filter((_, i) => failedSet.has(i));
        this.#settings.telemetry.sent(ok.length);
        this.#queue.ack(ok);
        if (!error.retryable) {
          await this.#deadLetterItems(bad, `rejected by the destination: ${error.message}`, attempts, status);
          return;
        }
        todo = bad;
      } else if (error instanceof PermanentError || !(error instanceof RetryableError)) {
        await this.#deadLetterItems(todo, error.message, attempts, status);
        return;
      }
      // Retryable (whole batch or the failed part of it).
      const elapsed = Date.now() - started;
      const retryAfter = error instanceof RetryableError ? (error.retryAfterMs ?? 0) : 0;
      const jittered = interval * (1 + this.#retry.jitter * (2 * Math.random() - 1));
      const delay = Math.max(jittered, retryAfter);
      if (!this.#retry.enabled || (this.#retry.maxElapsed > 0 && elapsed + delay > this.#retry.maxElapsed)) {
        await this.#deadLetterItems(
          todo,
          `gave up after ${attempts} attempts: ${error.message}`,
          attempts,
          status,
        );
        return;
      }
      this.#settings.telemetry.retried();
      this.#settings.telemetry.setHealth('degraded', `retrying: ${error.message}`);
      this.#logOnce.log(
        'warn',
        `retry:${error.code}:${String(status)}`,
        todo.length,
        (c) => `Exporter "${this.#settings.id.id}" is retrying ${c} records: ${error.message}.`,
      );
      if (!(await sleep(delay, this.#hardStop.signal))) {
        await this.#abandon(todo, attempts);
        return;
      }
      interval = Math.min(interval * this.#retry.multiplier, this.#retry.max);
    }
  }

  /** The shutdown deadline passed with these records undelivered. */
  async #abandon(items: QueueItem[], attempts: number): Promise<void> {
    if (this.#queue.persistent) return; // still on disk: sent after the next start
    await this.#deadLetterItems(items, 'not delivered before the shutdown deadline', attempts);
  }

  /** Keep a background job in the in-flight set, so shutdown waits for it. */
  #track(job: Promise<void>): void {
    const tracked = job.finally(() => {
      this.#inFlight.delete(tracked);
      this.#releaseSpace();
    });
    this.#inFlight.add(tracked);
  }

  /** Dead-letter queue items, then acknowledge them (the dead-letter file is their durable home). */
  async #deadLetterItems(
    items: QueueItem[],
    reason: string,
    attempts: number,
    status?: number,
  ): Promise<void> {
    await this.#toDeadLetter(
      items.map((i) => this.#recordOf(i)),
      reason,
      attempts,
      status,
    );
    this.#queue.ack(items);
  }

  async #toDeadLetter(
    records: readonly LogRecord[],
    reason: string,
    attempts: number,
    status?: number,
  ): Promise<void> {
    const n = records.length;
    const id = this.#settings.id.id;
    if (this.#deadLetter === undefined) {
      this.#settings.telemetry.failed(n, 'dropped');
      this.#logOnce.log(
        'error',
        `drop:${reason}`,
        n,
        (c) => `Exporter "${id}" dropped ${c} records: ${reason}.`,
      );
      return;
    }
    try {
      await this.#deadLetter.append(records, reason, { ...(status !== undefined && { status }), attempts });
      this.#settings.telemetry.failed(n, 'dead_lettered');
      this.#logOnce.log(
        'error',
        `dlq:${reason}`,
        n,
        (c) => `Exporter "${id}" dead-lettered ${c} records to ${this.#deadLetter?.path ?? ''}: ${reason}.`,
      );
    } catch (err) {
      this.#settings.telemetry.failed(n, 'lost');
      this.#logOnce.log(
        'error',
        `dlq_failed`,
        n,
        (c) =>
          `Exporter "${id}" lost ${c} records: the dead-letter file could not be written (${errorMessage(err)}); reason was: ${reason}.`,
      );
    }
  }

  shutdown(signal: AbortSignal): Promise<void> {
    this.#shutdown ??= this.#doShutdown(signal);
    return this.#shutdown;
  }

  async #doShutdown(signal: AbortSignal): Promise<void> {
    this.#draining = true;
    for (const w of this.#spaceWaiters.splice(0))
      w.reject(new ShutdownError(`Exporter "${this.#settings.id.id}" is shutting down.`));
    const onAbort = (): void => this.#hardStop.abort();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    this.#wakeDispatcher.notify();
    if (this.#dispatcher !== undefined) {
      // Drain: the dispatcher flushes everything pending and returns when idle, or we hit the deadline.
      await Promise.race([
        this.#dispatcher,
        new Promise<void>((r) => this.#hardStop.signal.addEventListener('abort', () => r(), { once: true })),
      ]);
    }
    this.#stopped = true;
    this.#wakeDispatcher.notify();
    await Promise.allSettled([...this.#inFlight]);
    if (this.#queue instanceof MemoryQueue && this.#queue.pending > 0) {
      await this.#toDeadLetter(this.#queue.drainAll(), 'not delivered before the shutdown deadline', 0);
    }
    if (this.#queue.persistent && this.#queue.size > 0) {
      this.#settings.logger.info(
        { records: this.#queue.size },
        `Exporter "${this.#settings.id.id}" keeps ${this.#queue.size} undelivered records in its persistent queue for the next start.`,
      );
    }
    signal.removeEventListener('abort', onAbort);
    this.#logOnce.flush(
      'warn',
      (cause, c) => `Exporter "${this.#settings.id.id}": ${c} more records (${cause}).`,
    );
    this.#queue.close();
    await this.#spec.shutdown?.();
  }
}

/** Wrap an exporter spec with the queue, batching, retry and dead-letter machinery. */
export function createQueuedExporter(
  settings: Settings,
  config: ExporterHelperConfig,
  spec: ExporterSpec,
): QueuedExporter {
  return new QueuedExporter(settings, config, spec);
}
