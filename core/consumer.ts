/**
 * The data contract between components.
 *
 * Data moves as {@link LogBatch}es: readonly arrays of OpenTelemetry log records shaped like the SDK's
 * `ReadableLogRecord` (`@opentelemetry/sdk-logs` 3.x), so the OTel serializers can encode them directly.
 *
 * Ownership: a producer calls `consume(batch)`. While the promise is pending the batch still belongs to the
 * producer's side of the contract only in the sense that it must not change it. Once the promise
 * **resolves**, the consumer owns it and the producer never touches it again. When it **rejects**, the
 * consumer took nothing: a `RetryableError` (or `QueueFullError`) means "offer it again later"
 * (backpressure), a `PermanentError` means "this data will never be accepted".
 *
 * Records are immutable. A consumer that changes records builds new ones and declares
 * `capabilities.mutatesData = true`; the fan-out then hands it its own copy, so branches never see each
 * other's changes.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** One log record: an alert with its timestamps, severity, attributes, resource and scope. */
export type LogRecord = ReadableLogRecord;

/** A batch of records. Readonly: consumers never modify a batch they were given. */
export type LogBatch = readonly LogRecord[];

/** What a consumer does to the data it receives. */
export interface Capabilities {
  /** True when the consumer changes records in place; the fan-out then gives it a private copy. */
  readonly mutatesData: boolean;
}

/** Anything that takes batches: processors, exporters, fan-outs. */
export interface LogsConsumer {
  readonly capabilities: Capabilities;
  /**
   * Offer a batch. Resolves once the consumer has taken ownership (for an exporter: the batch is in its
   * queue, on disk when the queue is persistent). Rejects with a `RetryableError` for backpressure or a
   * `PermanentError` for data that will never be accepted. `signal` aborts a wait (e.g. a blocked queue)
   * during shutdown; the promise then rejects and nothing was taken.
   */
  consume(batch: LogBatch, signal?: AbortSignal): Promise<void>;
}
