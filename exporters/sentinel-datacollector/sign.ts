/**
 * SharedKey signing for the HTTP Data Collector API, exactly as sentinel.md §1.2 gives it.
 * The classic 403s come from signing the character count instead of the UTF-8 byte count and from
 * a `Content-Type` other than exactly `application/json` (sentinel.md §5.5).
 */
import { createHmac } from 'node:crypto';

/** The only accepted `Content-Type`; it is part of the signed string, so `; charset=utf-8` breaks it. */
export const dataCollectorContentType = 'application/json';

/** The signed resource path. */
export const dataCollectorResource = '/api/logs';

/** Thrown for a workspace key that is not Base64; the message never contains the key. */
export class SharedKeyError extends Error {
  readonly code = 'ERR_SHARED_KEY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SharedKeyError';
  }
}

/** Decodes the workspace key once (peers do this at start-up and sign per request). */
export function decodeSharedKey(sharedKey: string): Buffer {
  const trimmed = sharedKey.trim();
  if (trimmed === '' || trimmed.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new SharedKeyError(
      'Workspace shared key is not valid Base64 (copy the primary or secondary key as shown).',
    );
  }
  return Buffer.from(trimmed, 'base64');
}

/** RFC 1123 date for `x-ms-date`; `toUTCString()` produces exactly that form. */
export function toRfc1123(date: Date): string {
  return date.toUTCString();
}

/** The LF-joined string to sign, without a trailing newline. */
export function dataCollectorStringToSign(contentLength: number, date: string): string {
  return [
    'POST',
    String(contentLength),
    dataCollectorContentType,
    `x-ms-date:${date}`,
    dataCollectorResource,
  ].join('\n');
}

/** Base64(HMAC-SHA256(key, UTF-8 string to sign)), standard alphabet, no line breaks. */
export function dataCollectorSignature(key: Uint8Array, contentLength: number, date: string): string {
  return createHmac('sha256', key)
    .update(dataCollectorStringToSign(contentLength, date), 'utf8')
    .digest('base64');
}

/** UTF-8 byte length of a body, whether given as text or bytes. */
export function bodyByteLength(body: Uint8Array | string): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}

/** Headers that sign one request: `Authorization`, `x-ms-date` and `Content-Type`, from one date. */
export interface SignedHeaders {
  readonly authorization: string;
  readonly 'x-ms-date': string;
  readonly 'content-type': typeof dataCollectorContentType;
}

/** Signs a body for a workspace; `date` is sent unchanged as `x-ms-date`. */
export function signDataCollectorRequest(
  workspaceId: string,
  key: Uint8Array,
  body: Uint8Array | string,
  date: string,
): SignedHeaders {
  const signature = dataCollectorSignature(key, bodyByteLength(body), date);
  return {
    authorization: `SharedKey ${workspaceId}:${signature}`,
    'x-ms-date': date,
    'content-type': dataCollectorContentType,
  };
}
