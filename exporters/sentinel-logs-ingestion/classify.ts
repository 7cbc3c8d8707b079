/**
 * Response and error classification for the Logs Ingestion API (sentinel.md §2.3), plus the pieces
 * both Sentinel exporters share: the result type, `Retry-After` parsing, transport-error handling and
 * the mapping to core's error classes, which the exporter helper turns into retry, split or dead letter.
 */
import { DtcolError, PermanentError, RetryableError, SplitRequiredError } from '../../core/errors.js';

/** What the runtime should do with a request's records. `split`: halve the batch and retry each half. */
export type Classification =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retryable'; readonly retryAfterMs?: number; readonly reason: string }
  | { readonly kind: 'permanent'; readonly reason: string; readonly status?: number }
  | { readonly kind: 'split'; readonly reason: string };

/** Headers as undici (`IncomingHttpHeaders`), fetch (`Headers`) or Azure core (`HttpHeaders`) give them. */
export type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A response as far as classification needs it. */
export interface HttpOutcome {
  readonly status: number;
  readonly headers?: HeaderSource;
  /** Response body as text (may be cut short). */
  readonly body?: string;
}

/**
 * The reason without its `[x-ms-request-id …]` suffix. The exporter helper logs a failure once per
 * distinct message and writes the message into dead-letter entries; a per-request id would make every
 * failure "new" and flood the log.
 */
export function withoutRequestId(reason: string): string {
  return reason.replace(/ \[x-ms-request-id [^\]]*\]$/, '');
}

/**
 * The core error for a classification, for an exporter's `push` to throw: `retryable` →
 * {@link RetryableError} (with the server's delay), `split` → {@link SplitRequiredError}, `permanent` →
 * {@link PermanentError} (with the HTTP status). `undefined` for `ok`.
 */
export function classificationToError(classification: Classification): DtcolError | undefined {
  switch (classification.kind) {
    case 'ok':
      return undefined;
    case 'retryable':
      return new RetryableError(
        withoutRequestId(classification.reason),
        classification.retryAfterMs === undefined ? {} : { retryAfterMs: classification.retryAfterMs },
      );
    case 'split':
      return new SplitRequiredError(withoutRequestId(classification.reason));
    case 'permanent':
      return new PermanentError(
        withoutRequestId(classification.reason),
        classification.status === undefined ? {} : { status: classification.status },
      );
  }
}

/**
 * Maps anything `push` did not turn into a core error itself (an SDK, credential or network error) to
 * one; for the exporter helper's `classify`. Unknown errors are retryable, as in
 * {@link classifyTransportError}.
 */
export function toCoreError(error: unknown): DtcolError {
  if (error instanceof DtcolError) return error;
  return (
    classificationToError(classifyLogsIngestionError(error)) ??
    new RetryableError('Request failed without an error', { cause: error })
  );
}

/** Extra facts that change the class of a response. */
export interface IngestionContext {
  /** Records in the request; a request of one record can never be split. */
  readonly records?: number;
  /** Time used for HTTP-date `Retry-After` values. */
  readonly now?: Date;
}

/** The service's per-call cap: 413 `ContentLengthLimitExceeded` above it (sentinel.md §2.2). */
export const logsIngestionMaxRequestBytes = 1_048_576;

/** Reads one header case-insensitively from any of the usual header shapes. */
export function headerValue(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null | undefined }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Readonly<Record<string, unknown>>)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/**
 * Server-requested delay in milliseconds. Azure sends `retry-after-ms` / `x-ms-retry-after-ms`
 * (milliseconds) or `Retry-After` (seconds or an HTTP date); core-rest-pipeline reads the same three.
 */
export function parseRetryAfter(
  headers: HeaderSource | undefined,
  now: Date = new Date(),
): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = headerValue(headers, name)?.trim();
    if (raw !== undefined && /^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw));
  }
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** Error code and message from an Azure error body: `{"error":{"code","message"}}` or `{"Error","Message"}`. */
export function parseAzureErrorBody(body: string | undefined): { code?: string; message?: string } {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { message: oneLine(body) };
  }
  if (!isObject(parsed)) return { message: oneLine(body) };
  const inner = isObject(parsed.error) ? parsed.error : parsed;
  const code = firstString(inner, ['code', 'Code']) ?? firstString(parsed, ['Error', 'error']);
  const message = firstString(inner, ['message', 'Message']) ?? firstString(parsed, ['Message', 'message']);
  return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}

/** `HTTP 403 OperationFailed: <server message> [x-ms-request-id …]`, bounded in length. */
export function describeHttpFailure(outcome: HttpOutcome, hint?: string): string {
  const parsed = parseAzureErrorBody(outcome.body);
  const code = parsed.code ?? headerValue(outcome.headers, 'x-ms-error-code');
  const requestId = headerValue(outcome.headers, 'x-ms-request-id');
  let text = `HTTP ${outcome.status}`;
  if (code !== undefined) text += ` ${code}`;
  if (parsed.message !== undefined) text += `: ${parsed.message}`;
  if (hint !== undefined) text += ` (${hint})`;
  if (requestId !== undefined) text += ` [x-ms-request-id ${requestId}]`;
  return truncateText(text, 600);
}

// Node and undici errors that mean "the request may not have reached the service": retry.
// Misclassifying these as permanent is how collectors lose data (collectors.md §1.6).
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENOENT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'UND_ERR_DESTROYED',
  'UND_ERR_REQ_RETRY',
  'REQUEST_SEND_ERROR',
]);

// Errors that say our own request is malformed; sending it again cannot help.
const permanentCodes = new Set([
  'ERR_INVALID_URL',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'UND_ERR_INVALID_ARG',
]);

/**
 * Classifies an error thrown before any HTTP status arrived (connect, TLS, timeout, abort).
 * Unknown errors are retryable: the runtime's elapsed-time limit bounds them, while a wrong
 * "permanent" would drop data that a later attempt could deliver.
 */
export function classifyTransportError(error: unknown): Classification {
  const chain = errorChain(error);
  for (const item of chain) {
    if (item.name === 'AbortError' || item.name === 'TimeoutError') {
      return { kind: 'retryable', reason: `Request aborted or timed out: ${errorText(item)}` };
    }
  }
  for (const item of chain) {
    const code = item.code;
    if (code !== undefined && permanentCodes.has(code)) {
      return { kind: 'permanent', reason: `Request could not be built (${code}): ${errorText(item)}` };
    }
  }
  for (const item of chain) {
    const code = item.code;
    if (code !== undefined && transientCodes.has(code)) {
      return { kind: 'retryable', reason: `Network error ${code}: ${errorText(item)}` };
    }
  }
  const first = chain[0];
  return {
    kind: 'retryable',
    reason: `Request failed: ${first === undefined ? String(error) : errorText(first)}`,
  };
}

/** Classifies a Logs Ingestion response (sentinel.md §2.3). */
export function classifyLogsIngestionResponse(
  outcome: HttpOutcome,
  context: IngestionContext = {},
): Classification {
  const { status } = outcome;
  if (status === 204) return { kind: 'ok' };
  if (status >= 200 && status < 300) {
    // The service answers 204 and the SDK accepts nothing else; a 200 here comes from something
    // in between (proxy, captive portal), so the records were not ingested.
    return {
      kind: 'permanent',
      status,
      reason: describeHttpFailure(
        outcome,
        'Logs Ingestion answers 204; this response came from something else',
      ),
    };
  }
  switch (status) {
    case 400:
      return {
        kind: 'permanent',
        status,
        reason: describeHttpFailure(outcome, 'payload rejected; dead-letter'),
      };
    case 401:
      return {
        kind: 'permanent',
        status,
        reason: describeHttpFailure(outcome, 'token rejected: check the audience/scope matches the cloud'),
      };
    case 403:
      return {
        kind: 'permanent',
        status,
        reason: describeHttpFailure(
          outcome,
          'the identity needs Monitoring Metrics Publisher on the DCR; a new role assignment can take 30 minutes',
        ),
      };
    case 404:
      return {
        kind: 'permanent',
        status,
        reason: describeHttpFailure(outcome, 'check the endpoint, DCR immutable id and stream name'),
      };
    case 413:
      return tooLarge(outcome, context, `over the ${logsIngestionMaxRequestBytes}-byte call limit`);
    case 408:
      return { kind: 'retryable', reason: describeHttpFailure(outcome) };
    case 429:
      return retryable(outcome, context, 'throttled');
    default:
      break;
  }
  // core-rest-pipeline retries 5xx except 501 and 505, which will not change on retry.
  if (status >= 500 && status !== 501 && status !== 505) return retryable(outcome, context);
  return { kind: 'permanent', status, reason: describeHttpFailure(outcome) };
}

// OAuth errors that another attempt with the same settings cannot fix (RFC 6749 §5.2).
const oauthConfigErrors =
  /\b(invalid_client|unauthorized_client|invalid_scope|invalid_grant|invalid_request|unsupported_grant_type)\b/;

/**
 * Classifies what `LogsIngestionClient.upload` or a credential threw: an Azure `RestError`
 * (HTTP status plus parsed body), an `@azure/identity` error, or a transport error.
 */
export function classifyLogsIngestionError(error: unknown, context: IngestionContext = {}): Classification {
  if (isObject(error) && typeof error.statusCode === 'number' && error.name === 'RestError') {
    const response = isObject(error.response) ? error.response : undefined;
    const headers = response?.headers as HeaderSource | undefined;
    const bodyText = typeof response?.bodyAsText === 'string' ? response.bodyAsText : undefined;
    // The SDK has already parsed the JSON body into `code` and `message`; rebuild it for the reason.
    const body =
      bodyText ??
      JSON.stringify({
        error: {
          ...(typeof error.code === 'string' ? { code: error.code } : {}),
          ...(typeof error.message === 'string' ? { message: error.message } : {}),
        },
      });
    return classifyLogsIngestionResponse(
      { status: error.statusCode, ...(headers === undefined ? {} : { headers }), body },
      context,
    );
  }
  if (
    isObject(error) &&
    (error.name === 'AuthenticationError' || error.name === 'AuthenticationRequiredError')
  ) {
    // @azure/identity 4.x surfaces a refused client secret as AuthenticationRequiredError with the OAuth
    // error in the message and no status (checked against test/support/fake-azure.ts).
    const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
    const detail = `Entra ID token request failed${status === undefined ? '' : ` (HTTP ${status})`}: ${errorText(error)}`;
    const clientFault =
      status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
    if (clientFault || (typeof error.message === 'string' && oauthConfigErrors.test(error.message))) {
      return {
        kind: 'permanent',
        ...(status === undefined ? {} : { status }),
        reason: truncateText(`${detail} (check tenant, client id, secret and audience)`, 700),
      };
    }
    return { kind: 'retryable', reason: truncateText(detail, 700) };
  }
  if (isObject(error) && error.name === 'CredentialUnavailableError') {
    // Managed identity endpoints can be briefly unreachable at start-up; let the retry budget decide.
    return { kind: 'retryable', reason: truncateText(`Credential unavailable: ${errorText(error)}`, 600) };
  }
  return classifyTransportError(error);
}

function tooLarge(outcome: HttpOutcome, context: IngestionContext, hint: string): Classification {
  const reason = describeHttpFailure(outcome, hint);
  if (context.records !== undefined && context.records <= 1) {
    return {
      kind: 'permanent',
      status: outcome.status,
      reason: `${reason}; a single record cannot be split`,
    };
  }
  return { kind: 'split', reason };
}

function retryable(outcome: HttpOutcome, context: IngestionContext, hint?: string): Classification {
  const retryAfterMs = parseRetryAfter(outcome.headers, context.now);
  const reason = describeHttpFailure(outcome, hint);
  return retryAfterMs === undefined
    ? { kind: 'retryable', reason }
    : { kind: 'retryable', retryAfterMs, reason };
}

interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || !isObject(value) || seen.has(value)) return;
    seen.add(value);
    out.push({
      name: typeof value.name === 'string' ? value.name : 'Error',
      message: typeof value.message === 'string' ? value.message : '',
      ...(typeof value.code === 'string' ? { code: value.code } : {}),
    });
    visit(value.cause, depth + 1);
    // Happy-eyeballs connects fail with an AggregateError holding one error per address.
    if (Array.isArray(value.errors)) for (const inner of value.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return out;
}

function errorText(error: { name?: unknown; message?: unknown }): string {
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? oneLine(error.message) : '';
  return truncateText(message === '' ? name : `${name}: ${message}`, 300);
}

// Known property names of errors and error bodies, so they can be read without index access.
interface Loose {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly response?: unknown;
  readonly headers?: unknown;
  readonly bodyAsText?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly error?: unknown;
}

function isObject(value: unknown): value is Loose & Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null;
}

function firstString(source: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' && value !== '') return oneLine(value);
  }
  return undefined;
}

function oneLine(text: string): string {
  return truncateText(text.replace(/\s+/g, ' ').trim(), 400);
}

function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
