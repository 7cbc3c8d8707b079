import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { canMakeCertificates, testPki } from './tls.js';

/**
 * A fake Threat Visualizer appliance on loopback. It checks every request's `DTAPI-Signature` and
 * `DTAPI-Date` the way reference/darktrace.md §2.1–2.2 describes (with its own HMAC code, so a bug in
 * the client's signing cannot hide here), filters alerts by the real query parameters, and answers
 * the real error bodies and redirects. Faults can be queued for the next N requests.
 */

type Json = Record<string, unknown>;

/** Repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The shared Elastic corpus, read at test time and never copied into the repository. */
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
/** Whether the corpus folder is present on this machine. */
export const corpusPresent = existsSync(path.join(corpusDir, 'elastic'));

/** A fault to inject. */
export type FakeFault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'signature' }
  | { readonly kind: 'date' }
  | { readonly kind: 'login-redirect' }
  | { readonly kind: 'forbidden-redirect' }
  | { readonly kind: 'html' }
  | { readonly kind: 'garbage' };

/** One request as the fake saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw `path?query` from the request line. */
  readonly target: string;
  readonly query: Readonly<Record<string, string>>;
  /** Query parameter names in wire order. */
  readonly queryOrder: readonly string[];
  readonly headers: {
    readonly token: string | undefined;
    readonly date: string | undefined;
    readonly signature: string | undefined;
  };
  /** Filled in when the answer is sent; undefined for hung or reset requests. */
  status?: number;
  fault?: FakeFault['kind'];
}

/** Options of {@link startFakeDarktrace}. */
export interface FakeDarktraceOptions {
  /** Serve HTTPS with a throw-away certificate made by the `openssl` binary. */
  readonly tls?: boolean;
  readonly publicToken?: string;
  readonly privateToken?: string;
  /** Serve the corpus alerts (default: when the corpus is present). */
  readonly corpus?: boolean;
  /** Generated alerts spread over a range (default: 5 breaches and 3 events in the last day). */
  readonly generate?:
    | false
    | { readonly breaches: number; readonly events: number; readonly from: number; readonly to: number };
  /** The appliance clock used for the date check. */
  readonly now?: () => number;
  /** Accepted `DTAPI-Date` skew; ±30 min is often quoted (unconfirmed). */
  readonly maxSkewMs?: number;
  /** Order of array answers; Darktrace's is undocumented, so clients must not rely on it. */
  readonly order?: 'asc' | 'desc';
}

/** A running fake appliance. */
export interface FakeDarktrace {
  readonly url: string;
  readonly publicToken: string;
  readonly privateToken: string;
  /** PEM of the self-signed certificate when `tls` is on. */
  readonly ca: string | undefined;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Adds or replaces (same breach `pbid`+`time`, same AI `id`) alerts; returns how many were stored. */
  addAlerts(...alerts: Json[]): number;
  /** Current stored alerts. */
  alerts(): { readonly breaches: readonly Json[]; readonly events: readonly Json[] };
  /** Injects a fault into the next `count` requests (optionally only for one path). */
  setFault(fault: FakeFault, options?: { readonly count?: number; readonly path?: string }): void;
  close(): Promise<void>;
}

/** Whether the `openssl` binary can be run here (HTTPS needs a certificate made with it). */
export const opensslAvailable = canMakeCertificates;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(record: Json): 'breach' | 'event' | undefined {
  if ('pbid' in record && 'model' in record) return 'breach';
  if ('aiaScore' in record) return 'event';
  return undefined;
}

function keyOf(kind: 'breach' | 'event', record: Json): string {
  return kind === 'breach' ? `${String(record['pbid'])}@${String(record['time'])}` : String(record['id']);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

/**
 * Breaches and AI Analyst events from the corpus: every `.log` line (JSON from the first `{`, so
 * syslog headers and the `darktrace ` tag are skipped) and the canned bodies of Elastic's mock server
 * (`_package/config.yml`). System status alerts are push-only and left out.
 */
export function loadCorpusAlerts(dir: string = corpusDir): { breaches: Json[]; events: Json[] } {
  const breaches: Json[] = [];
  const events: Json[] = [];
  const take = (value: unknown): void => {
    if (!isObject(value)) return;
    const kind = kindOf(value);
    if (kind === 'breach') breaches.push(value);
    else if (kind === 'event') events.push(value);
  };
  const root = path.join(dir, 'elastic');
  if (!existsSync(root)) return { breaches, events };
  for (const file of listFiles(root)) {
    if (file.endsWith('.log')) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const brace = line.indexOf('{');
        if (brace >= 0) take(JSON.parse(line.slice(brace).replace(/\r$/, '')));
      }
    } else if (path.basename(file) === 'config.yml') {
      const config: unknown = parseYaml(readFileSync(file, 'utf8'));
      const rules = isObject(config) && Array.isArray(config['rules']) ? config['rules'] : [];
      for (const rule of rules) {
        const responses = isObject(rule) && Array.isArray(rule['responses']) ? rule['responses'] : [];
        for (const response of responses) {
          if (isObject(response) && typeof response['body'] === 'string') {
            const body: unknown = JSON.parse(response['body']);
            if (Array.isArray(body)) body.forEach(take);
          }
        }
      }
    }
  }
  return { breaches, events };
}

/** A deterministic UUID-shaped id for generated records. */
export function fakeUuid(n: number, prefix = 'fa4e'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix}${hex.slice(0, 4)}-0000-4000-8000-${hex}`;
}

/** A model breach written for our tests, shaped like the syslog/REST flat breach (§3.1). */
export function makeModelBreach(fields: { pbid: number; time: number } & Json): Json {
  const { pbid, time, ...rest } = fields;
  const did = 100 + (pbid % 50);
  return {
    commentCount: 0,
    pbid,
    time,
    creationTime: time + 4_000,
    score: 0.62,
    model: {
      name: 'Compromise::Fake Beaconing Activity',
      pid: 900,
      phid: 9001,
      uuid: 'fake-model-0900',
      logic: { data: [7001], type: 'componentList', version: 1 },
      throttle: 3600,
      sharedEndpoints: false,
      actions: {
        alert: true,
        antigena: {},
        breach: true,
        model: true,
        setPriority: false,
        setTag: false,
        setType: false,
      },
      tags: ['Fake'],
      interval: 3600,
      delay: 0,
      sequenced: false,
      active: true,
      modified: '2024-01-02 03:04:05',
      autoUpdatable: true,
      autoUpdate: true,
      autoSuppress: true,
      description: 'Written for darktrace-collector tests.',
      behaviour: 'decreasing',
      created: { by: 'System' },
      edited: { by: 'System' },
      version: 3,
      priority: 3,
      category: 'Suspicious',
      compliance: false,
    },
    device: {
      did,
      ip: `198.51.100.${did % 250}`,
      sid: 1,
      hostname: `host-${did}.example.com`,
      typename: 'desktop',
      typelabel: 'Desktop',
      firstSeen: time - 86_400_000,
      lastSeen: time,
    },
    triggeredComponents: [
      {
        time,
        cbid: 1,
        cid: 7001,
        chid: 7101,
        size: 1,
        threshold: 0,
        interval: 3600,
        logic: { data: { left: 'A', operator: 'AND', right: 'B' }, version: 'v0.1' },
        metric: { mlid: 12, name: 'externalconnections', label: 'External Connections' },
        triggeredFilters: [
          {
            cfid: 1,
            id: 'A',
            filterType: 'Direction',
            arguments: { value: 'out' },
            comparatorType: 'is',
            trigger: { value: 'out' },
          },
          {
            cfid: 2,
            id: 'B',
            filterType: 'Destination port',
            arguments: { value: 443 },
            comparatorType: '=',
            trigger: { value: '443' },
          },
          {
            cfid: 3,
            id: 'd1',
            filterType: 'Destination IP',
            arguments: {},
            comparatorType: 'display',
            trigger: { value: '203.0.113.7' },
          },
        ],
      },
    ],
    breachUrl: `https://fake-darktrace.example.com/#modelbreach/${pbid}`,
    mitreTechniques: [{ technique: 'Application Layer Protocol', techniqueID: 'T1071' }],
    ...rest,
  };
}

/** An AI Analyst incident event written for our tests, shaped like §3.2 (details in section form). */
export function makeIncidentEvent(fields: { id: string; createdAt: number } & Json): Json {
  const { id, createdAt, ...rest } = fields;
  const device = {
    identifier: null,
    hostname: 'host-7.example.com',
    ip: '198.51.100.7',
    mac: null,
    subnet: null,
    did: 7,
    sid: 1,
  };
  return {
    summariser: 'BeaconSummary',
    acknowledged: false,
    pinned: false,
    createdAt,
    attackPhases: [3],
    title: 'Possible HTTPS Command and Control',
    id,
    incidentEventUrl: `https://fake-darktrace.example.com/#aiaincidentevent/${id}`,
    children: [id],
    category: 'suspicious',
    currentGroup: `g${id}`,
    groupCategory: 'suspicious',
    groupScore: 41.5,
    groupPreviousGroups: null,
    activityId: id.slice(0, 8),
    groupingIds: [id.slice(0, 8)],
    groupByActivity: false,
    userTriggered: false,
    externalTriggered: false,
    aiaScore: 57,
    summary:
      'The device host-7.example.com made regular connections to a rare external endpoint.\n\nWritten for tests.',
    periods: [{ start: createdAt - 3_600_000, end: createdAt - 60_000 }],
    breachDevices: [device],
    relatedBreaches: [
      {
        modelName: 'Compromise / Fake Beaconing Activity',
        pbid: 1,
        threatScore: 62,
        timestamp: createdAt - 120_000,
      },
    ],
    details: [[{ header: 'Breaching Device', contents: [{ key: null, type: 'device', values: [device] }] }]],
    ...rest,
  };
}

/** Spread `n` generated alerts of each kind evenly over [from, to]. */
export function generateAlerts(spec: { breaches: number; events: number; from: number; to: number }): Json[] {
  const out: Json[] = [];
  const at = (i: number, n: number): number =>
    Math.round(spec.from + ((spec.to - spec.from) * (i + 0.5)) / n);
  for (let i = 0; i < spec.breaches; i++)
    out.push(makeModelBreach({ pbid: 50_000 + i, time: at(i, spec.breaches) }));
  for (let i = 0; i < spec.events; i++)
    out.push(makeIncidentEvent({ id: fakeUuid(i), createdAt: at(i, spec.events) }));
  return out;
}

/** `YYYYMMDDTHHMMSS`, ISO 8601, or `YYYY-MM-DD HH:MM:SS`, all UTC unless an offset is given (§2.1). */
function parseDtapiDate(value: string): number | undefined {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (compact !== null) {
    const [y, mo, d, h, mi, s] = compact.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
  const spaced = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  const iso = spaced === null ? value : `${spaced[1]}T${spaced[2]}Z`;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso)) return undefined;
  const parsed = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function signatureOk(expected: string, given: string | undefined): boolean {
  if (given?.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

function firstHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Log In | Darktrace</title></head>' +
  '<body><form method="post" action="/login"><input name="username"><input name="password" type="password"></form></body></html>';

/** Starts a fake appliance on 127.0.0.1, port 0. */
export async function startFakeDarktrace(options: FakeDarktraceOptions = {}): Promise<FakeDarktrace> {
  const publicToken = options.publicToken ?? 'fakePublicToken';
  const privateToken = options.privateToken ?? 'fakePrivateToken';
  const now = options.now ?? Date.now;
  const maxSkewMs = options.maxSkewMs ?? 30 * 60_000;
  const order = options.order ?? 'desc';
  const breaches = new Map<string, Json>();
  const events = new Map<string, Json>();
  const requests: RecordedRequest[] = [];
  const faults: { fault: FakeFault; left: number; path: string | undefined }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const addAlerts = (...alerts: Json[]): number => {
    let stored = 0;
    for (const alert of alerts) {
      const kind = kindOf(alert);
      if (kind === undefined) continue;
      (kind === 'breach' ? breaches : events).set(keyOf(kind, alert), structuredClone(alert));
      stored += 1;
    }
    return stored;
  };
  if (options.corpus ?? corpusPresent) {
    const corpus = loadCorpusAlerts();
    addAlerts(...corpus.breaches, ...corpus.events);
  }
  if (options.generate !== false) {
    const to = now();
    addAlerts(...generateAlerts(options.generate ?? { breaches: 5, events: 3, from: to - 86_400_000, to }));
  }

  const sorted = (records: Json[], field: string): Json[] =>
    records.sort((a, b) => (Number(a[field]) - Number(b[field])) * (order === 'asc' ? 1 : -1));

  const inWindow = (q: URLSearchParams, value: unknown): boolean => {
    const start = q.get('starttime');
    const end = q.get('endtime');
    if (start === null || end === null) return true; // only a pair filters (§2.3)
    const t = Number(value);
    return t >= Number(start) && t <= Number(end);
  };
  const isAcknowledged = (record: Json): boolean =>
    record['acknowledged'] === true || isObject(record['acknowledged']);

  const modelBreaches = (q: URLSearchParams): Json[] => {
    const field = q.get('creationtime') === 'true' ? 'creationTime' : 'time';
    const minScore = q.get('minscore');
    const pbid = q.get('pbid');
    const selected = [...breaches.values()].filter(
      (b) =>
        inWindow(q, b[field]) &&
        (minScore === null || Number(b['score']) >= Number(minScore)) &&
        (pbid === null || String(b['pbid']) === pbid) &&
        (q.get('includeacknowledged') === 'true' || !isAcknowledged(b)),
    );
    return sorted(selected, 'time').map((stored) => {
      const b = structuredClone(stored);
      if (q.get('historicmodelonly') !== 'true')
        b['model'] = { then: b['model'], now: structuredClone(b['model']) };
      if (q.get('includebreachurl') !== 'true') delete b['breachUrl'];
      if (q.get('deviceattop') === 'false' && Array.isArray(b['triggeredComponents'])) {
        const device = b['device'];
        delete b['device'];
        for (const c of b['triggeredComponents']) if (isObject(c)) c['device'] = structuredClone(device);
      }
      return b;
    });
  };

  const incidentEvents = (q: URLSearchParams): Json[] => {
    const minScore = q.get('minscore');
    const minGroupScore = q.get('mingroupscore');
    const uuids = q.get('uuid')?.split(',');
    // Darktrace's default includeallpinned=true returns pinned events whatever the window (§2.3).
    const pinnedAlways = q.get('includeallpinned') !== 'false';
    const selected = [...events.values()].filter(
      (e) =>
        (inWindow(q, e['createdAt']) || (pinnedAlways && e['pinned'] === true)) &&
        (uuids === undefined || uuids.includes(String(e['id']))) &&
        (minScore === null || Number(e['aiaScore']) >= Number(minScore)) &&
        (minGroupScore === null || Number(e['groupScore']) >= Number(minGroupScore)) &&
        (q.get('includeacknowledged') === 'true' || !isAcknowledged(e)),
    );
    return sorted(selected, 'createdAt').map((stored) => {
      const e = structuredClone(stored);
      if (q.get('includeincidenteventurl') !== 'true') delete e['incidentEventUrl'];
      return e;
    });
  };

  const groups = (q: URLSearchParams): Json[] => {
    const uuids = q.get('uuid')?.split(',');
    const byGroup = new Map<string, Json[]>();
    for (const e of events.values()) {
      const id = String(e['currentGroup']);
      byGroup.set(id, [...(byGroup.get(id) ?? []), e]);
    }
    const out: Json[] = [];
    for (const [id, members] of byGroup) {
      if (uuids !== undefined && !members.some((m) => uuids.includes(String(m['id'])))) continue;
      const starts = members.map((m) => Number(m['createdAt']));
      if (!inWindow(q, Math.max(...starts))) continue;
      const first = members[0] ?? {};
      out.push({
        id,
        active: true,
        acknowledged: members.every(isAcknowledged),
        pinned: members.some((m) => m['pinned'] === true),
        userTriggered: false,
        externalTriggered: false,
        previousIds: [],
        incidentEvents: members.map((m) => ({
          uuid: m['id'],
          start: m['createdAt'],
          title: m['title'],
          triggerDid: 7,
          visible: true,
        })),
        mitreTactics: [],
        devices: [7],
        initialDevices: [7],
        category: first['groupCategory'],
        groupScore: Number(first['groupScore']),
        start: Math.min(...starts),
        end: Math.max(...starts),
        edges: [],
      });
    }
    return out;
  };

  const send = (
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void => {
    record.status = status;
    // The Date header reads the fake appliance clock, so clients can show the skew.
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      date: new Date(now()).toUTCString(),
      ...headers,
    });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, record: RecordedRequest, status: number, value: unknown): void => {
    send(res, record, status, JSON.stringify(value));
  };
  const redirect = (res: ServerResponse, record: RecordedRequest, to: string): void => {
    send(res, record, 302, `Found. Redirecting to ${to}`, {
      location: to,
      'content-type': 'text/plain; charset=utf-8',
    });
  };

  const answer = (req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void => {
    // Signature first: the appliance cannot trust the date of a request it cannot authenticate.
    const expected = createHmac('sha1', privateToken)
      .update(`${record.target}\n${publicToken}\n${record.headers.date ?? ''}`)
      .digest('hex');
    if (record.headers.token !== publicToken || !signatureOk(expected, record.headers.signature)) {
      sendJson(res, record, 400, { error: 'API SIGNATURE ERROR' });
      return;
    }
    const date = parseDtapiDate(record.headers.date ?? '');
    if (date === undefined || Math.abs(now() - date) > maxSkewMs) {
      sendJson(res, record, 400, { error: 'API DATE ERROR' });
      return;
    }
    const q = new URLSearchParams(
      record.target.includes('?') ? record.target.slice(record.target.indexOf('?') + 1) : '',
    );
    if (req.method !== 'GET') {
      redirect(res, record, '/login');
      return;
    }
    switch (record.path) {
      case '/modelbreaches':
        sendJson(res, record, 200, modelBreaches(q));
        break;
      case '/aianalyst/incidentevents':
        sendJson(res, record, 200, incidentEvents(q));
        break;
      case '/aianalyst/groups':
        sendJson(res, record, 200, groups(q));
        break;
      case '/status':
        sendJson(res, record, 200, { version: '6.2.0 (fake)', instances: {}, probes: {} });
        break;
      default:
        // Unknown endpoints redirect to the login page (§2.2).
        redirect(res, record, '/login');
        break;
    }
  };

  const applyFault = (
    fault: FakeFault,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
  ): void => {
    record.fault = fault.kind;
    switch (fault.kind) {
      case 'status':
        send(
          res,
          record,
          fault.status,
          JSON.stringify({ error: `Fake status ${fault.status}` }),
          fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
        );
        break;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(req, res, record);
        }, fault.delayMs);
        timers.add(timer);
        break;
      }
      case 'hang':
        break;
      case 'reset':
        req.socket.destroy();
        break;
      case 'signature':
        sendJson(res, record, 400, { error: 'API SIGNATURE ERROR' });
        break;
      case 'date':
        sendJson(res, record, 400, { error: 'API DATE ERROR' });
        break;
      case 'login-redirect':
        redirect(res, record, '/login');
        break;
      case 'forbidden-redirect':
        redirect(res, record, '/403');
        break;
      case 'html':
        send(res, record, 200, LOGIN_PAGE, { 'content-type': 'text/html; charset=utf-8' });
        break;
      case 'garbage':
        send(res, record, 200, '[{"pbid": 1, "time": ', { 'content-type': 'application/json' });
        break;
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    const queryText = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
    const params = new URLSearchParams(queryText);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: target.split('?')[0] ?? target,
      target,
      query: Object.fromEntries(params),
      queryOrder: [...params.keys()],
      headers: {
        token: firstHeader(req, 'dtapi-token'),
        date: firstHeader(req, 'dtapi-date'),
        signature: firstHeader(req, 'dtapi-signature'),
      },
    };
    requests.push(record);
    const pending = faults.find((f) => f.left > 0 && (f.path === undefined || f.path === record.path));
    if (pending !== undefined) {
      pending.left -= 1;
      applyFault(pending.fault, req, res, record);
      return;
    }
    answer(req, res, record);
  };

  let ca: string | undefined;
  let server;
  if (options.tls === true) {
    const pki = testPki();
    ca = pki.ca;
    server = createHttpsServer(
      { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
      handler,
    );
  } else {
    server = createHttpServer(handler);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls === true ? 'https' : 'http'}://127.0.0.1:${port}`,
    publicToken,
    privateToken,
    ca,
    requests,
    addAlerts,
    alerts: () => ({ breaches: [...breaches.values()], events: [...events.values()] }),
    setFault(fault, faultOptions = {}) {
      faults.push({ fault, left: faultOptions.count ?? 1, path: faultOptions.path });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeAllConnections();
      await closed;
    },
  };
}
