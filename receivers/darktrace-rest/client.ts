import { Agent } from 'undici';
import {
  DarktraceApiError,
  DarktraceDateError,
  darktraceErrorCodes,
  type DarktraceErrorCode,
} from './errors.js';
import { isJsonObject, type JsonObject } from './normalise.js';
import { signRequest, type QueryPair } from './sign.js';

/** Connection settings of one Threat Visualizer appliance. */
export interface DarktraceClientOptions {
  /** Base URL, e.g. `https://darktrace.example.com` (a path prefix is kept and signed). */
  readonly url: string;
  readonly publicToken: string;
  readonly privateToken: string;
  /** PEM text of the CA (or the appliance's own self-signed certificate) to trust. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** `false` turns off certificate checks. Only when explicitly configured. */
  readonly rejectUnauthorized?: boolean;
  /** Whole-request limit in ms (Elastic's `http_client_timeout` is 30 s). */
  readonly timeoutMs?: number;
  /** Largest response body accepted; windows are not paged, so a huge one should be split. */
  readonly maxResponseBytes?: number;
  /** Clock for `DTAPI-Date` (epoch ms). */
  readonly now?: () => number;
  readonly userAgent?: string;
}

/** Defaults of {@link DarktraceClientOptions}. */
export const defaultClientOptions = {
  timeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  userAgent: 'darktrace-collector',
} as const;

/** Filters of `GET /modelbreaches`. Times are epoch ms and always sent as a pair. */
export interface ModelBreachQuery {
  readonly starttime: number;
  readonly endtime: number;
  /** 0–1 (not 0–100: the UI scale is ×100). */
  readonly minScore?: number;
  /** Acknowledged breaches are left out unless this is true. Default true. */
  readonly includeAcknowledged?: boolean;
  /** Flat `model` (the syslog shape) instead of `{then, now}`. Default true. */
  readonly historicModelOnly?: boolean;
  /** Adds `breachUrl` (needs the appliance FQDN set). Default true. */
  readonly includeBreachUrl?: boolean;
  /** Numeric enums become names. Default true. */
  readonly expandEnums?: boolean;
  /** The default differs by version, so it is always sent. Default false (full components). */
  readonly minimal?: boolean;
  /** Device object on top (as syslog) rather than in each component. Default true. */
  readonly deviceAtTop?: boolean;
  /** Filter on `creationTime` instead of breach `time`. Default false. */
  readonly creationTime?: boolean;
  readonly includeSuppressed?: boolean;
  readonly saasOnly?: boolean;
  readonly pbid?: number;
  readonly did?: number;
  /** Further parameters, appended in order. */
  readonly extra?: readonly QueryPair[];
}

/** Filters of `GET /aianalyst/incidentevents`. Scores here are 0–100. */
export interface IncidentEventQuery {
  readonly starttime: number;
  readonly endtime: number;
  /** Default true. */
  readonly includeAcknowledged?: boolean;
  /** Adds `incidentEventUrl`. Default true. */
  readonly includeIncidentEventUrl?: boolean;
  /** Darktrace's default (true) returns pinned events whatever the window. Default false. */
  readonly includeAllPinned?: boolean;
  readonly minScore?: number;
  readonly minGroupScore?: number;
  readonly locale?: string;
  readonly extra?: readonly QueryPair[];
}

/** Filters of `GET /aianalyst/groups`. */
export interface IncidentGroupQuery {
  readonly starttime?: number;
  readonly endtime?: number;
  /** Event ids; Darktrace returns the groups that hold them. */
  readonly eventIds?: readonly string[];
  /** Default true. */
  readonly includeAcknowledged?: boolean;
  readonly extra?: readonly QueryPair[];
}

type IncomingHttpHeaders = Record<string, string | string[] | undefined>;

const HTML_TITLE = /<title>([^<]{0,120})<\/title>/i;
const TLS_CODES =
  /^(?:DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_TLS_CERT|ERR_SSL_|HOSTNAME_MISMATCH)/;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** How many event ids go into one `/aianalyst/groups?uuid=` request, to keep URLs short. */
const GROUP_LOOKUP_CHUNK = 50;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function formatSkew(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${sign}${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

function bool(value: boolean): string {
  return value ? 'true' : 'false';
}

/** Whether an error code from node/undici means certificate verification failed. */
function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_CODES.test(code);
}

/**
 * Signed client for the Threat Visualizer REST API. Every call signs a fresh `DTAPI-Date`, sends the
 * exact query it signed, and turns Darktrace's error signals (§2.2) into {@link DarktraceApiError}s.
 */
export class DarktraceClient {
  readonly #origin: string;
  readonly #basePath: string;
  readonly #publicToken: string;
  readonly #privateToken: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #agent: Agent;

  constructor(options: DarktraceClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Darktrace URL must be http(s), got "${url.protocol}".`);
    }
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new TypeError('Darktrace URL must not carry a query, fragment or credentials.');
    }
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#publicToken = options.publicToken;
    this.#privateToken = options.privateToken;
    this.#timeoutMs = options.timeoutMs ?? defaultClientOptions.timeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes ?? defaultClientOptions.maxResponseBytes;
    this.#now = options.now ?? Date.now;
    this.#userAgent = options.userAgent ?? defaultClientOptions.userAgent;
    const ca: string | Buffer | (string | Buffer)[] | undefined =
      options.ca === undefined || typeof options.ca === 'string' || Buffer.isBuffer(options.ca)
        ? options.ca
        : [...options.ca];
    this.#agent = new Agent({
      connect: {
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** Model breaches in a time window, with the flat, full shape syslog also sends. */
  async getModelBreaches(query: ModelBreachQuery, signal?: AbortSignal): Promise<unknown[]> {
    const pairs: QueryPair[] = [
      ['starttime', query.starttime],
      ['endtime', query.endtime],
    ];
    if (query.minScore !== undefined) pairs.push(['minscore', query.minScore]);
    pairs.push(
      ['includeacknowledged', bool(query.includeAcknowledged ?? true)],
      ['historicmodelonly', bool(query.historicModelOnly ?? true)],
      ['includebreachurl', bool(query.includeBreachUrl ?? true)],
      ['expandenums', bool(query.expandEnums ?? true)],
      ['minimal', bool(query.minimal ?? false)],
      ['deviceattop', bool(query.deviceAtTop ?? true)],
    );
    if (query.creationTime === true) pairs.push(['creationtime', 'true']);
    if (query.includeSuppressed !== undefined)
      pairs.push(['includesuppressed', bool(query.includeSuppressed)]);
    if (query.saasOnly !== undefined) pairs.push(['saasonly', bool(query.saasOnly)]);
    if (query.pbid !== undefined) pairs.push(['pbid', query.pbid]);
    if (query.did !== undefined) pairs.push(['did', query.did]);
    pairs.push(...(query.extra ?? []));
    return this.#getList('/modelbreaches', pairs, signal);
  }

  /** AI Analyst incident events in a time window, pinned events excluded unless asked for. */
  async getIncidentEvents(query: IncidentEventQuery, signal?: AbortSignal): Promise<unknown[]> {
    const pairs: QueryPair[] = [
      ['starttime', query.starttime],
      ['endtime', query.endtime],
      ['includeacknowledged', bool(query.includeAcknowledged ?? true)],
      ['includeincidenteventurl', bool(query.includeIncidentEventUrl ?? true)],
      ['includeallpinned', bool(query.includeAllPinned ?? false)],
    ];
    if (query.minScore !== undefined) pairs.push(['minscore', query.minScore]);
    if (query.minGroupScore !== undefined) pairs.push(['mingroupscore', query.minGroupScore]);
    if (query.locale !== undefined) pairs.push(['locale', query.locale]);
    pairs.push(...(query.extra ?? []));
    return this.#getList('/aianalyst/incidentevents', pairs, signal);
  }

  /** AI Analyst incidents (groups of events). */
  async getIncidentGroups(query: IncidentGroupQuery, signal?: AbortSignal): Promise<unknown[]> {
    const pairs: QueryPair[] = [];
    if (query.starttime !== undefined) pairs.push(['starttime', query.starttime]);
    if (query.endtime !== undefined) pairs.push(['endtime', query.endtime]);
    if (query.eventIds !== undefined) pairs.push(['uuid', query.eventIds.join(',')]);
    pairs.push(['includeacknowledged', bool(query.includeAcknowledged ?? true)]);
    pairs.push(...(query.extra ?? []));
    return this.#getList('/aianalyst/groups', pairs, signal);
  }

  /**
   * Looks up the incident (group) of each event id, in chunks. Events whose group is not found are
   * absent from the map. For optional enrichment; the event body already names its `currentGroup`.
   */
  async getGroupsForEvents(
    eventIds: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, JsonObject>> {
    const wanted = new Set(eventIds);
    const byEvent = new Map<string, JsonObject>();
    const ids = [...wanted];
    for (let i = 0; i < ids.length; i += GROUP_LOOKUP_CHUNK) {
      const groups = await this.getIncidentGroups({ eventIds: ids.slice(i, i + GROUP_LOOKUP_CHUNK) }, signal);
      for (const group of groups) {
        if (!isJsonObject(group) || !Array.isArray(group['incidentEvents'])) continue;
        for (const member of group['incidentEvents']) {
          const uuid = isJsonObject(member) ? member['uuid'] : undefined;
          if (typeof uuid === 'string' && wanted.has(uuid)) byEvent.set(uuid, group);
        }
      }
    }
    return byEvent;
  }

  /**
   * Signed GET of any endpoint, parsed as JSON. Resolves `null` when Darktrace answers
   * 404 `{"error": …}`, which means "no data for that id" (§2.2).
   */
  async getJson(path: string, query: readonly QueryPair[] = [], signal?: AbortSignal): Promise<unknown> {
    const localTime = this.#now();
    const signed = signRequest({
      path: `${this.#basePath}${path}`,
      query,
      publicToken: this.#publicToken,
      privateToken: this.#privateToken,
      now: localTime,
    });
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const fail = (code: DarktraceErrorCode, message: string, retryable: boolean, extra: object = {}) =>
      new DarktraceApiError(code, this.#redact(message), { retryable, endpoint: path, ...extra });

    let status: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const response = await this.#agent.request({
        origin: this.#origin,
        path: signed.target,
        method: 'GET',
        headers: { ...signed.headers, accept: 'application/json', 'user-agent': this.#userAgent },
        signal: combined,
      });
      status = response.statusCode;
      headers = response.headers;
      text = await this.#readBody(response.body, path);
    } catch (error) {
      if (error instanceof DarktraceApiError) throw error;
      if (signal?.aborted === true) {
        throw fail(darktraceErrorCodes.aborted, `Darktrace request to ${path} was cancelled.`, false, {
          cause: error,
        });
      }
      const code = (error as { code?: unknown } | null)?.code;
      if (timeout.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
        throw fail(
          darktraceErrorCodes.timeout,
          `Darktrace did not answer ${path} within ${this.#timeoutMs} ms.`,
          true,
          { cause: error },
        );
      }
      if (isTlsFailure(error)) {
        throw fail(
          darktraceErrorCodes.tls,
          `TLS verification of ${this.#origin} failed (${String(code)}): configure the appliance's CA certificate, or disable verification explicitly.`,
          false,
          { cause: error },
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw fail(
        darktraceErrorCodes.unavailable,
        `Darktrace at ${this.#origin} is unreachable: ${reason}.`,
        true,
        {
          cause: error,
        },
      );
    }
    return this.#interpret({ path, status, headers, text, signed: signed.headers, localTime, fail });
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #getList(
    path: string,
    pairs: readonly QueryPair[],
    signal: AbortSignal | undefined,
  ): Promise<unknown[]> {
    const value = await this.getJson(path, pairs, signal);
    if (value === null) return [];
    if (!Array.isArray(value)) {
      throw new DarktraceApiError(
        darktraceErrorCodes.badResponse,
        `Darktrace answered ${path} with a JSON ${typeof value} where an array was expected.`,
        { retryable: false, endpoint: path, status: 200 },
      );
    }
    return value as unknown[];
  }

  async #readBody(
    body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
    path: string,
  ): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.#maxResponseBytes) {
        body.destroy();
        throw new DarktraceApiError(
          darktraceErrorCodes.badResponse,
          `Darktrace answer from ${path} exceeds ${this.#maxResponseBytes} bytes: shorten the request window.`,
          { retryable: false, endpoint: path },
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  #interpret(r: {
    path: string;
    status: number;
    headers: IncomingHttpHeaders;
    text: string;
    signed: { 'DTAPI-Date': string };
    localTime: number;
    fail: (
      code: DarktraceErrorCode,
      message: string,
      retryable: boolean,
      extra?: object,
    ) => DarktraceApiError;
  }): unknown {
    const { path, status, headers, text, fail } = r;
    const withStatus = { status };
    // Darktrace's own error bodies are JSON whose value is the marker (XSOAR checks `values()`).
    if (text.includes('API SIGNATURE ERROR')) {
      throw fail(
        darktraceErrorCodes.signature,
        `Darktrace rejected the API signature for ${path} (API SIGNATURE ERROR): check the public and private tokens.`,
        false,
        withStatus,
      );
    }
    if (text.includes('API DATE ERROR')) {
      const serverDate = header(headers, 'date');
      const parsed = serverDate === undefined ? Number.NaN : Date.parse(serverDate);
      const serverTime = Number.isNaN(parsed) ? undefined : parsed;
      const ours = new Date(r.localTime).toISOString();
      const hint =
        serverTime === undefined
          ? `our clock reads ${ours}; the appliance did not send its time`
          : `the appliance clock reads ${new Date(serverTime).toISOString()}, ours ${ours} (skew ${formatSkew(serverTime - r.localTime)})`;
      // Retryable: the next attempt signs a fresh date, which fixes a delayed request; a real skew
      // keeps failing with this message until NTP is fixed.
      throw new DarktraceDateError(
        this.#redact(
          `Darktrace rejected the request date for ${path} (API DATE ERROR): sent DTAPI-Date ${r.signed['DTAPI-Date']} (UTC); ${hint}. Check time synchronisation on this host and the appliance.`,
        ),
        {
          retryable: true,
          endpoint: path,
          status,
          sentDate: r.signed['DTAPI-Date'],
          localTime: r.localTime,
          ...(serverTime === undefined ? {} : { serverTime }),
        },
      );
    }
    if (status >= 300 && status < 400) {
      const location = header(headers, 'location') ?? '';
      const target = location !== '' ? location : (/Redirecting to (\S+)/.exec(text)?.[1] ?? '');
      if (/\/403\b/.test(target)) {
        throw fail(
          darktraceErrorCodes.permission,
          `Darktrace redirected ${path} to /403: the API token lacks permission for this endpoint.`,
          false,
          withStatus,
        );
      }
      if (/\/login\b/.test(target)) {
        throw fail(
          darktraceErrorCodes.auth,
          `Darktrace redirected ${path} to its login page: the endpoint is unknown to this appliance version, or the token was not accepted.`,
          false,
          withStatus,
        );
      }
      throw fail(
        darktraceErrorCodes.badResponse,
        `Darktrace answered ${path} with a redirect (${status}) to "${target}": check the configured URL.`,
        false,
        withStatus,
      );
    }
    if (status === 401) {
      throw fail(
        darktraceErrorCodes.auth,
        `Darktrace refused the API token for ${path} (401).`,
        false,
        withStatus,
      );
    }
    if (status === 403) {
      throw fail(
        darktraceErrorCodes.permission,
        `Darktrace denied ${path} (403): the API token lacks permission for this endpoint.`,
        false,
        withStatus,
      );
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), this.#now());
      throw fail(
        darktraceErrorCodes.unavailable,
        `Darktrace answered ${path} with ${status}; will retry.`,
        true,
        retryAfterMs === undefined ? withStatus : { ...withStatus, retryAfterMs },
      );
    }

    const contentType = header(headers, 'content-type') ?? '';
    const trimmed = text.trimStart();
    if (contentType.includes('text/html') || trimmed.startsWith('<')) {
      // Some versions answer a missing privilege with a 200 login page (§2.2).
      const title = HTML_TITLE.exec(trimmed)?.[1]?.trim();
      throw fail(
        darktraceErrorCodes.auth,
        `Darktrace answered ${path} with an HTML page${title === undefined ? '' : ` ("${title}")`} instead of JSON (${status}): the token is not accepted or lacks the privilege for this endpoint.`,
        false,
        withStatus,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (status >= 200 && status < 300) {
        throw fail(
          darktraceErrorCodes.badResponse,
          `Darktrace answered ${path} with a body that is not JSON.`,
          false,
          {
            ...withStatus,
          },
        );
      }
      json = undefined;
    }
    if (status >= 200 && status < 300) return json;
    if (status === 404 && isJsonObject(json) && 'error' in json) return null;
    if (status === 404) {
      throw fail(
        darktraceErrorCodes.notFound,
        `Darktrace has no endpoint ${path} (404): check the URL.`,
        false,
        withStatus,
      );
    }
    const snippet = text.slice(0, 200).replace(/\s+/g, ' ');
    throw fail(
      darktraceErrorCodes.badRequest,
      `Darktrace refused ${path} (${status})${snippet === '' ? '' : `: ${snippet}`}`,
      false,
      withStatus,
    );
  }

  /** The private token must never reach a log line, even if an appliance or proxy echoes it. */
  #redact(message: string): string {
    return this.#privateToken === '' ? message : message.split(this.#privateToken).join('[redacted]');
  }
}
