import { isUtf8 } from 'node:buffer';

/** Which header shape was recognised in front of the JSON. */
export type SyslogHeaderFormat = 'rfc5424' | 'rfc3164' | 'tag';

/**
 * The syslog header in front of a Darktrace alert. Absent or nil (`-`) fields are `undefined`.
 * Every field is always present so that all headers share one object shape.
 */
export interface SyslogHeader {
  readonly format: SyslogHeaderFormat;
  readonly priority: number | undefined;
  readonly facility: number | undefined;
  readonly severity: number | undefined;
  /** RFC 5424 version, as sent (ECS keeps it as a keyword). */
  readonly version: string | undefined;
  /** The header timestamp exactly as sent (RFC 3164 dates have no year and no zone). */
  readonly timestamp: string | undefined;
  readonly hostname: string | undefined;
  readonly appname: string | undefined;
  readonly procid: string | undefined;
  readonly msgid: string | undefined;
  /** RFC 5424 structured data, verbatim (`[id k="v"]…`). */
  readonly structuredData: string | undefined;
}

/** Stable classes of parse failure, for counting. */
export type ParseFailureCode = 'invalid_utf8' | 'control_bytes' | 'no_json' | 'invalid_json' | 'not_object';

/** Outcome of {@link parseSyslogMessage}. `raw` is the decoded message text. */
export type ParseResult =
  | {
      readonly ok: true;
      readonly header: SyslogHeader | undefined;
      readonly alert: Record<string, unknown>;
      readonly raw: string;
    }
  | { readonly ok: false; readonly code: ParseFailureCode; readonly reason: string; readonly raw: string };

// C0 controls other than TAB, LF, CR: JSON allows only those three as whitespace.
const controlChars = /[\x00-\x08\x0b\x0c\x0e-\x1f]/; // eslint-disable-line no-control-regex

// RFC 3164 `Mmm dd hh:mm:ss` (day space-padded, as Darktrace sends it), optionally with fractions.
const bsdTimestamp = /[A-Z][a-z]{2} [ 0-3]?\d \d\d:\d\d:\d\d(?:\.\d{1,9})?(?= )/y;
// ISO 8601 timestamps that some relays (rsyslog forward format) put in a 3164-style header.
const isoTimestamp = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?(?= )/y;
// A syslog TAG with optional `[pid]` and colon, as in `darktrace {…}` or `darktrace[12]: {…}`.
const tagPattern = /([A-Za-z0-9_./-]{1,48})(?:\[([^\]\s]{0,128})\])?:?(?: +|(?=[{[])|$)/y;

const OPEN_BRACE = 0x7b;
const SPACE = 0x20;

/**
 * Parses one Darktrace syslog message into its header and alert object. Following the Darktrace
 * reference: parse a header if there is one, then take the JSON from the first `{`. Never throws.
 */
export function parseSyslogMessage(input: Buffer | string): ParseResult {
  let s: string;
  if (typeof input === 'string') {
    s = input;
  } else {
    s = input.toString('utf8');
    // Invalid bytes decode to U+FFFD: only a message that has one is checked (simdutf) to tell the two apart. For
    // the usual ASCII text the search costs nothing (V8 sees that a one-byte string cannot hold U+FFFD).
    if (s.includes('\ufffd') && !isUtf8(input)) return fail('invalid_utf8', 'Message is not valid UTF-8.', s);
  }
  try {
    return parseText(s);
  } catch (error) {
    // Defensive only: nothing above is expected to throw.
    return fail('invalid_json', `Message could not be parsed: ${errorMessage(error)}`, s);
  }
}

function parseText(s: string): ParseResult {
  const { header, end } = parseHeader(s);
  let p = end;
  while (p < s.length && isSpace(s.charCodeAt(p))) p++;

  let start = -1;
  if (s.charCodeAt(p) === OPEN_BRACE) {
    start = p;
  } else if (p < s.length) {
    // A complete JSON value that is not an object (`[…]`, `42`, `"x"`, `null`) gets its own reason.
    const value = tryJson(s, p);
    if (value !== undefined) {
      if (controlChars.test(s)) return controlFailure(s);
      return fail('not_object', `JSON value is ${describe(value.v)}, not an object.`, s);
    }
    start = s.indexOf('{', p);
  }
  if (start === -1) {
    if (controlChars.test(s)) return controlFailure(s);
    return fail('no_json', 'No JSON object found in the message.', s);
  }
  if (start > 0 && controlChars.test(s.slice(0, start))) return controlFailure(s);

  let alert: unknown;
  try {
    alert = JSON.parse(start === 0 ? s : s.slice(start));
  } catch (error) {
    if (controlChars.test(s)) return controlFailure(s);
    return fail('invalid_json', `Truncated or invalid JSON: ${errorMessage(error)}`, s);
  }
  if (typeof alert !== 'object' || alert === null || Array.isArray(alert)) {
    // Unreachable for text starting with `{`, kept so the type below is honest.
    return fail('not_object', `JSON value is ${describe(alert)}, not an object.`, s);
  }
  return { ok: true, header, alert: alert as Record<string, unknown>, raw: s };
}

/** Flattens a header into `log.syslog.*` attributes, leaving out absent fields. */
export function headerAttributes(header: SyslogHeader): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (header.priority !== undefined) out['log.syslog.priority'] = header.priority;
  if (header.facility !== undefined) out['log.syslog.facility.code'] = header.facility;
  if (header.severity !== undefined) out['log.syslog.severity.code'] = header.severity;
  if (header.version !== undefined) out['log.syslog.version'] = header.version;
  if (header.timestamp !== undefined) out['log.syslog.timestamp'] = header.timestamp;
  if (header.hostname !== undefined) out['log.syslog.hostname'] = header.hostname;
  if (header.appname !== undefined) out['log.syslog.appname'] = header.appname;
  if (header.procid !== undefined) out['log.syslog.procid'] = header.procid;
  if (header.msgid !== undefined) out['log.syslog.msgid'] = header.msgid;
  if (header.structuredData !== undefined) out['log.syslog.structured_data'] = header.structuredData;
  return out;
}

interface HeaderFields {
  format: SyslogHeaderFormat;
  priority: number | undefined;
  version: string | undefined;
  timestamp: string | undefined;
  hostname: string | undefined;
  appname: string | undefined;
  procid: string | undefined;
  msgid: string | undefined;
  structuredData: string | undefined;
}

/** Returns the header (if any) and the offset where the message body starts. */
function parseHeader(s: string): { header: SyslogHeader | undefined; end: number } {
  const f: HeaderFields = {
    format: 'rfc3164',
    priority: undefined,
    version: undefined,
    timestamp: undefined,
    hostname: undefined,
    appname: undefined,
    procid: undefined,
    msgid: undefined,
    structuredData: undefined,
  };
  let pos = 0;
  if (s.charCodeAt(0) === 0x3c) {
    const close = s.indexOf('>', 1);
    if (close < 2 || close > 4) return { header: undefined, end: 0 };
    const pri = digitsValue(s, 1, close);
    if (pri === undefined || pri > 191) return { header: undefined, end: 0 };
    f.priority = pri;
    pos = close + 1;
    // RFC 5424: `<PRI>VERSION SP …`, version being 1–3 digits.
    let v = pos;
    while (v < s.length && v - pos < 3 && isDigit(s.charCodeAt(v))) v++;
    if (v > pos && s.charCodeAt(v) === SPACE && s.charCodeAt(pos) !== 0x30) {
      f.format = 'rfc5424';
      f.version = s.slice(pos, v);
      const end = parse5424(s, v + 1, f);
      return { header: build(f), end };
    }
  }
  const end = parse3164(s, pos, f);
  if (end === undefined) {
    return f.priority === undefined ? { header: undefined, end: 0 } : { header: build(f), end: pos };
  }
  return { header: build(f), end };
}

/** RFC 5424 after the version: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA. */
const fields5424 = ['timestamp', 'hostname', 'appname', 'procid', 'msgid'] as const;

function parse5424(s: string, start: number, f: HeaderFields): number {
  let pos = start;
  for (const name of fields5424) {
    // Stop early if the JSON follows a shortened header; the body rule takes it from there.
    if (pos >= s.length || s.charCodeAt(pos) === OPEN_BRACE) return pos;
    // One scan to the next space (a `{` inside the token means the JSON starts here); no substring unless kept.
    let e = pos;
    for (; e < s.length; e++) {
      const c = s.charCodeAt(e);
      if (c === SPACE) break;
      if (c === OPEN_BRACE) return pos;
    }
    if (e !== pos + 1 || s.charCodeAt(pos) !== 0x2d) f[name] = s.slice(pos, e);
    pos = e + 1;
  }
  if (pos >= s.length) return s.length;
  if (s.charCodeAt(pos) === 0x2d && (pos + 1 === s.length || s.charCodeAt(pos + 1) === SPACE)) {
    return pos + 2;
  }
  if (s.charCodeAt(pos) === 0x5b) {
    const sdEnd = structuredDataEnd(s, pos);
    if (sdEnd !== -1) {
      f.structuredData = s.slice(pos, sdEnd);
      return s.charCodeAt(sdEnd) === SPACE ? sdEnd + 1 : sdEnd;
    }
  }
  return pos;
}

/** End of one or more `[…]` SD-ELEMENTs, honouring `\"`, `\\` and `\]` in quoted values; -1 if malformed. */
function structuredDataEnd(s: string, start: number): number {
  let pos = start;
  while (s.charCodeAt(pos) === 0x5b) {
    pos++;
    let quoted = false;
    for (;;) {
      if (pos >= s.length) return -1;
      const c = s.charCodeAt(pos);
      if (quoted) {
        if (c === 0x5c) pos++;
        else if (c === 0x22) quoted = false;
      } else if (c === 0x22) {
        quoted = true;
      } else if (c === 0x5d) {
        break;
      }
      pos++;
    }
    pos++;
  }
  return pos;
}

/**
 * RFC 3164 (or no PRI): `[TIMESTAMP SP] [HOSTNAME SP] TAG[pid][:] {…}`. Darktrace writes the tag
 * without a colon; a bare `darktrace {…}` is what Elastic's fixtures hold. Returns undefined if
 * nothing header-like is in front of the JSON.
 */
function parse3164(s: string, start: number, f: HeaderFields): number | undefined {
  let pos = start;
  const ts = matchAt(bsdTimestamp, s, pos) ?? matchAt(isoTimestamp, s, pos);
  if (ts !== undefined) {
    f.timestamp = ts;
    pos += ts.length + 1;
    while (s.charCodeAt(pos) === SPACE) pos++;
  } else if (f.priority === undefined) {
    // Without PRI or timestamp, only a lone tag directly before the JSON counts as a header.
    f.format = 'tag';
  }
  if (s.charCodeAt(pos) === OPEN_BRACE) return ts === undefined ? undefined : pos;

  if (ts !== undefined) {
    // HOSTNAME is mandatory in RFC 3164; a first token that looks like a tag means it was left out.
    let e = pos;
    while (e < s.length) {
      const c = s.charCodeAt(e);
      if (c === SPACE || c === OPEN_BRACE || c === 0x3a || c === 0x5b) break;
      e++;
    }
    const next = s.charCodeAt(e);
    if (e > pos && next === SPACE) {
      f.hostname = s.slice(pos, e);
      pos = e + 1;
      while (s.charCodeAt(pos) === SPACE) pos++;
      if (s.charCodeAt(pos) === OPEN_BRACE) return pos;
    }
  }
  const bare = ts === undefined && f.priority === undefined;
  tagPattern.lastIndex = pos;
  const m = tagPattern.exec(s);
  const end = tagPattern.lastIndex;
  // With nothing else header-like, only a tag directly followed by JSON counts (`darktrace {…}`).
  const next = s.charCodeAt(end);
  if (m === null || (bare && next !== OPEN_BRACE && next !== 0x5b)) return bare ? undefined : pos;
  f.appname = m[1];
  if (m[2] !== undefined && m[2] !== '') f.procid = m[2];
  return end;
}

function build(f: HeaderFields): SyslogHeader {
  const pri = f.priority;
  return {
    format: f.format,
    priority: pri,
    facility: pri === undefined ? undefined : pri >> 3,
    severity: pri === undefined ? undefined : pri & 7,
    version: f.version,
    timestamp: f.timestamp,
    hostname: f.hostname,
    appname: f.appname,
    procid: f.procid,
    msgid: f.msgid,
    structuredData: f.structuredData,
  };
}

function matchAt(re: RegExp, s: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m === null ? undefined : m[0];
}

function digitsValue(s: string, from: number, to: number): number | undefined {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    v = v * 10 + (c - 0x30);
  }
  // RFC 5424 forbids leading zeros in PRI except for `<0>`.
  if (to - from > 1 && s.charCodeAt(from) === 0x30) return undefined;
  return v;
}

function tryJson(s: string, p: number): { v: unknown } | undefined {
  const c = s.charCodeAt(p);
  // Only characters that can start a JSON value are worth a parse attempt.
  if (!(c === 0x5b || c === 0x22 || c === 0x2d || isDigit(c) || c === 0x74 || c === 0x66 || c === 0x6e)) {
    return undefined;
  }
  try {
    return { v: JSON.parse(s.slice(p)) as unknown };
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function controlFailure(s: string): ParseResult {
  return fail('control_bytes', 'Message contains binary or control bytes.', s);
}

function fail(code: ParseFailureCode, reason: string, raw: string): ParseResult {
  return { ok: false, code, reason, raw };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === 0x09 || c === 0x0d || c === 0x0a || c === 0xfeff;
}
