// Shared HTTP plumbing for exporters: an undici dispatcher with TLS options, and status classification.
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher } from 'undici';
import { PermanentError, RetryableError, SplitRequiredError, type DtcolError } from '../errors.js';
import { parseRetryAfter } from './exporter-helper.js';

/** TLS options as exporters spell them in YAML. */
export interface TlsOptions {
  insecure_skip_verify?: boolean;
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
}

/** An undici Agent honouring the TLS options (verification stays on unless turned off). */
export function createHttpAgent(tls: TlsOptions = {}, options: { connections?: number } = {}): Dispatcher {
  return new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: 30_000,
    connect: {
      rejectUnauthorized: tls.insecure_skip_verify !== true,
      ...(tls.ca_file !== undefined && { ca: readFileSync(tls.ca_file) }),
      ...(tls.cert_file !== undefined && { cert: readFileSync(tls.cert_file) }),
      ...(tls.key_file !== undefined && { key: readFileSync(tls.key_file) }),
    },
  });
}

/** Generic classification: 2xx → undefined; 408/429/5xx retry (Retry-After honoured); 413 split; other 4xx permanent. */
export function classifyHttpStatus(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): DtcolError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const detail = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  const message = `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`;
  if (status === 413) return new SplitRequiredError(message, { status });
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new RetryableError(message, { status, ...(retryAfterMs !== undefined && { retryAfterMs }) });
  }
  return new PermanentError(message, { status });
}
