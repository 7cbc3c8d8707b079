/** Stable codes of the errors the Darktrace REST client raises. Tests and callers match on these. */
export const darktraceErrorCodes = {
  /** 400 `API SIGNATURE ERROR`: wrong private/public token, or a signed query that differs from the sent one. */
  signature: 'ERR_DT_SIGNATURE',
  /** 400 `API DATE ERROR`: `DTAPI-Date` too far from the appliance clock. */
  date: 'ERR_DT_DATE',
  /** 401, a redirect to `/login`, or an HTML page where JSON was expected. */
  auth: 'ERR_DT_AUTH',
  /** 403 or a redirect to `/403`: the token lacks the permission for this endpoint. */
  permission: 'ERR_DT_PERMISSION',
  /** 404 without Darktrace's `{"error": …}` body (wrong base URL or path). */
  notFound: 'ERR_DT_NOT_FOUND',
  /** Any other 4xx. */
  badRequest: 'ERR_DT_BAD_REQUEST',
  /** 5xx, 429, connection refused or reset, DNS failure. */
  unavailable: 'ERR_DT_UNAVAILABLE',
  /** No complete answer within the request timeout. */
  timeout: 'ERR_DT_TIMEOUT',
  /** The caller's AbortSignal fired. */
  aborted: 'ERR_DT_ABORTED',
  /** Certificate verification failed (unknown CA, wrong host name, expired). */
  tls: 'ERR_DT_TLS',
  /** A 2xx answer that is not the JSON shape the endpoint documents, or is too large. */
  badResponse: 'ERR_DT_BAD_RESPONSE',
  /** A persisted cursor that cannot be read (wrong version, kind or shape). */
  cursor: 'ERR_DT_CURSOR',
} as const;

/** One of the values of {@link darktraceErrorCodes}. */
export type DarktraceErrorCode = (typeof darktraceErrorCodes)[keyof typeof darktraceErrorCodes];

/** Extra facts attached to a {@link DarktraceApiError}. */
export interface DarktraceApiErrorDetails {
  readonly retryable: boolean;
  /** The endpoint path (no query, no host), e.g. `/modelbreaches`. */
  readonly endpoint?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** Base class of everything the Darktrace client throws. Messages never contain the private token. */
export class DarktraceApiError extends Error {
  override readonly name: string = 'DarktraceApiError';
  readonly code: DarktraceErrorCode;
  /** True when the same request may succeed later without a configuration change. */
  readonly retryable: boolean;
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  /** From `Retry-After` on 429/503, when the appliance or a proxy sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(code: DarktraceErrorCode, message: string, details: DarktraceApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = details.retryable;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** `API DATE ERROR`, with both clocks so the message can say which one is off. */
export class DarktraceDateError extends DarktraceApiError {
  override readonly name: string = 'DarktraceDateError';
  /** The `DTAPI-Date` value we sent. */
  readonly sentDate: string;
  /** Our clock when the request was signed (epoch ms). */
  readonly localTime: number;
  /** The appliance clock from its `Date` response header, when it sent one (epoch ms). */
  readonly serverTime: number | undefined;
  /** `serverTime − localTime` in ms, when known. */
  readonly skewMs: number | undefined;

  constructor(
    message: string,
    details: DarktraceApiErrorDetails & { sentDate: string; localTime: number; serverTime?: number },
  ) {
    super(darktraceErrorCodes.date, message, details);
    this.sentDate = details.sentDate;
    this.localTime = details.localTime;
    this.serverTime = details.serverTime;
    this.skewMs = details.serverTime === undefined ? undefined : details.serverTime - details.localTime;
  }
}

/** A persisted cursor could not be decoded; the caller decides whether to start afresh. */
export class DarktraceCursorError extends Error {
  override readonly name: string = 'DarktraceCursorError';
  readonly code = darktraceErrorCodes.cursor;
}

/** Narrowing helper for callers that only see `unknown`. */
export function isDarktraceApiError(error: unknown): error is DarktraceApiError {
  return error instanceof DarktraceApiError;
}
