import { createHmac } from 'node:crypto';

/** One query parameter; the array order is the order on the wire and in the signature. */
export type QueryPair = readonly [name: string, value: string | number | boolean];

/** The three headers Darktrace checks on every API call. */
export interface DtapiHeaders {
  readonly 'DTAPI-Token': string;
  readonly 'DTAPI-Date': string;
  readonly 'DTAPI-Signature': string;
}

/** A request target (`/path?query`) together with the headers that sign it. */
export interface SignedRequest {
  /** Path plus query exactly as it must be sent; the same string was signed. */
  readonly target: string;
  readonly headers: DtapiHeaders;
}

// Unreserved characters plus `,` and `:` (allowed in a query, RFC 3986 §3.4) stay as they are, so
// comma lists (`uuid=a,b`) read naturally; everything else is percent-encoded. Darktrace verifies
// the raw query, so the only rule that matters is that the wire and the signature agree.
const SAFE = /[A-Za-z0-9\-._~,:]/;

function encodeComponent(text: string): string {
  let out = '';
  for (const ch of text) {
    if (SAFE.test(ch)) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * Builds a query string once, in the given order. The result is used both on the wire and in the
 * signed message: Darktrace rejects a signature whose query differs from the sent one in order or
 * encoding (reference/darktrace.md §2.1).
 */
export function buildQuery(pairs: readonly QueryPair[]): string {
  return pairs.map(([name, value]) => `${encodeComponent(name)}=${encodeComponent(String(value))}`).join('&');
}

/** `path` plus `?query`, or the bare path when the query is empty (no trailing `?`, as XSOAR signs). */
export function buildTarget(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

/** Formats a time as `YYYYMMDDTHHMMSS` in UTC, the `DTAPI-Date` form Elastic's integration sends. */
export function formatDtapiDate(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2024-05-01T12:34:56.789Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * Lower-case hex HMAC-SHA1 over `target \n publicToken \n date` keyed with the private token.
 * `target` is `/path?query` (or `/path?<body>` for a POST), byte-identical to what is sent.
 */
export function computeSignature(
  target: string,
  publicToken: string,
  privateToken: string,
  dtapiDate: string,
): string {
  return createHmac('sha1', privateToken).update(`${target}\n${publicToken}\n${dtapiDate}`).digest('hex');
}

/**
 * Signs one request. The date is formatted once and the same string goes into the header and the
 * signature (Elastic's template formats "now" twice and can straddle a second boundary).
 */
export function signRequest(options: {
  readonly path: string;
  readonly query?: readonly QueryPair[];
  readonly publicToken: string;
  readonly privateToken: string;
  readonly now: number;
}): SignedRequest {
  const target = buildTarget(options.path, buildQuery(options.query ?? []));
  const date = formatDtapiDate(options.now);
  return {
    target,
    headers: {
      'DTAPI-Token': options.publicToken,
      'DTAPI-Date': date,
      'DTAPI-Signature': computeSignature(target, options.publicToken, options.privateToken, date),
    },
  };
}
