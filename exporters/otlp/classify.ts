// What an OTLP peer's answer means for the batch (opentelemetry-proto docs/specification.md, "Failures"
// and "Partial Success"; collectors.md §7). Pure functions: the senders call them, tests table them.
import type { IExportLogsServiceResponse } from '@opentelemetry/otlp-transformer';
import {
  PartialSuccessError,
  PermanentError,
  RetryableError,
  SplitRequiredError,
  type DtcolError,
} from '../../core/errors.js';
import { classifyError, parseRetryAfter } from '../../core/helpers/exporter-helper.js';
import { decodeJsonStatus, decodeRpcStatus, type RpcStatus } from './status.js';

/** gRPC status codes by name (grpc/grpc doc/statuscodes.md). */
export const grpcCodes = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const grpcNames = new Map<number, string>(Object.entries(grpcCodes).map(([k, v]) => [v, k]));

// The OTLP spec's retryable gRPC codes. RESOURCE_EXHAUSTED is retryable only with RetryInfo (below).
const retryableGrpc = new Set<number>([
  grpcCodes.CANCELLED,
  grpcCodes.DEADLINE_EXCEEDED,
  grpcCodes.ABORTED,
  grpcCodes.OUT_OF_RANGE,
  grpcCodes.UNAVAILABLE,
  grpcCodes.DATA_LOSS,
]);

// OTLP/HTTP retries these and nothing else; every other 4xx and 5xx is not retryable.
const retryableHttp = new Set([429, 502, 503, 504]);

const clip = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/** Read the `Status` an OTLP/HTTP peer put in a failure body (protobuf or JSON), or its text. */
export function describeHttpBody(body: Uint8Array, contentType: string | undefined): RpcStatus {
  if (body.length === 0) return {};
  const ct = contentType ?? '';
  if (ct.includes('protobuf')) return decodeRpcStatus(body) ?? {};
  const text = new TextDecoder().decode(body);
  if (ct.includes('json')) return decodeJsonStatus(text) ?? { message: text };
  return { message: text };
}

/**
 * Class of an OTLP/HTTP answer. 2xx → undefined (then read partial success). 429/502/503/504 retry after
 * `Retry-After` (or the body's RetryInfo); 413 splits the batch; everything else is permanent.
 */
export function classifyOtlpHttpResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
): DtcolError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const ct = headers['content-type'];
  const rpc = describeHttpBody(body, Array.isArray(ct) ? ct[0] : ct);
  const detail = rpc.message === undefined || rpc.message === '' ? '' : `: ${clip(rpc.message)}`;
  const message = `HTTP ${status}${detail}`;
  if (status === 413) return new SplitRequiredError(message, { status });
  if (retryableHttp.has(status)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']) ?? rpc.retryDelayMs;
    return new RetryableError(message, { status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  }
  return new PermanentError(message, { status });
}

/** The parts of a grpc-js ServiceError we look at. */
export interface GrpcErrorLike {
  code: number;
  details?: string;
  metadata?: { get(key: string): unknown[] };
}

function isGrpcError(err: unknown): err is GrpcErrorLike {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** RetryInfo from the `grpc-status-details-bin` trailer, in milliseconds. */
function grpcRetryDelay(err: GrpcErrorLike): number | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Uint8Array)) return undefined;
  return decodeRpcStatus(raw)?.retryDelayMs;
}

/** Class of a failed OTLP/gRPC call (grpc-js ServiceError); other thrown values go to the default classifier. */
export function classifyGrpcError(err: unknown): DtcolError {
  if (!isGrpcError(err)) return classifyError(err);
  const name = grpcNames.get(err.code) ?? `code ${err.code}`;
  const details = err.details === undefined || err.details === '' ? '' : `: ${clip(err.details)}`;
  const message = `gRPC ${name}${details}`;
  const retryAfterMs = grpcRetryDelay(err);
  const options = { status: err.code, cause: err, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  if (err.code === grpcCodes.RESOURCE_EXHAUSTED) {
    // A message over the server's max_recv_msg_size is RESOURCE_EXHAUSTED too ("received message larger
    // than max" in grpc-go and grpc-js): that one needs a smaller request, not a pause.
    if (/larger than max/i.test(err.details ?? '')) return new SplitRequiredError(message, options);
    return retryAfterMs === undefined
      ? new PermanentError(message, options)
      : new RetryableError(message, options);
  }
  if (retryableGrpc.has(err.code)) return new RetryableError(message, options);
  return new PermanentError(message, options);
}

/** What a successful answer says about the batch. */
export type PartialSuccessOutcome =
  | { kind: 'ok' }
  /** Nothing rejected, but the server had something to say (the spec allows warnings this way). */
  | { kind: 'warning'; message: string }
  | { kind: 'rejected'; error: PartialSuccessError };

/**
 * Read `partial_success` from an export response. Rejected records are counted as failed and never
 * retried (the spec forbids resending a partial success); the server does not say which ones.
 */
export function readPartialSuccess(
  response: IExportLogsServiceResponse,
  batchSize: number,
): PartialSuccessOutcome {
  const partial = response.partialSuccess;
  if (partial === undefined) return { kind: 'ok' };
  // JSON carries int64 as a decimal string; protobuf as a number.
  const raw: unknown = partial.rejectedLogRecords;
  const rejected = Math.min(Number(raw ?? 0) || 0, batchSize);
  const text = partial.errorMessage ?? '';
  if (rejected > 0) {
    const message = `${rejected} of ${batchSize} records rejected${text === '' ? '' : `: ${clip(text)}`}`;
    return { kind: 'rejected', error: new PartialSuccessError(message, rejected) };
  }
  return text === '' ? { kind: 'ok' } : { kind: 'warning', message: clip(text) };
}
