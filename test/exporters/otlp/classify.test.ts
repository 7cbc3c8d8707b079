import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  PartialSuccessError,
  PermanentError,
  RetryableError,
  SplitRequiredError,
} from '../../../core/errors.js';
import {
  classifyGrpcError,
  classifyOtlpHttpResponse,
  readPartialSuccess,
} from '../../../exporters/otlp/classify.js';
import { decodeJsonStatus, decodeRpcStatus } from '../../../exporters/otlp/status.js';

// google.rpc.Status{code: 8, message: "slow down", details: [Any{RetryInfo{retry_delay: 2.5s}}]},
// encoded by hand from the proto field numbers so the decoder is checked against bytes, not itself.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, bytes: number[]): number[] => [(no << 3) | 2, ...varint(bytes.length), ...bytes];
const str = (s: string): number[] => [...Buffer.from(s)];
const duration = [(1 << 3) | 0, ...varint(2), (2 << 3) | 0, ...varint(500_000_000)];
const retryInfo = field(1, duration);
const anyRetryInfo = [...field(1, str('type.googleapis.com/google.rpc.RetryInfo')), ...field(2, retryInfo)];
const statusWithRetry = Uint8Array.from([
  (1 << 3) | 0,
  8,
  ...field(2, str('slow down')),
  ...field(3, anyRetryInfo),
]);

describe('decodeRpcStatus', () => {
  it('reads code, message and the RetryInfo delay', () => {
    expect(decodeRpcStatus(statusWithRetry)).toEqual({ code: 8, message: 'slow down', retryDelayMs: 2500 });
  });

  it('ignores details of other types', () => {
    const other = [...field(1, str('type.googleapis.com/google.rpc.DebugInfo')), ...field(2, retryInfo)];
    expect(decodeRpcStatus(Uint8Array.from([...field(2, str('x')), ...field(3, other)]))).toEqual({
      message: 'x',
    });
  });

  it('returns undefined for bytes that are not protobuf', () => {
    expect(decodeRpcStatus(Buffer.from('<html>bad gateway</html>'))).toBeUndefined();
  });
});

describe('decodeJsonStatus', () => {
  it('reads the JSON mapping, RetryInfo included', () => {
    const body = JSON.stringify({
      code: 8,
      message: 'throttled',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }],
    });
    expect(decodeJsonStatus(body)).toEqual({ code: 8, message: 'throttled', retryDelayMs: 1500 });
  });
});

describe('classifyOtlpHttpResponse', () => {
  const none = new Uint8Array(0);

  it.each([200, 202, 204])('treats %i as delivered', (status) => {
    expect(classifyOtlpHttpResponse(status, {}, none)).toBeUndefined();
  });

  it.each([429, 502, 503, 504])('retries %i', (status) => {
    const err = classifyOtlpHttpResponse(status, {}, none);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ status, retryAfterMs: undefined });
  });

  it.each([400, 401, 403, 404, 405, 408, 415, 500, 501])('never retries %i', (status) => {
    const err = classifyOtlpHttpResponse(status, {}, none);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err?.message).toBe(`HTTP ${status}`);
  });

  it('splits on 413', () => {
    expect(classifyOtlpHttpResponse(413, {}, none)).toBeInstanceOf(SplitRequiredError);
  });

  it.each([
    { header: '7', ms: 7000 },
    { header: '0.5', ms: 500 },
  ])('takes Retry-After "$header" as $ms ms', ({ header, ms }) => {
    expect(classifyOtlpHttpResponse(429, { 'retry-after': header }, none)).toMatchObject({
      retryAfterMs: ms,
    });
  });

  it('falls back to a RetryInfo in the protobuf Status body', () => {
    const err = classifyOtlpHttpResponse(503, { 'content-type': 'application/x-protobuf' }, statusWithRetry);
    expect(err).toMatchObject({ retryAfterMs: 2500, message: 'HTTP 503: slow down' });
  });

  it('puts the Status message of a JSON body into the error, and plain text as is', () => {
    const json = Buffer.from(JSON.stringify({ code: 3, message: 'logRecords[0].body: invalid' }));
    expect(classifyOtlpHttpResponse(400, { 'content-type': 'application/json' }, json)?.message).toBe(
      'HTTP 400: logRecords[0].body: invalid',
    );
    expect(
      classifyOtlpHttpResponse(400, { 'content-type': 'text/plain' }, Buffer.from('nope'))?.message,
    ).toBe('HTTP 400: nope');
  });

  it('clips long bodies', () => {
    const err = classifyOtlpHttpResponse(400, {}, Buffer.from('x'.repeat(5000)));
    expect(err?.message.length).toBeLessThan(320);
  });
});

describe('classifyGrpcError', () => {
  const grpcError = (code: number, details = '', metadata = new Metadata()): unknown =>
    Object.assign(new Error(details), { code, details, metadata });

  it.each([
    GrpcStatus.CANCELLED,
    GrpcStatus.DEADLINE_EXCEEDED,
    GrpcStatus.ABORTED,
    GrpcStatus.OUT_OF_RANGE,
    GrpcStatus.UNAVAILABLE,
    GrpcStatus.DATA_LOSS,
  ])('retries code %i', (code) => {
    expect(classifyGrpcError(grpcError(code))).toBeInstanceOf(RetryableError);
  });

  it.each([
    GrpcStatus.UNKNOWN,
    GrpcStatus.INVALID_ARGUMENT,
    GrpcStatus.NOT_FOUND,
    GrpcStatus.ALREADY_EXISTS,
    GrpcStatus.PERMISSION_DENIED,
    GrpcStatus.FAILED_PRECONDITION,
    GrpcStatus.UNIMPLEMENTED,
    GrpcStatus.INTERNAL,
    GrpcStatus.UNAUTHENTICATED,
  ])('never retries code %i', (code) => {
    expect(classifyGrpcError(grpcError(code))).toBeInstanceOf(PermanentError);
  });

  it('retries RESOURCE_EXHAUSTED only when the server sent RetryInfo, after its delay', () => {
    expect(classifyGrpcError(grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'quota'))).toBeInstanceOf(
      PermanentError,
    );
    const md = new Metadata();
    md.set('grpc-status-details-bin', Buffer.from(statusWithRetry));
    const err = classifyGrpcError(grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'slow down', md));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ retryAfterMs: 2500, message: 'gRPC RESOURCE_EXHAUSTED: slow down' });
  });

  it('splits when the request was larger than the server accepts', () => {
    const err = classifyGrpcError(
      grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max (5000000 vs. 4194304)'),
    );
    expect(err).toBeInstanceOf(SplitRequiredError);
  });

  it('treats thrown values without a gRPC code as network trouble (retryable)', () => {
    expect(classifyGrpcError(new Error('socket hang up'))).toBeInstanceOf(RetryableError);
  });
});

describe('readPartialSuccess', () => {
  it('is ok without partial_success or with nothing rejected and no message', () => {
    expect(readPartialSuccess({}, 5)).toEqual({ kind: 'ok' });
    expect(readPartialSuccess({ partialSuccess: {} }, 5)).toEqual({ kind: 'ok' });
  });

  it('reports rejected records as a PartialSuccessError without indexes (not retryable)', () => {
    const outcome = readPartialSuccess(
      { partialSuccess: { rejectedLogRecords: 2, errorMessage: 'too old' } },
      5,
    );
    expect(outcome.kind).toBe('rejected');
    const err = (outcome as { error: PartialSuccessError }).error;
    expect(err).toBeInstanceOf(PartialSuccessError);
    expect(err).toMatchObject({ rejected: 2, failedIndexes: undefined, retryable: false });
    expect(err.message).toBe('2 of 5 records rejected: too old');
  });

  it('reads the JSON int64 string form and never counts more than the batch', () => {
    const fromJson = { partialSuccess: { rejectedLogRecords: '3' } } as unknown as Parameters<
      typeof readPartialSuccess
    >[0];
    expect(readPartialSuccess(fromJson, 5)).toMatchObject({ error: { rejected: 3 } });
    expect(readPartialSuccess({ partialSuccess: { rejectedLogRecords: 99 } }, 5)).toMatchObject({
      error: { rejected: 5 },
    });
  });

  it('turns a message with zero rejected into a warning', () => {
    expect(
      readPartialSuccess({ partialSuccess: { rejectedLogRecords: 0, errorMessage: 'deprecated field' } }, 5),
    ).toEqual({
      kind: 'warning',
      message: 'deprecated field',
    });
  });
});
