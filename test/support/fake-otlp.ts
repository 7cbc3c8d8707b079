// A loopback OTLP logs receiver for tests: OTLP/HTTP on any POST path (protobuf or JSON, gzip-aware) and
// OTLP/gRPC (LogsService/Export), with faults on cue: HTTP statuses, gRPC codes, Retry-After, RetryInfo,
// partial success, hanging. The gRPC side is gRPC's HTTP/2 wire protocol written out on node:http2
// (grpc/grpc doc/PROTOCOL-HTTP2.md), so it sees what a real peer sees: grpc-encoding, the compressed
// flag, trailers. Requests are decoded with protobufjs from the minimal schema below, written for
// this test from the OTLP spec (opentelemetry-proto: common, resource, logs, logs_service, and
// google.rpc.Status / RetryInfo); field numbers are the spec's, names are what the JSON mapping uses.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createSecureServer,
  createServer as createH2Server,
  type Http2Session,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';

const schema = `
syntax = "proto3";
package otlptest;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }

message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }

message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message RetryInfo { Duration retry_delay = 1; }
`;

const root = protobuf.parse(schema).root;
const ExportRequest = root.lookupType('otlptest.ExportLogsServiceRequest');
const ExportResponse = root.lookupType('otlptest.ExportLogsServiceResponse');
const StatusType = root.lookupType('otlptest.Status');
const RetryInfoType = root.lookupType('otlptest.RetryInfo');

/** Full method name of LogsService/Export. */
export const exportMethod = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** What the fake does with one request. Unset fields mean "accept". */
export interface OtlpFault {
  /** HTTP status to answer with (HTTP only). */
  status?: number;
  /** gRPC status code to fail with (gRPC only), e.g. `status.UNAVAILABLE` from grpc-js. */
  grpcCode?: number;
  /** Message of the error Status. */
  message?: string;
  /** HTTP `Retry-After` header value. */
  retryAfter?: string;
  /** A RetryInfo detail (gRPC trailer `grpc-status-details-bin`, HTTP Status body). */
  retryDelayMs?: number;
  /** Accept, but report these as rejected. */
  partial?: { rejected: number | string; message?: string };
  /** Never answer. */
  hang?: boolean;
}

/** A log record as received, with its AnyValues turned into plain JS values. */
export interface ReceivedLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number | undefined;
  severityText: string | undefined;
  eventName: string | undefined;
  body: unknown;
  /** The body as sent (AnyValue), to see intValue vs doubleValue. */
  bodyRaw: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: { name: string; version: string | undefined };
}

/** One accepted export request. */
export interface ReceivedExport {
  transport: 'http' | 'grpc';
  /** HTTP path, or the gRPC method. */
  path: string;
  /**
   * Request headers (HTTP) or HTTP/2 request headers (gRPC: metadata plus grpc-encoding, content-type...),
   * lowercase keys. gRPC requests also get `x-fake-compressed`: whether the message's compressed flag was set.
   */
  headers: Record<string, string>;
  /** Bytes of the request body as received (before gunzip; gRPC: the length-prefixed frame). */
  wireBytes: number;
  resourceLogs: { resource: Record<string, unknown>; scopes: number; records: number }[];
  records: ReceivedLogRecord[];
}

export interface FakeOtlpOptions {
  /** Decide per request (1-based over both transports). */
  fault?: (n: number, transport: 'http' | 'grpc') => OtlpFault | undefined;
  /** Decode requests (default true); false only counts them, for benchmarks. */
  decode?: boolean;
  /** Serve HTTPS and gRPC over TLS with this key pair; `clientCa` demands client certificates. */
  tls?: { key: Buffer; cert: Buffer; clientCa?: Buffer };
}

export interface FakeOtlp {
  /** http://127.0.0.1:port (https:// with tls). */
  httpUrl: string;
  /** 127.0.0.1:port */
  grpcEndpoint: string;
  /** Accepted requests (including partial successes), in arrival order. */
  exports: ReceivedExport[];
  /** Every request seen, faulted or not. */
  readonly attempts: number;
  /** Arrival time (ms) of every request. */
  arrivals: number[];
  /** All accepted records. */
  records(): ReceivedLogRecord[];
  close(): Promise<void>;
}

interface RawAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
  bytesValue?: string;
}
interface RawKeyValue {
  key: string;
  value?: RawAnyValue;
}
interface RawLogRecord {
  timeUnixNano?: string | number;
  observedTimeUnixNano?: string | number;
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: RawAnyValue;
  attributes?: RawKeyValue[];
}
interface RawRequest {
  resourceLogs?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeLogs?: { scope?: { name?: string; version?: string }; logRecords?: RawLogRecord[] }[];
  }[];
}

/** An OTLP AnyValue (protobuf or JSON mapping) as a plain JS value; an empty AnyValue is null. */
export function anyValueToJs(v: RawAnyValue | undefined): unknown {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValueToJs);
  if (v.kvlistValue !== undefined) return keyValuesToJs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue, 'base64');
  return null;
}

function keyValuesToJs(kvs: RawKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValueToJs(kv.value);
  return out;
}

function flatten(req: RawRequest): Pick<ReceivedExport, 'resourceLogs' | 'records'> {
  const records: ReceivedLogRecord[] = [];
  const resourceLogs: ReceivedExport['resourceLogs'] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = keyValuesToJs(rl.resource?.attributes);
    let count = 0;
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        count++;
        records.push({
          timeUnixNano: String(lr.timeUnixNano ?? '0'),
          observedTimeUnixNano: String(lr.observedTimeUnixNano ?? '0'),
          severityNumber: lr.severityNumber,
          severityText: lr.severityText,
          eventName: lr.eventName,
          body: anyValueToJs(lr.body),
          bodyRaw: lr.body,
          attributes: keyValuesToJs(lr.attributes),
          resource,
          scope: { name: sl.scope?.name ?? '', version: sl.scope?.version },
        });
      }
    }
    resourceLogs.push({ resource, scopes: rl.scopeLogs?.length ?? 0, records: count });
  }
  return { resourceLogs, records };
}

const toObjectOptions = { longs: String, bytes: String, arrays: true, defaults: false } as const;

function decodeProtobuf(bytes: Uint8Array): RawRequest {
  return ExportRequest.toObject(ExportRequest.decode(bytes), toObjectOptions);
}

/** Decode an ExportLogsServiceRequest body (already gunzipped) the way the fake does. */
export function decodeOtlpRequest(
  bytes: Uint8Array,
  encoding: 'protobuf' | 'json',
): Pick<ReceivedExport, 'resourceLogs' | 'records'> {
  return flatten(
    encoding === 'json'
      ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as RawRequest)
      : decodeProtobuf(bytes),
  );
}

function statusBytes(code: number, message: string, retryDelayMs: number | undefined): Uint8Array {
  const details =
    retryDelayMs === undefined
      ? []
      : [
          {
            typeUrl: 'type.googleapis.com/google.rpc.RetryInfo',
            value: RetryInfoType.encode(
              RetryInfoType.fromObject({
                retryDelay: {
                  seconds: Math.floor(retryDelayMs / 1000),
                  nanos: (retryDelayMs % 1000) * 1e6,
                },
              }),
            ).finish(),
          },
        ];
  return StatusType.encode(StatusType.fromObject({ code, message, details })).finish();
}

function responseBytes(partial: OtlpFault['partial']): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  return ExportResponse.encode(
    ExportResponse.fromObject({
      partialSuccess: { rejectedLogRecords: partial.rejected, errorMessage: partial.message ?? '' },
    }),
  ).finish();
}

function flatHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Start the fake on 127.0.0.1, HTTP and gRPC each on its own ephemeral port. */
export async function startFakeOtlp(options: FakeOtlpOptions = {}): Promise<FakeOtlp> {
  const decode = options.decode ?? true;
  const exports: ReceivedExport[] = [];
  const arrivals: number[] = [];
  const hung = new Set<ServerResponse>();
  let attempts = 0;

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      attempts++;
      arrivals.push(Date.now());
      const fault = options.fault?.(attempts, 'http') ?? {};
      if (fault.hang === true) {
        hung.add(res);
        return;
      }
      const json = (req.headers['content-type'] ?? '').includes('json');
      const contentType = json ? 'application/json' : 'application/x-protobuf';
      const status = fault.status ?? 200;
      if (status !== 200) {
        const message = fault.message ?? 'injected failure';
        const body = json
          ? JSON.stringify({
              code: 3,
              message,
              ...(fault.retryDelayMs !== undefined && {
                details: [
                  {
                    '@type': 'type.googleapis.com/google.rpc.RetryInfo',
                    retryDelay: `${fault.retryDelayMs / 1000}s`,
                  },
                ],
              }),
            })
          : statusBytes(3, message, fault.retryDelayMs);
        res.writeHead(status, {
          'content-type': contentType,
          ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }),
        });
        res.end(body);
        return;
      }
      const wire = Buffer.concat(chunks);
      if (decode) {
        const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
        const request = json ? (JSON.parse(raw.toString('utf8')) as RawRequest) : decodeProtobuf(raw);
        exports.push({
          transport: 'http',
          path: req.url ?? '',
          headers: flatHeaders(req.headers),
          wireBytes: wire.length,
          ...flatten(request),
        });
      }
      res.writeHead(200, { 'content-type': contentType });
      if (json) {
        // The spec's JSON mapping writes int64 as a decimal string; the fault decides the type here.
        const partial = fault.partial;
        res.end(
          partial === undefined
            ? '{}'
            : JSON.stringify({
                partialSuccess: { rejectedLogRecords: partial.rejected, errorMessage: partial.message ?? '' },
              }),
        );
      } else {
        res.end(responseBytes(fault.partial));
      }
    });
  };
  const httpServer =
    options.tls === undefined
      ? createHttpServer(onHttp)
      : createHttpsServer(
          {
            key: options.tls.key,
            cert: options.tls.cert,
            ...(options.tls.clientCa !== undefined && {
              ca: options.tls.clientCa,
              requestCert: true,
              rejectUnauthorized: true,
            }),
          },
          onHttp,
        );
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const httpPort = (httpServer.address() as AddressInfo).port;

  const sessions = new Set<Http2Session>();
  const onGrpc = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined); // a client cancel resets the stream
    stream.on('end', () => {
      // Trailers-only answer: a failure status with no message.
      const fail = (code: number, message: string, retryDelayMs?: number): void => {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(code),
            'grpc-message': encodeURIComponent(message),
            ...(retryDelayMs !== undefined && {
              'grpc-status-details-bin': Buffer.from(statusBytes(code, message, retryDelayMs)).toString(
                'base64',
              ),
            }),
          },
          { endStream: true },
        );
      };
      if (headers[':path'] !== exportMethod) {
        fail(12, `unknown method ${String(headers[':path'])}`);
        return;
      }
      attempts++;
      arrivals.push(Date.now());
      const fault = options.fault?.(attempts, 'grpc') ?? {};
      if (fault.hang === true) return; // the client's deadline or cancel resets the stream
      if (fault.grpcCode !== undefined && fault.grpcCode !== 0) {
        fail(fault.grpcCode, fault.message ?? 'injected failure', fault.retryDelayMs);
        return;
      }
      // One length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, the bytes.
      const frame = Buffer.concat(chunks);
      if (decode) {
        const compressed = frame[0] === 1;
        let message = frame.subarray(5, 5 + frame.readUInt32BE(1));
        const encoding = String(headers['grpc-encoding'] ?? 'identity');
        if (compressed) message = encoding === 'gzip' ? gunzipSync(message) : inflateSync(message);
        const seen: Record<string, string> = {};
        for (const [k, v] of Object.entries(headers)) {
          if (!k.startsWith(':') && v !== undefined) seen[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        exports.push({
          transport: 'grpc',
          path: exportMethod,
          headers: { ...seen, 'x-fake-compressed': String(compressed) },
          wireBytes: frame.length,
          ...flatten(decodeProtobuf(message)),
        });
      }
      const answer = Buffer.from(responseBytes(fault.partial));
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(answer.length, 1);
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-accept-encoding': 'identity,deflate,gzip',
        },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(Buffer.concat([prefix, answer]));
    });
  };
  const grpcServer: Http2Server =
    options.tls === undefined
      ? createH2Server()
      : createSecureServer({
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.clientCa !== undefined && {
            ca: options.tls.clientCa,
            requestCert: true,
            rejectUnauthorized: true,
          }),
        });
  grpcServer.on('stream', onGrpc);
  grpcServer.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => grpcServer.listen(0, '127.0.0.1', resolve));
  const grpcPort = (grpcServer.address() as AddressInfo).port;

  return {
    httpUrl: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${httpPort}`,
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    exports,
    arrivals,
    get attempts() {
      return attempts;
    },
    records: () => exports.flatMap((e) => e.records),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        for (const session of sessions) session.destroy();
        httpServer.closeAllConnections();
        let open = 2;
        const done = (): void => {
          if (--open === 0) resolve();
        };
        httpServer.close(done);
        grpcServer.close(done);
      }),
  };
}
