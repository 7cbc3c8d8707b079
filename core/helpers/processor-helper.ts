// Processors written as one function. The helper counts in/out/dropped, isolates a record that throws
// (counted and dead-lettered; the rest of the batch goes on), and forwards to the next consumer.
import type { Component, Host, Settings } from '../component.js';
import type { Capabilities, LogBatch, LogRecord, LogsConsumer } from '../consumer.js';
import { errorMessage } from '../errors.js';
import { DeadLetterFile, defaultDeadLetterPath } from './dead-letter.js';
import { LogOnce } from './log-once.js';

/**
 * Result of a per-record map: the new record; a drop on purpose with a reason label (e.g. `filtered`); or a
 * record that cannot be processed, dead-lettered with the reason (a sentence) and counted as failed.
 */
export type MapResult = LogRecord | { drop: string } | { deadLetter: string };

/** A per-record processor: `keep` returns a drop reason (or undefined to keep), `map` returns a new record. */
export interface RecordProcessorSpec {
  keep?: (record: LogRecord) => string | undefined;
  map?: (record: LogRecord) => MapResult;
  /** True when `map` changes records in place instead of building new ones (rarely right). */
  mutatesData?: boolean;
  start?(signal: AbortSignal): Promise<void>;
  shutdown?(): Promise<void>;
}

/** A whole-batch processor: return the new batch (empty drops it on purpose). */
export interface BatchProcessorSpec {
  process(batch: LogBatch): LogBatch | Promise<LogBatch>;
  mutatesData?: boolean;
  start?(signal: AbortSignal): Promise<void>;
  shutdown?(): Promise<void>;
}

interface Failed {
  record: LogRecord;
  reason: string;
}
type RunFn = (batch: LogBatch, drops: Map<string, number>, failed: Failed[]) => LogBatch | Promise<LogBatch>;
interface Hooks {
  start?(signal: AbortSignal): Promise<void>;
  shutdown?(): Promise<void>;
}

class HelperProcessor implements Component, LogsConsumer {
  readonly capabilities: Capabilities;
  readonly #settings: Settings;
  readonly #next: LogsConsumer;
  readonly #run: RunFn;
  readonly #spec: Hooks;
  readonly #logOnce: LogOnce;
  #deadLetter: DeadLetterFile | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(settings: Settings, next: LogsConsumer, mutatesData: boolean, run: RunFn, spec: Hooks) {
    this.#settings = settings;
    this.#next = next;
    this.capabilities = { mutatesData };
    this.#run = run;
    this.#spec = spec;
    this.#logOnce = new LogOnce(settings.logger);
  }

  async start(_host: Host, signal: AbortSignal): Promise<void> {
    await this.#spec.start?.(signal);
  }

  async consume(batch: LogBatch, signal?: AbortSignal): Promise<void> {
    const t = this.#settings.telemetry;
    const drops = new Map<string, number>();
    const failed: Failed[] = [];
    let out: LogBatch;
    try {
      out = await this.#run(batch, drops, failed);
    } catch (err) {
      // A whole-batch function threw: keep the data (dead-letter it) and say why once.
      out = [];
      failed.push(...batch.map((record) => ({ record, reason: `processor error: ${errorMessage(err)}` })));
      this.#logOnce.log(
        'error',
        `batch:${errorMessage(err)}`,
        batch.length,
        (c) => `Processor "${this.#settings.id.id}" failed on ${c} records: ${errorMessage(err)}.`,
      );
    }
    t.accepted(batch.length);
    for (const [reason, n] of drops) t.dropped(n, reason);
    if (failed.length > 0) this.#deadLetterFailed(failed);
    if (out.length === 0) return;
    try {
      await this.#next.consume(out, signal);
    } catch (err) {
      t.refused(out.length);
      throw err;
    }
  }

  #deadLetterFailed(failed: Failed[]): void {
    this.#deadLetter ??= new DeadLetterFile(
      defaultDeadLetterPath(this.#settings.dataDir, this.#settings.id.id),
      this.#settings.id.id,
    );
    const records = failed.map((f) => f.record);
    try {
      for (const [reason, group] of Map.groupBy(failed, (f) => f.reason)) {
        this.#deadLetter.write(
          group.map((f) => f.record),
          reason,
        );
      }
      this.#settings.telemetry.failed(records.length, 'dead_lettered');
    } catch (err) {
      this.#settings.telemetry.failed(records.length, 'lost');
      this.#logOnce.log(
        'error',
        'dlq_failed',
        records.length,
        (c) => `Processor "${this.#settings.id.id}" lost ${c} records: ${errorMessage(err)}.`,
      );
    }
  }

  shutdown(_signal: AbortSignal): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.#spec.shutdown?.();
    })();
    return this.#shutdown;
  }
}

/** Build a processor from per-record functions. */
export function createRecordProcessor(
  settings: Settings,
  next: LogsConsumer,
  spec: RecordProcessorSpec,
): Component & LogsConsumer {
  const { keep, map } = spec;
  const logOnce = new LogOnce(settings.logger);
  const run = (batch: LogBatch, drops: Map<string, number>, failed: Failed[]): LogBatch => {
    const out: LogRecord[] = [];
    for (const record of batch) {
      try {
        if (keep !== undefined) {
          const reason = keep(record);
          if (reason !== undefined) {
            drops.set(reason, (drops.get(reason) ?? 0) + 1);
            continue;
          }
        }
        if (map === undefined) {
          out.push(record);
          continue;
        }
        const result = map(record);
        if ('drop' in result) drops.set(result.drop, (drops.get(result.drop) ?? 0) + 1);
        else if ('deadLetter' in result) failed.push({ record, reason: result.deadLetter });
        else out.push(result);
      } catch (err) {
        failed.push({ record, reason: `processor error: ${errorMessage(err)}` });
        logOnce.log(
          'error',
          `record:${errorMessage(err)}`,
          1,
          (c) => `Processor "${settings.id.id}" failed on ${c} records: ${errorMessage(err)}.`,
        );
      }
    }
    return out;
  };
  return new HelperProcessor(settings, next, spec.mutatesData ?? false, run, spec);
}

/** Build a processor from a whole-batch function. */
export function createBatchProcessor(
  settings: Settings,
  next: LogsConsumer,
  spec: BatchProcessorSpec,
): Component & LogsConsumer {
  const run = async (batch: LogBatch, drops: Map<string, number>): Promise<LogBatch> => {
    const out = await spec.process(batch);
    if (out.length < batch.length) drops.set('filtered', batch.length - out.length);
    return out;
  };
  return new HelperProcessor(settings, next, spec.mutatesData ?? false, run, spec);
}
