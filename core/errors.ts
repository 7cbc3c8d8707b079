/**
 * Error classes shared by every component. Each carries a stable `code`; tests and callers match on the
 * code, never on the message.
 *
 * Delivery errors tell the caller what to do with the data it offered:
 * - {@link PermanentError}: the same input will fail the same way; never retry it. Exporters dead-letter it.
 * - {@link RetryableError}: a passing condition (network, throttling, a full queue); try again, after
 *   `retryAfterMs` when the peer said how long.
 * - {@link PartialSuccessError}: part of the batch was accepted; `rejected` records were not. Do not resend
 *   the whole batch. When `failedIndexes` is known, those records (and only those) may be retried or
 *   dead-lettered.
 * - {@link SplitRequiredError}: the request was too large for the destination; halve the batch and retry.
 *
 * Configuration problems are {@link ConfigError} (a list of issues, each with a location) and
 * {@link PluginLoadError}.
 */

/** Every error dtcol raises on purpose. */
export class DtcolError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Never retry: the same input fails the same way (bad request, forbidden, malformed record). */
export class PermanentError extends DtcolError {
  /** HTTP status or protocol code that caused it, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options?: ErrorOptions & { status?: number; code?: string }) {
    super(options?.code ?? 'ERR_PERMANENT', message, options);
    this.status = options?.status;
  }
}

/** Try again later; `retryAfterMs` carries the peer's own delay (`Retry-After`) when it gave one. */
export class RetryableError extends DtcolError {
  /** Minimum delay the peer asked for, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** HTTP status or protocol code that caused it, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options?: ErrorOptions & { retryAfterMs?: number; status?: number; code?: string },
  ) {
    super(options?.code ?? 'ERR_RETRYABLE', message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.status = options?.status;
  }
}

/**
 * Part of a batch was rejected by the destination. Counted as failed records, never retried as a whole.
 * With `failedIndexes`, the exporter helper re-queues (when `retryable`) or dead-letters exactly those.
 */
export class PartialSuccessError extends DtcolError {
  /** How many records were rejected. */
  readonly rejected: number;
  /** Indexes (into the batch that was pushed) of the rejected records, when the destination said which. */
  readonly failedIndexes: readonly number[] | undefined;
  /** Whether the rejected records may be sent again. */
  readonly retryable: boolean;

  constructor(
    message: string,
    rejected: number,
    options?: ErrorOptions & { failedIndexes?: readonly number[]; retryable?: boolean },
  ) {
    super('ERR_PARTIAL_SUCCESS', message, options);
    this.rejected = rejected;
    this.failedIndexes = options?.failedIndexes;
    this.retryable = options?.retryable ?? false;
  }
}

/** The destination refused the request as too large: split the batch in two and send each half. */
export class SplitRequiredError extends DtcolError {
  readonly status: number | undefined;

  constructor(message: string, options?: ErrorOptions & { status?: number }) {
    super('ERR_SPLIT_REQUIRED', message, options);
    this.status = options?.status;
  }
}

/** A queue had no room and its policy was to refuse. Retryable by nature. */
export class QueueFullError extends RetryableError {
  constructor(message: string) {
    super(message, { code: 'ERR_QUEUE_FULL' });
  }
}

/** The component is shutting down and takes no more data. */
export class ShutdownError extends DtcolError {
  constructor(message: string) {
    super('ERR_SHUTTING_DOWN', message);
  }
}

/** Where in the configuration an issue is. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a configuration. */
export interface ConfigIssue {
  /** Stable code, e.g. `ERR_UNKNOWN_TYPE`. */
  code: string;
  severity: 'error' | 'warning';
  /** What the issue belongs to: a component id (`darktrace-rest`), `service`, `plugins` or `(top level)`. */
  component: string;
  /** Path inside that component's config, e.g. `tls.ca_file` or `pipelines.logs.exporters[1]`; may be empty. */
  path: string;
  message: string;
  location?: SourceLocation;
  /** A fix to try, e.g. `did you mean "darktrace-filter"?`. */
  suggestion?: string;
}

/** The configuration has at least one error. `issues` holds every problem found, not just the first. */
export class ConfigError extends DtcolError {
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, issues: readonly ConfigIssue[]) {
    super('ERR_CONFIG_INVALID', message);
    this.issues = issues;
  }
}

/** A plugin could not be resolved, imported or accepted. */
export class PluginLoadError extends DtcolError {
  /** The specifier as written in `plugins:`. */
  readonly specifier: string;
  /** The file it resolved to, when resolution got that far. */
  readonly resolved: string | undefined;

  constructor(code: string, message: string, specifier: string, resolved?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.specifier = specifier;
    this.resolved = resolved;
  }
}

/** Short text for an unknown thrown value, never including a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
