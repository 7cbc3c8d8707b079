// What receivers share: handing batches downstream with retry on backpressure, and dead-lettering input
// that could not be read.
import type { Settings } from '../component.js';
import type { LogBatch, LogRecord, LogsConsumer } from '../consumer.js';
import { errorMessage, RetryableError, ShutdownError } from '../errors.js';
import { createRecord } from '../records.js';
import { DeadLetterFile, defaultDeadLetterPath } from './dead-letter.js';
import { LogOnce } from './log-once.js';

const refusalLogs = new WeakMap<Settings, LogOnce>();
/** One LogOnce per component, so a refusal is logged once per cause, not per batch. */
function refusals(settings: Settings): LogOnce {
  let log = refusalLogs.get(settings);
  if (log === undefined) {
    log = new LogOnce(settings.logger);
    refusalLogs.set(settings, log);
  }
  return log;
}

/** Outcome of {@link deliverDownstream}. */
export type DeliveryOutcome = 'accepted' | 'refused' | 'aborted';

/**
 * Offer a batch to `next` until it is accepted. Retryable refusals (backpressure) are retried with backoff
 * (100 ms doubling to 5 s) until `signal` aborts; a permanent refusal gives up. Counts land in telemetry.
 */
export async function deliverDownstream(
  settings: Settings,
  next: LogsConsumer,
  batch: LogBatch,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  let delay = 100;
  for (;;) {
    try {
      await next.consume(batch, signal);
      settings.telemetry.accepted(batch.length);
      return 'accepted';
    } catch (err) {
      if (err instanceof ShutdownError || signal.aborted) {
        settings.telemetry.refused(batch.length);
        return 'aborted';
      }
      if (!(err instanceof RetryableError)) {
        settings.telemetry.refused(batch.length);
        refusals(settings).log(
          'warn',
          `refused:${errorMessage(err)}`,
          batch.length,
          (c) => `Receiver "${settings.id.id}" had ${c} records refused downstream: ${errorMessage(err)}.`,
        );
        return 'refused';
      }
      const wait = Math.max(delay, err.retryAfterMs ?? 0);
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        }, wait);
        timer.unref();
        const onAbort = (): void => {
          clearTimeout(timer);
          resolve(false);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (!ok) {
        settings.telemetry.refused(batch.length);
        return 'aborted';
      }
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Counts and dead-letters input a receiver could not read (raw text kept, with the reason). */
export class MalformedInput {
  readonly #settings: Settings;
  readonly #file: DeadLetterFile;
  readonly #logOnce: LogOnce;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#file = new DeadLetterFile(defaultDeadLetterPath(settings.dataDir, settings.id.id), settings.id.id);
    this.#logOnce = new LogOnce(settings.logger);
  }

  get path(): string {
    return this.#file.path;
  }

  /** Record one unreadable message. `reasonLabel` is a short metric label; `reason` the full sentence. */
  report(
    raw: string,
    reasonLabel: string,
    reason: string,
    attributes: Record<string, string | number> = {},
  ): void {
    this.#settings.telemetry.malformed(1, reasonLabel);
    const record: LogRecord = createRecord({
      body: raw,
      attributes: { 'dtcol.malformed.reason': reason, ...attributes },
    });
    try {
      this.#file.write([record], reason);
    } catch (err) {
      this.#settings.telemetry.failed(1, 'lost');
      this.#logOnce.log(
        'error',
        'dlq_failed',
        1,
        (c) =>
          `Receiver "${this.#settings.id.id}" could not dead-letter ${c} malformed messages: ${errorMessage(err)}.`,
      );
      return;
    }
    this.#logOnce.log(
      'warn',
      `malformed:${reasonLabel}`,
      1,
      (c) =>
        `Receiver "${this.#settings.id.id}" dead-lettered ${c} malformed messages (${reasonLabel}) to ${this.#file.path}.`,
    );
  }
}
