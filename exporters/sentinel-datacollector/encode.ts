/**
 * Turns records into HTTP Data Collector request bodies (sentinel.md §1.1, §1.5): JSON arrays under
 * the 30,000,000-byte POST cap, each record serialised once, and field values over the 32 KB limit
 * truncated (and counted) or refused, so nothing is cut silently by the service.
 */

/** POST size cap; one page says 32 MB, the serilog sink needed a bit under 30 MiB, so 30,000,000. */
export const defaultMaxBodyBytes = 30_000_000;

/** The service trims longer values: "trimmed to the max allowed size, 32766 bytes" (Azure/Azure-Sentinel#10826). */
export const defaultMaxFieldBytes = 32_766;

/** Options for {@link encodeDataCollectorBodies}. */
export interface EncodeOptions {
  /** Cap on one body in bytes (default {@link defaultMaxBodyBytes}). */
  readonly maxBodyBytes?: number;
  /** Cap on one string value in UTF-8 bytes (default {@link defaultMaxFieldBytes}). */
  readonly maxFieldBytes?: number;
  /** `truncate` (default) cuts long strings and counts them; `reject` reports the record instead. */
  readonly oversizeFields?: 'truncate' | 'reject';
}

/** One request body and the input indexes of the records it holds, in order. */
export interface EncodedBody {
  readonly body: Buffer;
  readonly indexes: number[];
}

/** A record left out of every body, for dead-lettering. */
export interface RejectedRecord {
  readonly index: number;
  readonly reason: string;
}

/** Every input index is in exactly one body or in `rejected`. */
export interface EncodeResult {
  readonly bodies: EncodedBody[];
  readonly rejected: RejectedRecord[];
  /** String values cut to `maxFieldBytes`. */
  readonly truncatedFields: number;
  /** Records with at least one cut value. */
  readonly truncatedRecords: number;
}

/** Encodes flat records (nested objects allowed; the service flattens them) into request bodies. */
export function encodeDataCollectorBodies(
  records: readonly unknown[],
  options: EncodeOptions = {},
): EncodeResult {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const maxFieldBytes = options.maxFieldBytes ?? defaultMaxFieldBytes;
  const mode = options.oversizeFields ?? 'truncate';
  if (!(maxBodyBytes >= 3)) throw new RangeError(`maxBodyBytes must be at least 3 (got ${maxBodyBytes})`);
  if (!(maxFieldBytes >= 1)) throw new RangeError(`maxFieldBytes must be at least 1 (got ${maxFieldBytes})`);

  const bodies: EncodedBody[] = [];
  const rejected: RejectedRecord[] = [];
  let truncatedFields = 0;
  let truncatedRecords = 0;

  let parts: string[] = [];
  let indexes: number[] = [];
  let bytes = 2;
  const flush = (): void => {
    if (parts.length === 0) return;
    bodies.push({ body: Buffer.from(`[${parts.join(',')}]`, 'utf8'), indexes });
    parts = [];
    indexes = [];
    bytes = 2;
  };

  records.forEach((record, index) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      rejected.push({ index, reason: 'Record is not a JSON object' });
      return;
    }
    const limited = limitStrings(record as Record<string, unknown>, maxFieldBytes);
    if (limited.cut > 0 && mode === 'reject') {
      rejected.push({
        index,
        reason: `Record has ${limited.cut} value(s) over the ${maxFieldBytes}-byte field limit (${limited.paths.join(', ')})`,
      });
      return;
    }
    let json: string | undefined;
    try {
      json = toJson(limited.value);
    } catch (error) {
      rejected.push({ index, reason: `Record cannot be serialised as JSON: ${String(error)}` });
      return;
    }
    if (json === undefined) {
      rejected.push({ index, reason: 'Record cannot be serialised as JSON' });
      return;
    }
    const size = Buffer.byteLength(json, 'utf8');
    if (size + 2 > maxBodyBytes) {
      rejected.push({
        index,
        reason: `Record is ${size} bytes as JSON, over the ${maxBodyBytes}-byte request limit`,
      });
      return;
    }
    if (limited.cut > 0) {
      truncatedFields += limited.cut;
      truncatedRecords += 1;
    }
    const added = parts.length === 0 ? size : size + 1;
    if (parts.length > 0 && bytes + added > maxBodyBytes) flush();
    bytes += parts.length === 0 ? size : size + 1;
    parts.push(json);
    indexes.push(index);
  });
  flush();
  return { bodies, rejected, truncatedFields, truncatedRecords };
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  // Fast paths: every UTF-16 unit is at most 3 UTF-8 bytes, and at least 1.
  if (value.length * 3 <= maxBytes) return value;
  const encoded = Buffer.from(value, 'utf8');
  if (encoded.length <= maxBytes) return value;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.toString('utf8', 0, end);
}

/** A record with its string values cut to the field limit: the value (a copy only when changed) and what was cut. */
export interface Limited {
  value: unknown;
  /** How many values were cut. */
  cut: number;
  /** Their dotted paths, e.g. `summary` or `device.hostname`. */
  paths: string[];
}

/** Cuts every string value of one record (nested objects included, arrays not) to `maxFieldBytes`. */
export function limitFieldValues(
  record: Record<string, unknown>,
  maxFieldBytes: number = defaultMaxFieldBytes,
): Limited {
  return limitStrings(record, maxFieldBytes);
}

// Copy-on-write walk: the input records are never mutated; untouched subtrees are shared.
// Arrays are left alone: the service stores them as one JSON text column.
function limitStrings(record: Record<string, unknown>, maxBytes: number, prefix = ''): Limited {
  let copy: Record<string, unknown> | undefined;
  let cut = 0;
  const paths: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    let next: unknown = value;
    if (typeof value === 'string') {
      const shorter = truncateUtf8(value, maxBytes);
      if (shorter !== value) {
        next = shorter;
        cut += 1;
        paths.push(prefix + key);
      }
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = limitStrings(value as Record<string, unknown>, maxBytes, `${prefix}${key}.`);
      if (inner.cut > 0) {
        next = inner.value;
        cut += inner.cut;
        paths.push(...inner.paths);
      }
    }
    if (next !== value) {
      copy ??= { ...record };
      copy[key] = next;
    }
  }
  return { value: copy ?? record, cut, paths };
}

// JSON.stringify gives undefined for a value whose toJSON returns undefined; the lib type hides that.
function toJson(value: unknown): string | undefined {
  return JSON.stringify(value);
}
