// Named converters used by the mapping tables. Each takes one value (and the table's literal arguments)
// and answers the converted value, or `undefined` to leave the field out. None throws and none mutates
// its input. Regular expressions live at module level so nothing is compiled per alert.
import { isIP } from 'node:net';
import type { ConverterName, JsonValue } from './types.js';

/** A converter: `list` ones receive the whole (fanned-out) list instead of one element. */
export interface Converter {
  readonly fn: (value: unknown, args: readonly JsonValue[]) => unknown;
  readonly list?: boolean;
}

type Obj = Record<string, unknown>;

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DIGITS = /^[+-]?\d+(\.\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Darktrace's own `YYYY-MM-DD HH:MM:SS` (UTC, no zone marker), e.g. `model.modified`, `device.ips[].time`.
const DT_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;
const HAS_ZONE = /([zZ]|[+-]\d{2}(:?\d{2})?)$/;
const GUID_DASHED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GUID_PLAIN = /^[0-9a-fA-F]{32}$/;
const MAC_SEPARATORS = /[:.]/g;
const SENTENCE_END = /[.!?]/;
const UPPER_START = /^\s+[A-Z0-9"'(]/;
const LITERAL_NEWLINE = '\\n';
// Elastic's first grok, `^%{FIELD:log.syslog.appname}\s*%{GREEDYDATA:message}$` with FIELD `[a-zA-Z]*`:
// a syslog message may still start with the app name (`darktrace {…}`, darktrace.md §5).
const SYSLOG_TAG = /^([A-Za-z]+)\s*(?=[{[])/;
const MAX_DATE_MS = 8.64e15;

/** Epoch milliseconds from a number (ms, or seconds when `unitMs` is 1000), a digit string, ISO 8601
 *  (UTC when it has no zone) or Darktrace's `YYYY-MM-DD HH:MM:SS`. */
function toMs(value: unknown, unitMs: number): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value * unitMs;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (DIGITS.test(text)) ms = Number(text) * unitMs;
    else {
      const m = DT_DATETIME.exec(text);
      if (m !== null && text.charAt(10) === ' ') {
        const [, y = '', mo = '', d = '', h = '', mi = '', sec = '', frac] = m;
        ms =
          Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec) +
          (frac === undefined ? 0 : Math.round(Number(frac) * 1000));
      } else if (text.length >= 10) {
        // ISO text without a zone is UTC for Darktrace (email `timestamp`); Date.parse would read local time.
        ms = Date.parse(HAS_ZONE.test(text) ? text : text + 'Z');
      }
    }
  }
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return undefined;
  return ms;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + String(n);
const pad3 = (n: number): string => (n < 10 ? '00' : n < 100 ? '0' : '') + String(n);
const MS_PER_DAY = 86_400_000;
const YEAR_0 = -62_167_219_200_000;
const YEAR_10000 = 253_402_300_800_000;

/** `new Date(ms).toISOString()` without a Date: that call dominated ECS mapping time. Days → civil date
 *  after Howard Hinnant's `civil_from_days`; years outside 0–9999 fall back to Date. */
function isoFromMs(value: number): string {
  const ms = Math.trunc(value);
  if (ms < YEAR_0 || ms >= YEAR_10000) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const y = String(year);
  return (
    `${'0000'.slice(y.length)}${y}-${pad2(month)}-${pad2(day)}T` +
    `${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad3(milli)}Z`
  );
}

function ordinal(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  switch (day % 10) {
    case 1:
      return 'st';
    case 2:
      return 'nd';
    case 3:
      return 'rd';
    default:
      return 'th';
  }
}

/** `Mar 3rd 2021 07:05:09 UTC`: the text date of Darktrace's Sentinel push (sentinel.md §3.2). */
function darktraceText(ms: number): string {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return (
    `${MONTHS[d.getUTCMonth()] ?? ''} ${day}${ordinal(day)} ${d.getUTCFullYear()} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`
  );
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function argString(args: readonly JsonValue[], i: number): string | undefined {
  const a = args[i];
  return typeof a === 'string' ? a : undefined;
}

/** Java `HashMap` iteration order: by bucket (`hash ^ hash >>> 16` masked to the table size), then by
 *  insertion. Elastic stringifies `triggeredComponents[].logic.data` with `Map.toString()`, which is why the
 *  expected text reads `{left=…, right=…, operator=…}` whatever the order on the wire. */
function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (key: string): number => {
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((key, index) => ({ key, index, b: bucket(key) }))
    .sort((x, y) => x.b - y.b || x.index - y.index)
    .map((e) => e.key);
}

function javaText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '[' + value.map(javaText).join(', ') + ']';
  if (isObject(value)) {
    return (
      '{' +
      javaHashMapOrder(Object.keys(value))
        .map((k) => `${k}=${javaText(value[k])}`)
        .join(', ') +
      '}'
    );
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Elastic's `uri_parts` fields, from the WHATWG parser. */
function uriParts(value: unknown): Obj | undefined {
  if (typeof value !== 'string' || value === '' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  const parts: Obj = { original: value, scheme: url.protocol.replace(/:$/, ''), domain: url.hostname };
  if (url.port !== '') parts['port'] = Number(url.port);
  if (url.pathname !== '') {
    parts['path'] = url.pathname;
    const last = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    const dot = last.lastIndexOf('.');
    if (dot > 0 && dot < last.length - 1) parts['extension'] = last.slice(dot + 1);
  }
  if (url.search.length > 1) parts['query'] = url.search.slice(1);
  if (url.hash.length > 1) parts['fragment'] = url.hash.slice(1);
  if (url.username !== '') {
    parts['username'] = url.username;
    parts['user_info'] = url.password === '' ? url.username : `${url.username}:${url.password}`;
  }
  if (url.password !== '') parts['password'] = url.password;
  return parts;
}

function firstSentence(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  for (const cut of ['\n', LITERAL_NEWLINE]) {
    const at = text.indexOf(cut);
    if (at > 0) text = text.slice(0, at);
  }
  // A sentence ends at . ! ? followed by the end or by a capital; "compute.... was" does not end one.
  for (let i = 0; i < text.length; i++) {
    if (
      SENTENCE_END.test(text.charAt(i)) &&
      (i === text.length - 1 || UPPER_START.test(text.slice(i + 1, i + 6)))
    ) {
      return text.slice(0, i + 1);
    }
  }
  return text.trim() === '' ? undefined : text;
}

function filters(component: unknown): unknown[] {
  if (!isObject(component)) return [];
  const list = component['triggeredFilters'];
  return Array.isArray(list) ? list : [];
}

/** One line per triggered component: `<metric>: <filter> <comparator> <value>, …`. */
function componentsText(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const lines: string[] = [];
  for (const component of value) {
    if (!isObject(component)) continue;
    const metric = isObject(component['metric']) ? component['metric'] : {};
    const label = metric['label'] ?? metric['name'];
    const parts: string[] = [];
    for (const f of filters(component)) {
      if (!isObject(f)) continue;
      const type = typeof f['filterType'] === 'string' ? f['filterType'] : '';
      const comparator = typeof f['comparatorType'] === 'string' ? f['comparatorType'] : '';
      const trigger = isObject(f['trigger']) ? f['trigger']['value'] : undefined;
      const argument = isObject(f['arguments']) ? f['arguments']['value'] : undefined;
      if (comparator === 'display') parts.push(`${type}: ${javaText(trigger ?? '')}`);
      else parts.push(`${type} ${comparator} ${javaText(argument ?? trigger ?? '')}`.trim());
    }
    const head = typeof label === 'string' ? label : 'Component';
    lines.push(parts.length > 0 ? `${head}: ${parts.join(', ')}` : head);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : undefined;
}

/** The `trigger.value` of the first triggered filter whose `filterType` is one of `names`. */
function filterValue(value: unknown, names: readonly JsonValue[]): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const wanted = new Set(names.filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase()));
  for (const component of value) {
    for (const f of filters(component)) {
      if (!isObject(f) || typeof f['filterType'] !== 'string') continue;
      if (!wanted.has(f['filterType'].toLowerCase())) continue;
      const trigger = isObject(f['trigger']) ? f['trigger']['value'] : undefined;
      if (typeof trigger === 'string' && trigger !== '') return trigger;
      if (typeof trigger === 'number') return String(trigger);
    }
  }
  return undefined;
}

function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as readonly unknown[]) : [value];
}

function numbersOf(value: unknown): number[] {
  const out: number[] = [];
  for (const v of asList(value)) {
    const n = toNumber(v);
    if (n !== undefined) out.push(n);
  }
  return out;
}

/** The converters, by name. */
export const converters: Readonly<Record<ConverterName, Converter>> = {
  /** Epoch ms, ISO or Darktrace date-time → ISO 8601 UTC with milliseconds (Elastic's `date`). */
  dateToIso: {
    fn: (v) => {
      const ms = toMs(v, 1);
      return ms === undefined ? undefined : isoFromMs(ms);
    },
  },
  /** Like `dateToIso`, but numbers are epoch seconds, possibly fractional (system status times). */
  secondsToIso: {
    fn: (v) => {
      const ms = toMs(v, 1000);
      return ms === undefined ? undefined : isoFromMs(ms);
    },
  },
  /** ISO 8601 without a zone, `YYYY-MM-DDTHH:MM:SS.sss` (the email `timestamp` of the Sentinel push). */
  isoNoZone: {
    fn: (v) => {
      if (typeof v === 'string' && !HAS_ZONE.test(v.trim()) && v.includes('T')) return v.trim();
      const ms = toMs(v, 1);
      return ms === undefined ? undefined : isoFromMs(ms).slice(0, -1);
    },
  },
  /** Epoch milliseconds from epoch ms, ISO or Darktrace date-time. */
  toEpochMs: { fn: (v) => toMs(v, 1) },
  /** Epoch milliseconds from epoch seconds, ISO or Darktrace date-time. */
  secondsToEpochMs: { fn: (v) => toMs(v, 1000) },
  /** Epoch ms → `YYYY-MM-DD HH:MM:SS` UTC (breach `breachTime` of the Sentinel push). */
  msToDarktraceDateTime: {
    fn: (v) => {
      const ms = toMs(v, 1);
      return ms === undefined ? undefined : isoFromMs(ms).slice(0, 19).replace('T', ' ');
    },
  },
  /** Epoch ms → `Mar 3rd 2021 07:05:09 UTC`. */
  msToDarktraceText: {
    fn: (v) => {
      const ms = toMs(v, 1);
      return ms === undefined ? undefined : darktraceText(ms);
    },
  },
  /** Epoch seconds → `Mar 3rd 2021 07:05:09 UTC`. */
  secondsToDarktraceText: {
    fn: (v) => {
      const ms = toMs(v, 1000);
      return ms === undefined ? undefined : darktraceText(ms);
    },
  },
  /** Integers and integer strings → integer (Elastic `convert: long`; `1.5` fails there, and here). */
  toLong: {
    fn: (v) => {
      if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
      if (typeof v === 'string' && INTEGER.test(v.trim())) return Number(v.trim());
      return undefined;
    },
  },
  /** Any number or numeric string, rounded to an integer (Logs Ingestion `int` columns). */
  toInt: {
    fn: (v) => {
      const n = toNumber(v);
      return n === undefined ? undefined : Math.round(n);
    },
  },
  /** Numbers and numeric strings (AI `groupScore` arrives both ways) → number. */
  toDouble: { fn: toNumber },
  /** Booleans and "true"/"false" → boolean. */
  toBool: { fn: toBool },
  /** Scalars → string. */
  toString: {
    fn: (v) =>
      typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined,
  },
  /** A GUID, with or without dashes or braces → lower-case dashed form. Anything else is passed on
   *  unchanged: sanitised data carries non-GUID `model.uuid`s and the value must not be invented. */
  toGuid: {
    fn: (v) => {
      if (typeof v !== 'string') return undefined;
      const bare = v.trim().replace(/^\{(.*)\}$/, '$1');
      if (GUID_DASHED.test(bare)) return bare.toLowerCase();
      if (GUID_PLAIN.test(bare)) {
        const h = bare.toLowerCase();
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      return v;
    },
  },
  /** Arrays stay; a comma-separated string is split; another scalar becomes a one-element array. */
  toArray: {
    fn: (v) => {
      if (Array.isArray(v)) return v as unknown[];
      if (typeof v === 'string') {
        const items = v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        return items.length > 0 ? items : undefined;
      }
      return typeof v === 'number' || typeof v === 'boolean' ? [v] : undefined;
    },
  },
  /** JSON text of the value. */
  json: { fn: (v) => JSON.stringify(v) },
  /** Scalars stay; arrays and objects become JSON text (attribute values must be scalars). */
  scalar: {
    fn: (v) =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v),
  },
  /** A 0–1 score → 0–100. Optional argument: decimals to round to (absent: exact `× 100`, as Elastic). */
  unitToPercent: {
    fn: (v, args) => {
      const n = toNumber(v);
      if (n === undefined) return undefined;
      const decimals = args[0];
      if (typeof decimals !== 'number') return n * 100;
      const f = 10 ** decimals;
      return Math.round(n * 100 * f) / f;
    },
  },
  /** Divide by the argument. */
  divide: {
    fn: (v, args) => {
      const n = toNumber(v);
      const d = args[0];
      return n === undefined || typeof d !== 'number' || d === 0 ? undefined : n / d;
    },
  },
  /** Round up. */
  ceil: {
    fn: (v) => {
      const n = toNumber(v);
      return n === undefined ? undefined : Math.ceil(n);
    },
  },
  /** Negative numbers are dropped (`device.did` −1 is the appliance itself). */
  nonNegative: { fn: (v) => (typeof v === 'number' && v >= 0 ? v : undefined) },
  /** Breach `acknowledged`: a boolean, or an object `{time?, username}` meaning acknowledged. */
  acknowledged: { fn: (v) => (isObject(v) ? true : toBool(v)) },
  /** `true` when the value is present and not empty; otherwise no value (pair with `default`). */
  present: {
    fn: (v) => {
      if (v === null || v === undefined || v === '' || v === false) return undefined;
      if (Array.isArray(v)) return v.length > 0 ? true : undefined;
      if (isObject(v)) return Object.keys(v).length > 0 ? true : undefined;
      return true;
    },
  },
  /** Lower case. */
  lower: { fn: (v) => (typeof v === 'string' ? v.toLowerCase() : undefined) },
  /** Upper case. */
  upper: { fn: (v) => (typeof v === 'string' ? v.toUpperCase() : undefined) },
  /** First letter upper case, as the Sentinel push writes `status` (`Resolved`). */
  capitalize: {
    fn: (v) =>
      typeof v === 'string' && v !== '' ? v.charAt(0).toUpperCase() + v.slice(1).toLowerCase() : undefined,
  },
  /** MAC address with `-` separators, upper case (ECS `host.mac`). */
  mac: {
    fn: (v) => (typeof v === 'string' && v !== '' ? v.replace(MAC_SEPARATORS, '-').toUpperCase() : undefined),
  },
  /** The value when it is an IPv4 or IPv6 address (`81.2.69.0/24` is not). */
  ip: { fn: (v) => (typeof v === 'string' && isIP(v) !== 0 ? v : undefined) },
  /** The value when it is a non-empty string that is not an IP address (hostnames may hold IPs). */
  notIp: { fn: (v) => (typeof v === 'string' && v !== '' && isIP(v) === 0 ? v : undefined) },
  /** Drops a `/24`-style suffix (AI `breachDevices[].ip`). */
  stripCidr: {
    fn: (v) => {
      if (typeof v !== 'string' || v === '') return undefined;
      const slash = v.indexOf('/');
      return slash > 0 ? v.slice(0, slash) : v;
    },
  },
  /** The first sentence, ending at the first line break (real or a literal backslash-n). */
  firstSentence: { fn: firstSentence },
  /** The app-name tag in front of the JSON of a syslog message (`darktrace {…}` → `darktrace`). */
  syslogTag: {
    fn: (v) => (typeof v === 'string' ? SYSLOG_TAG.exec(v)?.[1] : undefined),
  },
  /** A syslog message without its leading app-name tag (the JSON text itself). */
  withoutSyslogTag: {
    fn: (v) => {
      if (typeof v !== 'string') return undefined;
      const m = SYSLOG_TAG.exec(v);
      return m === null ? v : v.slice(m[0].length);
    },
  },
  /** The value when it parses as a URL. */
  uri: { fn: (v) => (typeof v === 'string' && v !== '' && URL.canParse(v) ? v : undefined) },
  /** `{original, scheme, domain, port?, path, extension?, query?, fragment?, username?, …}`. */
  uriParts: { fn: uriParts },
  /** Java `Map.toString()` text of a value, as Elastic stores breach component logic. */
  javaMapText: { fn: (v) => javaText(v) },
  /** Readable text of `triggeredComponents`, one component per line. */
  componentsText: { fn: componentsText },
  /** From `triggeredComponents`: the triggered value of the first filter of a given type (arguments). */
  filterValue: { fn: filterValue },
  /** `args[0][lower-cased value] ?? args[1]`. */
  lookup: {
    fn: (v, args) => {
      const table = args[0];
      const fallback = args[1];
      if (typeof v === 'string' && table !== null && typeof table === 'object' && !Array.isArray(table)) {
        const hit = (table as Readonly<Record<string, JsonValue>>)[v.toLowerCase()];
        if (hit !== undefined) return hit;
      }
      return fallback;
    },
  },
  /** `args[1]` when the string contains `args[0]` (any case). */
  ifContains: {
    fn: (v, args) => {
      const needle = argString(args, 0);
      return typeof v === 'string' && needle !== undefined && v.toLowerCase().includes(needle.toLowerCase())
        ? args[1]
        : undefined;
    },
  },
  /** `(v[args[1]] − v[args[0]]) × 10⁶`: a span of epoch ms as nanoseconds (ECS `event.duration`). */
  spanNs: {
    fn: (v, args) => {
      const startKey = argString(args, 0);
      const endKey = argString(args, 1);
      if (!isObject(v) || startKey === undefined || endKey === undefined) return undefined;
      const start = v[startKey];
      const end = v[endKey];
      return typeof start === 'number' && typeof end === 'number' ? (end - start) * 1_000_000 : undefined;
    },
  },
  /** One key of an object. */
  pick: {
    fn: (v, args) => {
      const key = argString(args, 0);
      return isObject(v) && key !== undefined ? v[key] : undefined;
    },
  },
  /** Scalars of a list joined with `args[0]` (default `,`). */
  join: {
    list: true,
    fn: (v, args) => {
      const parts = asList(v).filter(
        (x): x is string | number | boolean =>
          typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean',
      );
      return parts.length > 0 ? parts.map(String).join(argString(args, 0) ?? ',') : undefined;
    },
  },
  /** The first element of a list. */
  first: { list: true, fn: (v) => asList(v)[0] },
  /** The smallest number of a list. */
  min: {
    list: true,
    fn: (v) => {
      const ns = numbersOf(v);
      return ns.length > 0 ? Math.min(...ns) : undefined;
    },
  },
  /** The largest number of a list. */
  max: {
    list: true,
    fn: (v) => {
      const ns = numbersOf(v);
      return ns.length > 0 ? Math.max(...ns) : undefined;
    },
  },
};

/** Converters that take no arguments (the ones `fields.add` may name). */
export const simpleConverterNames: readonly ConverterName[] = (
  Object.keys(converters) as ConverterName[]
).filter((n) => !['divide', 'filterValue', 'lookup', 'ifContains', 'spanNs', 'pick'].includes(n));
