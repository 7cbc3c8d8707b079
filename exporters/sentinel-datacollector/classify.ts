/**
 * Classification of HTTP Data Collector responses (sentinel.md §1.6) and one signed POST.
 * Only 429, 5xx and network errors are retried: Fluent Bit retries every non-2xx and users see the
 * pipeline blocked by 400s for ever (fluent/fluent-bit#3972).
 */
import { request, type Dispatcher } from 'undici';
import {
  classifyTransportError,
  describeHttpFailure,
  headerValue,
  parseRetryAfter,
  type Classification,
  type HttpOutcome,
} from '../sentinel-logs-ingestion/classify.js';
import { dataCollectorRetirementDate } from './config.js';
import { defaultMaxBodyBytes } from './encode.js';
import { validateLogType, validateTimeGeneratedField } from './log-type.js';
import { bodyByteLength, decodeSharedKey, signDataCollectorRequest, toRfc1123 } from './sign.js';

export type { Classification, HttpOutcome } from '../sentinel-logs-ingestion/classify.js';

// Defined with the config (whose schema text quotes it), which must not import this module and undici.
export { dataCollectorRetirementDate } from './config.js';

/** The only API version. */
export const dataCollectorApiVersion = '2016-04-01';

/** Facts about the request that change the class of a response. */
export interface DataCollectorContext {
  /** Body size; a 404 near the cap means "too large" (sentinel.md §1.6). */
  readonly bodyBytes?: number;
  /** Records in the body; one record can never be split. */
  readonly records?: number;
  /** The body cap in use (default 30,000,000). */
  readonly maxBodyBytes?: number;
  /** Clock for the retirement check and HTTP-date `Retry-After`. */
  readonly now?: Date;
  /** After this date any failure is permanent and names the retirement; `null` turns that off. */
  readonly retiredAfter?: Date | null;
}

// Hints per documented error code (sentinel.md §1.6).
const errorHints: Readonly<Record<string, string>> = {
  InactiveCustomer: 'the workspace is closed',
  InvalidApiVersion: 'bad api-version (a bug)',
  MissingApiVersion: 'missing api-version (a bug)',
  InvalidCustomerId: 'check the workspace id',
  InvalidDataFormat: 'the body is not valid JSON; dead-letter the batch',
  InvalidLogType: 'check log_type: letters, digits and "_", at most 100 characters',
  MissingContentType: 'header problem (a bug)',
  UnsupportedContentType: 'Content-Type must be exactly application/json (a bug)',
  MissingLogType: 'header problem (a bug)',
  InvalidAuthorization: 'check the workspace id and shared key, and the clock',
};

// A 404 on a body this close to the cap is taken as "too large" rather than "wrong URL".
const nearCapRatio = 0.8;

/** Classifies one Data Collector response. */
export function classifyDataCollectorResponse(
  outcome: HttpOutcome,
  context: DataCollectorContext = {},
): Classification {
  const classification = classifyStatus(outcome, context);
  const retiredAfter =
    context.retiredAfter === undefined ? dataCollectorRetirementDate : context.retiredAfter;
  const now = context.now ?? new Date();
  if (classification.kind !== 'ok' && retiredAfter !== null && now.getTime() >= retiredAfter.getTime()) {
    // No public description of the post-retirement answer exists; whatever comes back is final.
    return {
      kind: 'permanent',
      status: outcome.status,
      reason: `The HTTP Data Collector API was retired on ${retiredAfter.toISOString().slice(0, 10)}; move to sentinel-logs-ingestion. ${describeHttpFailure(outcome)}`,
    };
  }
  return classification;
}

/** Classifies an error thrown before any response (connect, TLS, timeout, abort). */
export function classifyDataCollectorError(error: unknown): Classification {
  return classifyTransportError(error);
}

function classifyStatus(outcome: HttpOutcome, context: DataCollectorContext): Classification {
  const { status } = outcome;
  if (status === 200) return { kind: 'ok' };
  const code = errorCodeOf(outcome);
  const hint = code === undefined ? undefined : errorHints[code];
  if (status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505)) {
    const retryAfterMs = parseRetryAfter(outcome.headers, context.now);
    const reason = describeHttpFailure(outcome, status === 429 ? 'throttled' : undefined);
    return retryAfterMs === undefined
      ? { kind: 'retryable', reason }
      : { kind: 'retryable', retryAfterMs, reason };
  }
  if (status === 404 || status === 413) {
    const maxBodyBytes = context.maxBodyBytes ?? defaultMaxBodyBytes;
    const large =
      status === 413 || (context.bodyBytes !== undefined && context.bodyBytes >= maxBodyBytes * nearCapRatio);
    if (large) {
      // The Data Collector API answers 404 to oversize requests (sentinel.md §1.6).
      const reason = describeHttpFailure(outcome, 'request too large');
      if (context.records !== undefined && context.records <= 1) {
        return { kind: 'permanent', status, reason: `${reason}; a single record cannot be split` };
      }
      return { kind: 'split', reason };
    }
    return {
      kind: 'permanent',
      status,
      reason: describeHttpFailure(outcome, 'check the endpoint and workspace id'),
    };
  }
  if (status >= 200 && status < 300) {
    return {
      kind: 'permanent',
      status,
      reason: describeHttpFailure(outcome, 'the API answers 200; this came from something else'),
    };
  }
  return { kind: 'permanent', status, reason: describeHttpFailure(outcome, hint) };
}

function errorCodeOf(outcome: HttpOutcome): string | undefined {
  if (outcome.body === undefined) return undefined;
  try {
    const parsed = JSON.parse(outcome.body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const value =
        (parsed as { Error?: unknown; error?: unknown }).Error ?? (parsed as { error?: unknown }).error;
      if (typeof value === 'string') return value;
      if (typeof value === 'object' && value !== null) {
        const inner = (value as { code?: unknown }).code;
        if (typeof inner === 'string') return inner;
      }
    }
  } catch {
    // Not JSON: no code.
  }
  return undefined;
}

/** Settings for {@link sendDataCollector}. */
export interface DataCollectorSendOptions {
  /** Log Analytics workspace id (a GUID). */
  readonly workspaceId: string;
  /** Primary or secondary key, Base64 as shown by Azure, or already decoded with `decodeSharedKey`. */
  readonly sharedKey: string | Uint8Array;
  /** Table name without `_CL`. */
  readonly logType: string;
  /** Base URL; default `https://<workspaceId>.ods.opinsights.azure.com` (`.us`/`.cn` for sovereign clouds). */
  readonly endpoint?: string;
  /** Record field whose ISO 8601 value becomes `TimeGenerated`; unset by default (sentinel.md §1.4). */
  readonly timeGeneratedField?: string;
  /** ARM resource id for `_ResourceId`. */
  readonly azureResourceId?: string;
  /** Records in the body, so that an oversize single record is reported as permanent. */
  readonly records?: number;
  /** The body cap in use, for reading 404 as "too large". */
  readonly maxBodyBytes?: number;
  /** Clock for `x-ms-date` and the retirement check. */
  readonly clock?: () => Date;
  /** See {@link DataCollectorContext.retiredAfter}. */
  readonly retiredAfter?: Date | null;
  /** undici dispatcher (proxy, connection limits); the global one by default. */
  readonly dispatcher?: Dispatcher;
}

/** The class of the final answer, with the status and request id when there was one. */
export type DataCollectorSendResult = Classification & {
  readonly httpStatus?: number;
  readonly requestId?: string;
  /** Requests made: 2 when a clock-skew 403 was re-signed once. */
  readonly attempts: number;
};

// Beyond this gap between our x-ms-date and the server's Date, a 403 is blamed on our clock.
const skewSuspectMs = 5 * 60_000;
const maxErrorBodyChars = 8192;

/**
 * POSTs one encoded body (from `encodeDataCollectorBodies`) and classifies the answer. Never throws:
 * configuration problems come back as `permanent`. Secrets never appear in a reason.
 */
export async function sendDataCollector(
  options: DataCollectorSendOptions,
  body: Uint8Array | string,
  signal?: AbortSignal,
): Promise<DataCollectorSendResult> {
  const clock = options.clock ?? (() => new Date());
  const problem = checkOptions(options);
  if (problem !== undefined) return { kind: 'permanent', reason: problem, attempts: 0 };

  let key: Uint8Array;
  try {
    key = typeof options.sharedKey === 'string' ? decodeSharedKey(options.sharedKey) : options.sharedKey;
  } catch (error) {
    return { kind: 'permanent', reason: (error as Error).message, attempts: 0 };
  }
  const secrets = [
    typeof options.sharedKey === 'string' ? options.sharedKey.trim() : Buffer.from(key).toString('base64'),
  ];
  const url = dataCollectorUrl(options);
  const context = {
    bodyBytes: bodyByteLength(body),
    ...(options.records === undefined ? {} : { records: options.records }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.retiredAfter === undefined ? {} : { retiredAfter: options.retiredAfter }),
  };

  let offsetMs = 0;
  for (let attempt = 1; ; attempt += 1) {
    const date = toRfc1123(new Date(clock().getTime() + offsetMs));
    const signed = signDataCollectorRequest(options.workspaceId, key, body, date);
    secrets.push(signed.authorization.slice(signed.authorization.indexOf(':') + 1));
    const headers: Record<string, string> = {
      ...signed,
      'log-type': options.logType,
      ...(options.timeGeneratedField === undefined
        ? {}
        : { 'time-generated-field': options.timeGeneratedField }),
      ...(options.azureResourceId === undefined ? {} : { 'x-ms-azureresourceid': options.azureResourceId }),
    };
    let outcome: HttpOutcome;
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        ...(signal === undefined ? {} : { signal }),
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
      });
      const text =
        response.statusCode === 200 ? (await response.body.dump(), '') : await readLimited(response.body);
      outcome = { status: response.statusCode, headers: response.headers, body: text };
    } catch (error) {
      const classification = classifyDataCollectorError(error);
      return { ...scrub(classification, secrets), attempts: attempt };
    }

    // sentinel.md §1.6: at most one re-sign and retry when clock skew is suspected.
    const serverDate = Date.parse(headerValue(outcome.headers, 'date') ?? '');
    const skew = serverDate - Date.parse(date);
    if (
      outcome.status === 403 &&
      attempt === 1 &&
      !Number.isNaN(serverDate) &&
      Math.abs(skew) > skewSuspectMs
    ) {
      offsetMs = skew;
      continue;
    }

    const classification = classifyDataCollectorResponse(outcome, { ...context, now: clock() });
    const requestId = headerValue(outcome.headers, 'x-ms-request-id');
    return {
      ...scrub(classification, secrets),
      httpStatus: outcome.status,
      ...(requestId === undefined ? {} : { requestId }),
      attempts: attempt,
    };
  }
}

/** `<endpoint>/api/logs?api-version=2016-04-01`. */
export function dataCollectorUrl(
  options: Pick<DataCollectorSendOptions, 'workspaceId' | 'endpoint'>,
): string {
  const base = options.endpoint ?? `https://${options.workspaceId}.ods.opinsights.azure.com`;
  return `${base.replace(/\/+$/, '')}/api/logs?api-version=${dataCollectorApiVersion}`;
}

function checkOptions(options: DataCollectorSendOptions): string | undefined {
  const logType = validateLogType(options.logType);
  if (logType !== undefined) return logType;
  if (options.timeGeneratedField !== undefined) {
    const field = validateTimeGeneratedField(options.timeGeneratedField);
    if (field !== undefined) return field;
  }
  if (
    options.endpoint === undefined &&
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.workspaceId)
  ) {
    return 'workspace_id must be the workspace GUID (Log Analytics workspace → Agents).';
  }
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
    return `endpoint is not a valid URL: ${JSON.stringify(options.endpoint)}`;
  }
  return undefined;
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < maxErrorBodyChars) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, maxErrorBodyChars);
}

function scrub(classification: Classification, secrets: readonly string[]): Classification {
  if (classification.kind === 'ok') return classification;
  let reason = classification.reason;
  for (const secret of secrets) if (secret.length >= 8) reason = reason.split(secret).join('[redacted]');
  return { ...classification, reason };
}
