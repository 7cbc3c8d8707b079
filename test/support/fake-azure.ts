/**
 * Loopback fakes of the Azure services the Sentinel exporters talk to (sentinel.md §1, §2, §2.6):
 * - a Data Collector endpoint (plain HTTP) that recomputes the SharedKey signature and checks the
 *   date skew, headers and Log-Type rules before storing records;
 * - an HTTPS server that is both an Entra ID authority (OpenID metadata + client-credentials token
 *   endpoint, enough for `ClientSecretCredential` with `disableInstanceDiscovery`) and a Logs Ingestion
 *   endpoint that checks the bearer token, gzip, the 1 MB cap and the DCR/stream.
 * Both answer 429/5xx/4xx or hang on cue. The rules are written out here independently of the
 * exporter code, so that a bug there cannot hide behind the same bug here.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { canMakeCertificates, testPki } from './tls.js';
import { gunzipSync } from 'node:zlib';

/** A canned failure: an HTTP answer, or a request that is never answered. */
export type FakeFault =
  | {
      readonly status: number;
      readonly retryAfter?: string;
      readonly code?: string;
      readonly message?: string;
    }
  | { readonly hang: true };

/** Fault injection shared by both fakes. */
export interface FaultControls {
  /** The next `count` requests get `fault`. Queued calls apply in order. */
  failNext(count: number, fault: FakeFault): void;
  /** From now on, each request gets `fault` with probability `fraction` (seeded, so repeatable). */
  failFraction(fraction: number, fault: FakeFault, seed?: number): void;
  clearFaults(): void;
}

/** One request as the fake saw it. */
export interface FakeRequest {
  readonly path: string;
  /** Answer given, or `hung`. */
  readonly status: number | 'hung';
  readonly code?: string;
  readonly headers: IncomingHttpHeaders;
  /** Bytes on the wire. */
  readonly wireBytes: number;
  /** Bytes after gunzip (equals `wireBytes` when not compressed). */
  readonly bodyBytes: number;
  readonly gzip: boolean;
  /** Records stored from this request. */
  readonly stored: number;
  readonly injected: boolean;
}

// Marks "a response was sent", so handlers can `return answer(…)`.
const answered = 'answered';
type Answered = typeof answered;

class Faults implements FaultControls {
  #queue: { fault: FakeFault; left: number }[] = [];
  #fraction: { fraction: number; fault: FakeFault; state: number } | undefined;

  failNext(count: number, fault: FakeFault): void {
    if (count > 0) this.#queue.push({ fault, left: count });
  }

  failFraction(fraction: number, fault: FakeFault, seed = 1): void {
    this.#fraction = { fraction, fault, state: seed >>> 0 || 1 };
  }

  clearFaults(): void {
    this.#queue = [];
    this.#fraction = undefined;
  }

  take(): FakeFault | undefined {
    const head = this.#queue[0];
    if (head !== undefined) {
      head.left -= 1;
      if (head.left <= 0) this.#queue.shift();
      return head.fault;
    }
    const f = this.#fraction;
    if (f === undefined) return undefined;
    // xorshift32: deterministic, so a failing run can be replayed.
    f.state ^= f.state << 13;
    f.state ^= f.state >>> 17;
    f.state ^= f.state << 5;
    f.state >>>= 0;
    return f.state / 0x1_0000_0000 < f.fraction ? f.fault : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP Data Collector API

/** Options for {@link startFakeDataCollector}. */
export interface FakeDataCollectorOptions {
  readonly workspaceId?: string;
  /** Base64 workspace key (a random one by default). */
  readonly sharedKey?: string;
  /** Largest accepted gap between `x-ms-date` and the fake's clock (undocumented for the real API; 15 min). */
  readonly maxSkewMs?: number;
  /** Moves the fake's clock, to play a server whose time differs from ours. */
  readonly clockOffsetMs?: number;
  /** Bodies above this get 404, as the real API answers oversize posts (default 30,000,000). */
  readonly maxBodyBytes?: number;
}

/** A record the fake accepted, with the headers that came with it. */
export interface StoredDataCollectorRecord {
  readonly logType: string;
  readonly record: Record<string, unknown>;
  readonly timeGeneratedField?: string;
  readonly azureResourceId?: string;
}

/** A running fake Data Collector endpoint. */
export interface FakeDataCollector extends FaultControls {
  /** Base URL to use as the exporter's `endpoint`. */
  readonly url: string;
  readonly workspaceId: string;
  readonly sharedKey: string;
  readonly records: StoredDataCollectorRecord[];
  readonly requests: FakeRequest[];
  stop(): Promise<void>;
}

/** Starts a fake Data Collector endpoint on 127.0.0.1, port 0. */
export async function startFakeDataCollector(
  options: FakeDataCollectorOptions = {},
): Promise<FakeDataCollector> {
  const workspaceId = options.workspaceId ?? randomUUID();
  const sharedKey = options.sharedKey ?? randomBytes(64).toString('base64');
  const key = Buffer.from(sharedKey, 'base64');
  const maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? 30_000_000;
  const now = (): Date => new Date(Date.now() + (options.clockOffsetMs ?? 0));
  const faults = new Faults();
  const records: StoredDataCollectorRecord[] = [];
  const requests: FakeRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<Answered | undefined> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const seen = {
      path: url.pathname,
      headers: req.headers,
      wireBytes: body.length,
      bodyBytes: body.length,
      gzip: false,
    };
    const answer = (
      status: number,
      code?: string,
      message?: string,
      extra: Record<string, string> = {},
      injected = false,
    ): Answered => {
      requests.push({ ...seen, status, ...(code === undefined ? {} : { code }), stored: 0, injected });
      res.setHeader('Date', now().toUTCString());
      res.setHeader('x-ms-request-id', randomUUID());
      for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
      res.statusCode = status;
      if (code === undefined) res.end();
      else {
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ Error: code, Message: message ?? code }));
      }
      return answered;
    };

    if (req.method !== 'POST' || url.pathname !== '/api/logs') return answer(404);
    const fault = faults.take();
    if (fault !== undefined) {
      if ('hang' in fault) {
        requests.push({ ...seen, status: 'hung', stored: 0, injected: true });
        return;
      }
      return answer(
        fault.status,
        fault.code ?? defaultCode(fault.status),
        fault.message,
        fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter },
        true,
      );
    }
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion === null)
      return answer(400, 'MissingApiVersion', 'The api-version query parameter is missing.');
    if (apiVersion !== '2016-04-01')
      return answer(400, 'InvalidApiVersion', `Unsupported api-version ${apiVersion}.`);
    if (body.length > maxBodyBytes) return answer(404);

    const contentType = req.headers['content-type'];
    if (contentType === undefined) return answer(400, 'MissingContentType', 'Content-Type is missing.');
    // The service signs its own view of Content-Type, so `application/json; charset=utf-8` fails the signature.
    if (contentType !== 'application/json') {
      if (contentType.startsWith('application/json')) {
        return answer(
          403,
          'InvalidAuthorization',
          'An invalid signature was specified in the Authorization header',
        );
      }
      return answer(400, 'UnsupportedContentType', `Content-Type ${contentType} is not supported.`);
    }
    const logType = req.headers['log-type'];
    if (typeof logType !== 'string' || logType === '')
      return answer(400, 'MissingLogType', 'Log-Type is missing.');
    if (!/^[A-Za-z0-9_]{1,100}$/.test(logType))
      return answer(400, 'InvalidLogType', 'The Log-Type is invalid.');

    const date = req.headers['x-ms-date'];
    const dateMs = typeof date === 'string' ? Date.parse(date) : Number.NaN;
    if (typeof date !== 'string' || Number.isNaN(dateMs)) {
      return answer(403, 'InvalidAuthorization', 'The x-ms-date header is missing or invalid.');
    }
    if (Math.abs(now().getTime() - dateMs) > maxSkewMs) {
      return answer(
        403,
        'InvalidAuthorization',
        'An invalid signature was specified in the Authorization header',
      );
    }
    const auth = /^SharedKey ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
    if (auth === null)
      return answer(
        403,
        'InvalidAuthorization',
        'An invalid scheme was specified in the Authorization header',
      );
    if (auth[1] !== workspaceId)
      return answer(
        403,
        'InvalidAuthorization',
        'An invalid signature was specified in the Authorization header',
      );
    const stringToSign = `POST\n${body.length}\napplication/json\nx-ms-date:${date}\n/api/logs`;
    const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
    if (auth[2] !== expected) {
      return answer(
        403,
        'InvalidAuthorization',
        'An invalid signature was specified in the Authorization header',
      );
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(400, 'InvalidDataFormat', 'The request body is not valid JSON.');
    }
    if (!Array.isArray(parsed) || !parsed.every(isPlainObject)) {
      return answer(400, 'InvalidDataFormat', 'The request body must be a JSON array of objects.');
    }
    const timeGeneratedField = headerString(req.headers['time-generated-field']);
    const azureResourceId = headerString(req.headers['x-ms-azureresourceid']);
    for (const record of parsed) {
      records.push({
        logType,
        record,
        ...(timeGeneratedField === undefined ? {} : { timeGeneratedField }),
        ...(azureResourceId === undefined ? {} : { azureResourceId }),
      });
    }
    requests.push({ ...seen, status: 200, stored: parsed.length, injected: false });
    res.setHeader('Date', now().toUTCString());
    res.statusCode = 200;
    res.end();
    return answered;
  };

  const server = createHttpServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    workspaceId,
    sharedKey,
    records,
    requests,
    failNext: (count, fault) => faults.failNext(count, fault),
    failFraction: (fraction, fault, seed) => faults.failFraction(fraction, fault, seed),
    clearFaults: () => faults.clearFaults(),
    stop: () => close(server),
  };
}

function defaultCode(status: number): string | undefined {
  switch (status) {
    case 400:
      return 'InvalidDataFormat';
    case 403:
      return 'InvalidAuthorization';
    case 500:
      return 'UnspecifiedError';
    case 503:
      return 'ServiceUnavailable';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Entra ID + Logs Ingestion

/** Options for {@link startFakeAzure}. */
export interface FakeAzureOptions {
  readonly tenantId?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly dcrImmutableId?: string;
  /** Declared streams (default `Custom-DarktraceModelAlerts`). */
  readonly streams?: readonly string[];
  /** Call cap on the wire and after gunzip (default 1,048,576, as the service). */
  readonly maxRequestBytes?: number;
  /** Token audience the ingestion endpoint accepts (default `https://monitor.azure.com`). */
  readonly audience?: string;
  /** Refuse uncompressed calls (default true: the exporter always gzips). */
  readonly requireGzip?: boolean;
}

/** A record stored by the fake ingestion endpoint. */
export interface StoredIngestionRecord {
  readonly stream: string;
  readonly record: Record<string, unknown>;
}

/** A token request as the fake authority saw it. */
export interface FakeTokenRequest {
  readonly clientId: string;
  readonly scope: string;
  readonly granted: boolean;
}

/** A running fake Entra ID authority + Logs Ingestion endpoint (one HTTPS server). */
export interface FakeAzure extends FaultControls {
  /** Use as both `authorityHost` and ingestion `endpoint`. */
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly dcrImmutableId: string;
  /** PEM of the test CA that signed the server certificate (already trusted in this process). */
  readonly ca: string;
  readonly records: StoredIngestionRecord[];
  /** Ingestion calls only. */
  readonly requests: FakeRequest[];
  readonly tokenRequests: FakeTokenRequest[];
  recordsFor(stream: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Whether `openssl` is on PATH; MSAL needs an HTTPS authority and Node cannot mint certificates itself. */
export const canStartFakeAzure = canMakeCertificates;

let trusted = false;

// The shared test PKI's server certificate for 127.0.0.1, its CA trusted process-wide once.
function loopbackCertificate(): { cert: string; key: string; ca: string } {
  const pki = testPki();
  if (!trusted) {
    // Process-wide trust, the in-process equivalent of NODE_EXTRA_CA_CERTS (which is read only at start).
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), pki.ca]);
    trusted = true;
  }
  return {
    cert: readFileSync(pki.serverCertFile, 'utf8'),
    key: readFileSync(pki.serverKeyFile, 'utf8'),
    ca: pki.ca,
  };
}

/** Starts the fake authority + ingestion endpoint on https://127.0.0.1, port 0. */
export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const { cert, key, ca } = loopbackCertificate();
  const tenantId = options.tenantId ?? randomUUID();
  const clientId = options.clientId ?? randomUUID();
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const dcrImmutableId = options.dcrImmutableId ?? `dcr-${randomBytes(16).toString('hex')}`;
  const streams = new Set(options.streams ?? ['Custom-DarktraceModelAlerts']);
  const maxRequestBytes = options.maxRequestBytes ?? 1_048_576;
  const audience = options.audience ?? 'https://monitor.azure.com';
  const requireGzip = options.requireGzip ?? true;
  const faults = new Faults();
  const records: StoredIngestionRecord[] = [];
  const requests: FakeRequest[] = [];
  const tokenRequests: FakeTokenRequest[] = [];
  const tokens = new Map<string, { audience: string; expiresAt: number }>();
  let base = '';

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.end(JSON.stringify(body));
  };

  const authority = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): boolean => {
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === 'GET' && metadata !== null) {
      if (metadata[1] !== tenantId) {
        json(res, 400, {
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${metadata[1] ?? ''}' not found.`,
        });
        return true;
      }
      // MSAL accepts the document only with these four fields (sentinel.md §2.6).
      json(res, 200, {
        issuer: `${base}/${tenantId}/v2.0`,
        authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
        jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
      });
      return true;
    }
    if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body.toString('utf8'));
      const scope = form.get('scope') ?? '';
      const requester = form.get('client_id') ?? '';
      const granted =
        form.get('grant_type') === 'client_credentials' &&
        requester === clientId &&
        form.get('client_secret') === clientSecret;
      tokenRequests.push({ clientId: requester, scope, granted });
      if (requester !== clientId) {
        json(res, 400, {
          error: 'unauthorized_client',
          error_description: `AADSTS700016: Application with identifier '${requester}' was not found in the directory.`,
          error_codes: [700016],
        });
        return true;
      }
      if (!granted) {
        json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
        });
        return true;
      }
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { audience: scope.replace(/\/+\.default$/, ''), expiresAt: Date.now() + 3_600_000 });
      json(res, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: token });
      return true;
    }
    return false;
  };

  const ingest = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
  ): Answered | undefined => {
    const seen = {
      path: url.pathname,
      headers: req.headers,
      wireBytes: body.length,
      gzip: req.headers['content-encoding'] === 'gzip',
    };
    const answer = (
      status: number,
      code?: string,
      message?: string,
      extra: Record<string, string> = {},
      injected = false,
      bodyBytes = body.length,
    ): Answered => {
      requests.push({
        ...seen,
        bodyBytes,
        status,
        ...(code === undefined ? {} : { code }),
        stored: 0,
        injected,
      });
      const headers = {
        'x-ms-request-id': randomUUID(),
        ...(code === undefined ? {} : { 'x-ms-error-code': code }),
        ...extra,
      };
      if (code === undefined) {
        res.statusCode = status;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.end();
      } else {
        json(res, status, { error: { code, message: message ?? code } }, headers);
      }
      return answered;
    };

    const route = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || route === null) return answer(404, 'NotFound', 'Unknown path.');
    const fault = faults.take();
    if (fault !== undefined) {
      if ('hang' in fault) {
        requests.push({ ...seen, bodyBytes: body.length, status: 'hung', stored: 0, injected: true });
        return;
      }
      return answer(
        fault.status,
        fault.code ?? `Injected${fault.status}`,
        fault.message,
        fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter },
        true,
      );
    }
    if (url.searchParams.get('api-version') !== '2023-01-01') {
      return answer(400, 'InvalidApiVersion', 'api-version must be 2023-01-01.');
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const token = bearer === null ? undefined : tokens.get(bearer[1] ?? '');
    if (token === undefined || token.expiresAt < Date.now()) {
      return answer(401, 'InvalidToken', 'The authentication token is missing, unknown or expired.');
    }
    if (token.audience !== audience) {
      return answer(401, 'InvalidAudience', `Token audience ${token.audience} is not ${audience}.`);
    }
    if (decodeURIComponent(route[1] ?? '') !== dcrImmutableId) {
      return answer(404, 'NotFound', 'Data collection rule with immutable Id not found.');
    }
    const stream = decodeURIComponent(route[2] ?? '');
    if (!streams.has(stream))
      return answer(404, 'InvalidStream', `Stream ${stream} is not declared in the DCR.`);
    const tooLarge = 'Maximum allowed content length: 1048576 bytes (1 MB)';
    if (body.length > maxRequestBytes) return answer(413, 'ContentLengthLimitExceeded', tooLarge);
    if (req.headers['content-type']?.split(';')[0]?.trim() !== 'application/json') {
      return answer(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
    }
    let plain = body;
    if (seen.gzip) {
      try {
        plain = gunzipSync(body, { maxOutputLength: maxRequestBytes + 1 });
      } catch (error) {
        if (
          (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ||
          (error as Error).message.includes('Cannot create a Buffer larger')
        ) {
          return answer(413, 'ContentLengthLimitExceeded', tooLarge, {}, false, maxRequestBytes + 1);
        }
        return answer(400, 'InvalidContentEncoding', 'The body is not valid gzip.');
      }
    } else if (requireGzip) {
      return answer(400, 'GzipRequired', 'This fake requires Content-Encoding: gzip.');
    }
    // "compressed or not": the uncompressed size counts too (sentinel.md §2.2).
    if (plain.length > maxRequestBytes)
      return answer(413, 'ContentLengthLimitExceeded', tooLarge, {}, false, plain.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      return answer(400, 'InvalidPayload', 'The body is not valid JSON.', {}, false, plain.length);
    }
    if (isPlainObject(parsed)) {
      // The real service answers 204 to a bare object and ingests nothing (MicrosoftDocs/azure-docs#112669).
      requests.push({ ...seen, bodyBytes: plain.length, status: 204, stored: 0, injected: false });
      res.statusCode = 204;
      res.end();
      return answered;
    }
    if (!Array.isArray(parsed) || !parsed.every(isPlainObject)) {
      return answer(
        400,
        'InvalidPayload',
        'The body must be a JSON array of objects.',
        {},
        false,
        plain.length,
      );
    }
    for (const record of parsed) records.push({ stream, record });
    requests.push({ ...seen, bodyBytes: plain.length, status: 204, stored: parsed.length, injected: false });
    res.statusCode = 204;
    res.setHeader('x-ms-request-id', randomUUID());
    res.end();
    return answered;
  };

  const server = createHttpsServer({ cert, key }, (req, res) => {
    void readBody(req)
      .then((body) => {
        const url = new URL(req.url ?? '/', base);
        if (!authority(req, res, url, body)) ingest(req, res, url, body);
      })
      .catch(() => res.destroy());
  });
  const port = await listen(server);
  base = `https://127.0.0.1:${port}`;
  return {
    url: base,
    tenantId,
    clientId,
    clientSecret,
    dcrImmutableId,
    ca,
    records,
    requests,
    tokenRequests,
    recordsFor: (stream) => records.filter((r) => r.stream === stream).map((r) => r.record),
    failNext: (count, fault) => faults.failNext(count, fault),
    failFraction: (fraction, fault, seed) => faults.failFraction(fraction, fault, seed),
    clearFaults: () => faults.clearFaults(),
    stop: () => close(server),
  };
}

// ---------------------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Hung requests and keep-alive sockets would hold close() open.
    server.closeAllConnections();
  });
}

function headerString(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
