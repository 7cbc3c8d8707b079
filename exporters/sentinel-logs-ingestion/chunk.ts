/**
 * Splits records into Logs Ingestion calls. The service caps a call at 1,048,576 bytes "compressed
 * or not" (sentinel.md §2.2, §5.5), so sizes are measured on the uncompressed JSON array; gzip
 * never buys room. Each record is serialised once and the array size is summed, never re-serialised.
 */
import { logsIngestionMaxRequestBytes } from './classify.js';

/**
 * Default target size of one call. Below the hard cap on purpose: `@azure/monitor-ingestion` starts a
 * new chunk once its own sum reaches 1,000,000 bytes, so a chunk this size reaches the service as
 * exactly one request (Vector users settled on the same figure, sentinel.md §5.3).
 */
export const defaultMaxChunkBytes = 1_000_000;

/** Options for {@link chunkRecords}. */
export interface ChunkOptions {
  /** Target size of a call's JSON array in bytes (default {@link defaultMaxChunkBytes}). */
  readonly maxChunkBytes?: number;
  /** The service's cap; a record whose `[record]` exceeds it cannot be sent (default 1,048,576). */
  readonly hardLimitBytes?: number;
}

/** One call's worth of records, with their positions in the input. */
export interface RecordChunk<T> {
  readonly records: T[];
  readonly indexes: number[];
  /** UTF-8 bytes of `JSON.stringify(records)`. */
  readonly bytes: number;
}

/** A record that can never be sent, with the reason. */
export interface UnsendableRecord {
  readonly index: number;
  readonly bytes?: number;
  readonly reason: string;
}

/** Result of {@link chunkRecords}: every input index is in exactly one chunk or in `unsendable`. */
export interface ChunkResult<T> {
  readonly chunks: RecordChunk<T>[];
  readonly unsendable: UnsendableRecord[];
}

/** Packs records, in order, into chunks whose serialised JSON array stays within the limits. */
export function chunkRecords<T>(records: readonly T[], options: ChunkOptions = {}): ChunkResult<T> {
  const hardLimit = options.hardLimitBytes ?? logsIngestionMaxRequestBytes;
  const target = Math.min(options.maxChunkBytes ?? defaultMaxChunkBytes, hardLimit);
  if (!(target >= 3)) throw new RangeError(`maxChunkBytes must be at least 3 (got ${target})`);

  const chunks: RecordChunk<T>[] = [];
  const unsendable: UnsendableRecord[] = [];
  let current: T[] = [];
  let indexes: number[] = [];
  // Bytes of the array so far: brackets plus records plus the commas between them.
  let bytes = 2;

  const flush = (): void => {
    if (current.length === 0) return;
    chunks.push({ records: current, indexes, bytes });
    current = [];
    indexes = [];
    bytes = 2;
  };

  records.forEach((record, index) => {
    let size: number;
    try {
      const json = toJson(record);
      if (json === undefined || !isPlainRecord(record)) {
        unsendable.push({ index, reason: 'Record is not a JSON object' });
        return;
      }
      size = Buffer.byteLength(json, 'utf8');
    } catch (error) {
      unsendable.push({ index, reason: `Record cannot be serialised as JSON: ${String(error)}` });
      return;
    }
    if (size + 2 > hardLimit) {
      unsendable.push({
        index,
        bytes: size,
        reason: `Record is ${size} bytes as JSON, over the ${hardLimit}-byte Logs Ingestion call limit`,
      });
      return;
    }
    const added = current.length === 0 ? size : size + 1;
    if (current.length > 0 && bytes + added > target) flush();
    // A record between the target and the hard cap travels alone.
    bytes += current.length === 0 ? size : size + 1;
    current.push(record);
    indexes.push(index);
  });
  flush();
  return { chunks, unsendable };
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// JSON.stringify gives undefined for a value whose toJSON returns undefined; the lib type hides that.
function toJson(value: unknown): string | undefined {
  return JSON.stringify(value);
}
