// OTLP/HTTP: POST one ExportLogsServiceRequest (protobuf or JSON, optionally gzipped) per batch.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { request } from 'undici';
import { createHttpAgent, type TlsOptions } from '../../core/helpers/http.js';
import { classifyOtlpHttpResponse } from './classify.js';

const gzipAsync = promisify(gzip);

/** Sends one encoded request and returns the peer's answer body; throws a classified DtcolError on failure. */
export interface OtlpSender {
  send(payload: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** What the HTTP sender needs; TLS file paths already resolved. */
export interface HttpSenderOptions {
  url: string;
  encoding: 'protobuf' | 'json';
  compression: 'gzip' | 'none';
  headers: Readonly<Record<string, string>>;
  tls: TlsOptions;
  /** Connections kept to the peer (one per request in flight). */
  connections: number;
  userAgent: string;
}

/** An OTLP/HTTP sender on its own undici agent (keep-alive, TLS options). */
export function createHttpSender(options: HttpSenderOptions): OtlpSender {
  const agent = createHttpAgent(options.tls, { connections: options.connections });
  const contentType = options.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const gzipped = options.compression === 'gzip';
  return {
    async send(payload, signal) {
      const body = gzipped ? await gzipAsync(payload) : payload;
      const res = await request(options.url, {
        method: 'POST',
        dispatcher: agent,
        signal,
        headers: {
          'user-agent': options.userAgent,
          ...options.headers,
          // After the user's headers: the body is what these say it is.
          'content-type': contentType,
          ...(gzipped && { 'content-encoding': 'gzip' }),
        },
        body,
      });
      const answer = new Uint8Array(await res.body.arrayBuffer());
      const err = classifyOtlpHttpResponse(res.statusCode, res.headers, answer);
      if (err !== undefined) throw err;
      return answer;
    },
    close: () => agent.close(),
  };
}
