// Just enough protobuf reading for the error answers of OTLP peers: `google.rpc.Status` (the body of an
// OTLP/HTTP failure, and gRPC's `grpc-status-details-bin` trailer) and the `google.rpc.RetryInfo` detail a
// server attaches when it wants the client to come back after a delay (opentelemetry-proto
// docs/specification.md, "OTLP/gRPC Throttling").

/** What we read from a `google.rpc.Status`. */
export interface RpcStatus {
  code?: number;
  message?: string;
  /** From a RetryInfo detail, when there was one. */
  retryDelayMs?: number;
}

const retryInfoType = 'type.googleapis.com/google.rpc.RetryInfo';

interface Field {
  field: number;
  wire: number;
  /** Varint value (wire type 0). */
  int?: number;
  /** Bytes (wire type 2). */
  bytes?: Uint8Array;
}

/** Iterate the top-level fields of a protobuf message; throws on malformed input. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = buf[pos++];
      if (b === undefined) throw new RangeError('truncated varint');
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      yield { field, wire, int: varint() };
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new RangeError('truncated field');
      yield { field, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new RangeError(`unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new RangeError('truncated field');
  }
}

const text = new TextDecoder();

/** `google.protobuf.Duration` → milliseconds. */
function durationMs(buf: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  for (const f of fields(buf)) {
    if (f.field === 1 && f.int !== undefined) seconds = f.int;
    if (f.field === 2 && f.int !== undefined) nanos = f.int;
  }
  return seconds * 1000 + Math.round(nanos / 1e6);
}

/** The retry delay of a `google.rpc.RetryInfo` message, in milliseconds. */
function retryInfoMs(buf: Uint8Array): number | undefined {
  for (const f of fields(buf)) if (f.field === 1 && f.bytes !== undefined) return durationMs(f.bytes);
  return undefined;
}

/** Decode a protobuf `google.rpc.Status`; undefined when the bytes are not one. */
export function decodeRpcStatus(buf: Uint8Array): RpcStatus | undefined {
  try {
    const status: RpcStatus = {};
    for (const f of fields(buf)) {
      if (f.field === 1 && f.int !== undefined) status.code = f.int;
      else if (f.field === 2 && f.bytes !== undefined) status.message = text.decode(f.bytes);
      else if (f.field === 3 && f.bytes !== undefined) {
        let typeUrl = '';
        let value: Uint8Array | undefined;
        for (const a of fields(f.bytes)) {
          if (a.field === 1 && a.bytes !== undefined) typeUrl = text.decode(a.bytes);
          if (a.field === 2 && a.bytes !== undefined) value = a.bytes;
        }
        if (typeUrl === retryInfoType && value !== undefined) {
          const ms = retryInfoMs(value);
          if (ms !== undefined) status.retryDelayMs = ms;
        }
      }
    }
    return status;
  } catch {
    return undefined;
  }
}

/** Decode a JSON `Status` body (`{"code": 3, "message": "..."}`); undefined when it is not one. */
export function decodeJsonStatus(body: string): RpcStatus | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { code, message, details } = parsed as { code?: unknown; message?: unknown; details?: unknown };
    // Proto3 JSON writes RetryInfo as {"@type": "...RetryInfo", "retryDelay": "1.5s"}.
    const retry = Array.isArray(details)
      ? (details as { '@type'?: unknown; retryDelay?: unknown }[]).find((d) => d['@type'] === retryInfoType)
      : undefined;
    const delay = typeof retry?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(retry.retryDelay) : null;
    return {
      ...(typeof code === 'number' && { code }),
      ...(typeof message === 'string' && { message }),
      ...(delay !== null && { retryDelayMs: Math.round(Number(delay[1]) * 1000) }),
    };
  } catch {
    return undefined;
  }
}
