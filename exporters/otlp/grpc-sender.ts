// OTLP/gRPC: the same protobuf bytes as OTLP/HTTP, sent as a unary call on LogsService/Export through a
// generic grpc-js client with identity (de)serializers, so no generated stubs or .proto files are needed.
import { readFileSync } from 'node:fs';
import { Client, compressionAlgorithms, credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { classifyGrpcError } from './classify.js';
import type { OtlpSender } from './http-sender.js';

/** Full method name of the OTLP logs export RPC (opentelemetry-proto logs_service.proto). */
export const logsExportMethod = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** What the gRPC sender needs; TLS file paths already resolved. */
export interface GrpcSenderOptions {
  /** host:port */
  endpoint: string;
  compression: 'gzip' | 'none';
  headers: Readonly<Record<string, string>>;
  tls: {
    insecure: boolean;
    insecure_skip_verify: boolean;
    ca_file?: string;
    cert_file?: string;
    key_file?: string;
  };
  /** Deadline of one call, sent to the server as grpc-timeout. */
  timeoutMs: number;
  userAgent: string;
}

function channelCredentials(tls: GrpcSenderOptions['tls']): ChannelCredentials {
  if (tls.insecure) return credentials.createInsecure();
  const read = (path: string | undefined): Buffer | null => (path === undefined ? null : readFileSync(path));
  return credentials.createSsl(read(tls.ca_file), read(tls.key_file), read(tls.cert_file), {
    rejectUnauthorized: !tls.insecure_skip_verify,
    ...(tls.insecure_skip_verify && { checkServerIdentity: () => undefined }),
  });
}

const identity = (b: Buffer): Buffer => b;

/** An OTLP/gRPC sender on one channel. Reads TLS files when created (call it from start). */
export function createGrpcSender(options: GrpcSenderOptions): OtlpSender {
  const client = new Client(options.endpoint, channelCredentials(options.tls), {
    'grpc.primary_user_agent': options.userAgent,
    // The server may still answer "identity only"; grpc-js then stops compressing.
    ...(options.compression === 'gzip' && {
      'grpc.default_compression_algorithm': compressionAlgorithms.gzip,
    }),
  });
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(options.headers)) metadata.set(key.toLowerCase(), value);
  return {
    send(payload, signal) {
      return new Promise<Uint8Array>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const call = client.makeUnaryRequest<Buffer, Buffer>(
          logsExportMethod,
          identity,
          identity,
          Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
          metadata.clone(),
          { deadline: Date.now() + options.timeoutMs },
          (err, value) => {
            signal.removeEventListener('abort', onAbort);
            if (err !== null) reject(classifyGrpcError(err));
            else resolve(value ?? new Uint8Array(0));
          },
        );
        const onAbort = (): void => call.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close() {
      client.close();
      return Promise.resolve();
    },
  };
}
