// "Logged once per distinct cause": the first occurrence is logged at once; later ones are summed and
// logged at most once per interval, so a flood of failures never floods the log.
import type { Logger } from 'pino';

interface Pending {
  count: number;
  records: number;
  last: number;
}

export class LogOnce {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #seen = new Map<string, Pending>();

  constructor(logger: Logger, intervalMs = 60_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** Log `message` for `cause` now if new or its interval passed; otherwise count it for the next line. */
  log(
    level: 'warn' | 'error' | 'info',
    cause: string,
    records: number,
    message: (records: number) => string,
    fields: object = {},
  ): void {
    const now = Date.now();
    const p = this.#seen.get(cause);
    if (p === undefined || now - p.last >= this.#intervalMs) {
      const total = records + (p?.records ?? 0);
      this.#logger[level]({ cause, records: total, ...fields }, message(total));
      this.#seen.set(cause, { count: 0, records: 0, last: now });
    } else {
      p.count++;
      p.records += records;
    }
  }

  /** Log what is still counted (at shutdown). */
  flush(level: 'warn' | 'error', message: (cause: string, records: number) => string): void {
    for (const [cause, p] of this.#seen)
      if (p.records > 0) this.#logger[level]({ cause, records: p.records }, message(cause, p.records));
    this.#seen.clear();
  }
}
