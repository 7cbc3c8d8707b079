// Compiles a `darktrace-filter` config into one predicate over raw Darktrace alert payloads. Patterns and
// address blocks are parsed once here; the per-alert path reads fields in place, parses addresses into a
// scratch buffer and allocates nothing in the common case.
import { DtcolError } from '../../core/errors.js';
import type { ComponentConfigProblem } from '../../core/factory.js';
import type { DarktraceAlertKind, DarktraceFilterConfig, IncludeExclude } from './options.js';
import { aiAnalystBehaviours, breachBehaviours, darktraceAlertKinds } from './options.js';

/**
 * Why an alert was dropped: the name of the config key whose check failed. Stable; the processor's metric
 * label prefixes the alert kind (`model_breach.min_priority`), which tells apart keys several kinds share.
 */
export const darktraceFilterDropReasons = [
  'kind',
  'min_score',
  'min_priority',
  'behaviours',
  'model_names',
  'model_tags',
  'device_ips',
  'device_tags',
  'min_event_score',
  'min_incident_score',
  'event_behaviours',
  'incident_behaviours',
  'include_resolved',
  'min_anomaly_score',
] as const;
/** One drop reason. */
export type DropReason = (typeof darktraceFilterDropReasons)[number];

/** Returns undefined to keep the alert, or the reason it is dropped. Never throws. */
export type DarktraceFilterPredicate = (kind: DarktraceAlertKind, alert: unknown) => DropReason | undefined;

/** A config problem the schema cannot catch (bad pattern or address block), as a factory's validate returns. */
export type DarktraceFilterConfigProblem = ComponentConfigProblem;

/** Thrown by {@link compileDarktraceFilter} for a config that {@link validateDarktraceFilterConfig} rejects. */
export class DarktraceFilterConfigError extends DtcolError {
  readonly problems: readonly DarktraceFilterConfigProblem[];
  constructor(problems: readonly DarktraceFilterConfigProblem[]) {
    super(
      'ERR_CONFIG_INVALID',
      `Invalid darktrace-filter config: ${problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('; ')}`,
    );
    this.problems = problems;
  }
}

/** Checks patterns and address blocks; an empty list means the config compiles. */
export function validateDarktraceFilterConfig(config: DarktraceFilterConfig): DarktraceFilterConfigProblem[] {
  const problems: DarktraceFilterConfigProblem[] = [];
  build(config, problems);
  return problems;
}

/** Compiles the config once; throws {@link DarktraceFilterConfigError} on a bad pattern or block. */
export function compileDarktraceFilter(config: DarktraceFilterConfig): DarktraceFilterPredicate {
  const problems: DarktraceFilterConfigProblem[] = [];
  const predicate = build(config, problems);
  if (problems.length > 0) throw new DarktraceFilterConfigError(problems);
  return predicate;
}

// ---------------------------------------------------------------------------------------------------------
// Compilation

function build(
  config: DarktraceFilterConfig,
  problems: DarktraceFilterConfigProblem[],
): DarktraceFilterPredicate {
  const kinds = new Set<string>(config.kinds ?? darktraceAlertKinds);
  const mb = config.model_breach ?? {};
  const ai = config.ai_analyst ?? {};
  const ss = config.system_status ?? {};
  const em = config.email ?? {};

  // Thresholds are compared on the payload's 0-1 scale; a tiny tolerance absorbs the rounding of x / 100.
  const minScore01 = (mb.min_score ?? 0) / 100 - 1e-12;
  const scoreCheck = (mb.min_score ?? 0) > 0;
  const usePbscore = mb.score_field === 'pbscore';
  const minPriority = mb.min_priority ?? 0;
  const breachCats = categorySet(mb.behaviours, breachBehaviours);
  const modelNames = compilePatterns(mb.model_names, ['model_breach', 'model_names'], problems);
  const modelTags = compilePatterns(mb.model_tags, ['model_breach', 'model_tags'], problems);
  const breachIps = compileIpFilter(mb.device_ips, ['model_breach', 'device_ips'], problems);
  const deviceTags = compilePatterns(mb.device_tags, ['model_breach', 'device_tags'], problems);

  const minEvent = ai.min_event_score ?? 0;
  const minIncident = ai.min_incident_score ?? 0;
  const eventCats = categorySet(ai.event_behaviours, aiAnalystBehaviours);
  const incidentCats = categorySet(ai.incident_behaviours, aiAnalystBehaviours);
  const aiIps = compileIpFilter(ai.device_ips, ['ai_analyst', 'device_ips'], problems);

  const minSystemPriority = ss.min_priority ?? 0;
  const dropResolved = ss.include_resolved === false;
  const minAnomaly = em.min_anomaly_score ?? 0;

  const scratch = new Uint16Array(8);

  const modelBreach = (alert: unknown): DropReason | undefined => {
    const model = currentModel(get(alert, 'model'));
    if (scoreCheck) {
      const score = breachScore01(alert, usePbscore);
      if (score === undefined || score < minScore01) return 'min_score';
    }
    if (minPriority > 0) {
      const priority = toNumber(get(model, 'priority'));
      if (priority === undefined || priority < minPriority) return 'min_priority';
    }
    if (breachCats !== undefined && !hasCategory(breachCats, get(model, 'category'))) return 'behaviours';
    if (modelNames !== undefined && !modelNames.allowsOne(get(model, 'name'))) return 'model_names';
    if (modelTags !== undefined && !modelTags.allows(asArray(get(model, 'tags')))) return 'model_tags';
    const device = get(alert, 'device');
    if (breachIps !== undefined && !breachDeviceIpsAllowed(breachIps, device, scratch)) return 'device_ips';
    if (deviceTags !== undefined && !deviceTags.allowsTagObjects(asArray(get(device, 'tags')))) {
      return 'device_tags';
    }
    return undefined;
  };

  const aiAnalyst = (alert: unknown): DropReason | undefined => {
    if (minEvent > 0 && !atLeast(get(alert, 'aiaScore'), minEvent)) return 'min_event_score';
    if (minIncident > 0 && !atLeast(get(alert, 'groupScore'), minIncident)) return 'min_incident_score';
    if (eventCats !== undefined && !hasCategory(eventCats, get(alert, 'category'))) return 'event_behaviours';
    if (incidentCats !== undefined && !hasCategory(incidentCats, get(alert, 'groupCategory'))) {
      return 'incident_behaviours';
    }
    if (aiIps !== undefined && !aiDeviceIpsAllowed(aiIps, asArray(get(alert, 'breachDevices')), scratch)) {
      return 'device_ips';
    }
    return undefined;
  };

  const systemStatus = (alert: unknown): DropReason | undefined => {
    if (minSystemPriority > 0) {
      const priority = toNumber(get(alert, 'priority')) ?? priorityLevelFloor(get(alert, 'priority_level'));
      if (priority === undefined || priority < minSystemPriority) return 'min_priority';
    }
    if (dropResolved && isResolved(get(alert, 'status'))) return 'include_resolved';
    return undefined;
  };

  const email = (alert: unknown): DropReason | undefined => {
    if (minAnomaly > 0) {
      // The legacy Sentinel push writes anomaly_score, the newer DarktraceEMAIL stream anomalyScore.
      const score = toNumber(get(alert, 'anomaly_score')) ?? toNumber(get(alert, 'anomalyScore'));
      if (score === undefined || score < minAnomaly) return 'min_anomaly_score';
    }
    return undefined;
  };

  return (kind, alert) => {
    if (!kinds.has(kind)) return 'kind';
    switch (kind) {
      case 'model_breach':
        return modelBreach(alert);
      case 'ai_analyst':
        return aiAnalyst(alert);
      case 'system_status':
        return systemStatus(alert);
      case 'email':
        return email(alert);
      default:
        return undefined;
    }
  };
}

/** The set of accepted category spellings, or undefined when every category is listed (check off). */
function categorySet(listed: readonly string[] | undefined, all: readonly string[]): Set<string> | undefined {
  if (listed === undefined || all.every((c) => listed.includes(c))) return undefined;
  // Breaches send title case, AI Analyst lower case; both spellings go in so the hot path needs no
  // toLowerCase in the usual case.
  const set = new Set<string>();
  for (const c of listed) {
    set.add(c);
    set.add(c.charAt(0).toUpperCase() + c.slice(1));
  }
  return set;
}

function hasCategory(set: Set<string>, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return set.has(value) || set.has(value.toLowerCase());
}

function priorityLevelFloor(level: unknown): number | undefined {
  if (typeof level !== 'string') return undefined;
  switch (level.toLowerCase()) {
    case 'low':
      return 0;
    case 'medium':
      return 41;
    case 'high':
      return 61;
    case 'critical':
      return 81;
    default:
      return undefined;
  }
}

function isResolved(status: unknown): boolean {
  // The case of `status` varies between appliances (`active` vs `Active`, darktrace.md §8).
  return typeof status === 'string' && status.length === 8 && status.toLowerCase() === 'resolved';
}

// ---------------------------------------------------------------------------------------------------------
// Payload access

function get(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

const numericString = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A finite number, or a string holding one (AI Analyst sends groupScore as "72.9174234"). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && numericString.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function atLeast(value: unknown, min: number): boolean {
  const n = toNumber(value);
  return n !== undefined && n >= min;
}

/** The model definition: flat (`historicmodelonly=true`, syslog) or `{then, now}` (REST), now first. */
function currentModel(model: unknown): unknown {
  if (typeof get(model, 'name') === 'string') return model;
  const now = get(model, 'now');
  if (typeof now === 'object' && now !== null) return now;
  const then = get(model, 'then');
  return typeof then === 'object' && then !== null ? then : model;
}

/** The breach score on the 0-1 scale: chosen field, then percentscore / 100, then the other 0-1 field. */
function breachScore01(alert: unknown, pbscoreFirst: boolean): number | undefined {
  const first = toNumber(get(alert, pbscoreFirst ? 'pbscore' : 'score'));
  if (first !== undefined) return first;
  const percent = toNumber(get(alert, 'percentscore'));
  if (percent !== undefined) return percent / 100;
  return toNumber(get(alert, pbscoreFirst ? 'score' : 'pbscore'));
}

// ---------------------------------------------------------------------------------------------------------
// Patterns

interface PatternMatcher {
  /** Include/exclude over one string value; anything else counts as no value. */
  allowsOne(value: unknown): boolean;
  /** Include/exclude over plain string values; `undefined` = the alert has no such value. */
  allows(values: readonly unknown[] | undefined): boolean;
  /** Same, over tag objects `{name}` (strings accepted too). */
  allowsTagObjects(values: readonly unknown[] | undefined): boolean;
}

interface PatternSet {
  readonly globs: RegExp | undefined;
  readonly regexes: readonly RegExp[];
}

function compilePatterns(
  filter: IncludeExclude | undefined,
  path: readonly string[],
  problems: DarktraceFilterConfigProblem[],
): PatternMatcher | undefined {
  const include = compilePatternSet(filter?.include, [...path, 'include'], problems);
  const exclude = compilePatternSet(filter?.exclude, [...path, 'exclude'], problems);
  if (include === undefined && exclude === undefined) return undefined;

  const decide = (values: readonly unknown[] | undefined, pick: (v: unknown) => unknown): boolean => {
    let included = include === undefined;
    if (values !== undefined) {
      for (const v of values) {
        const s = pick(v);
        if (typeof s !== 'string') continue;
        if (exclude !== undefined && matchesSet(exclude, s)) return false;
        if (!included && include !== undefined && matchesSet(include, s)) included = true;
      }
    }
    return included;
  };
  const identity = (v: unknown): unknown => v;
  const tagName = (v: unknown): unknown => (typeof v === 'string' ? v : get(v, 'name'));
  return {
    allowsOne: (value) => {
      if (typeof value !== 'string') return include === undefined;
      if (exclude !== undefined && matchesSet(exclude, value)) return false;
      return include === undefined || matchesSet(include, value);
    },
    allows: (values) => decide(values, identity),
    allowsTagObjects: (values) => decide(values, tagName),
  };
}

function matchesSet(set: PatternSet, value: string): boolean {
  if (set.globs?.test(value) === true) return true;
  for (const re of set.regexes) if (re.test(value)) return true;
  return false;
}

const regexPattern = /^\/(.*)\/([a-z]*)$/s;

function compilePatternSet(
  patterns: readonly string[] | undefined,
  path: readonly (string | number)[],
  problems: DarktraceFilterConfigProblem[],
): PatternSet | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  const globSources: string[] = [];
  const regexes: RegExp[] = [];
  patterns.forEach((pattern, i) => {
    const m = regexPattern.exec(pattern);
    if (m === null) {
      globSources.push(globToRegexSource(pattern));
      return;
    }
    const [, source = '', flags = ''] = m;
    // g and y make RegExp.test stateful (lastIndex), which would make matches depend on earlier alerts.
    const bad = /[^imsu]/.exec(flags);
    if (bad !== null) {
      problems.push({
        path: [...path, i],
        message: `regex flag "${bad[0]}" is not allowed (use i, m, s or u)`,
      });
      return;
    }
    try {
      regexes.push(new RegExp(source, flags));
    } catch (err) {
      problems.push({ path: [...path, i], message: (err as Error).message.replace(/^Invalid/, 'invalid') });
    }
  });
  const globs = globSources.length > 0 ? new RegExp(`^(?:${globSources.join('|')})$`, 'is') : undefined;
  return { globs, regexes };
}

function globToRegexSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < glob.length) out += escapeRegex(glob.charAt(++i));
    else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

// ---------------------------------------------------------------------------------------------------------
// Addresses

/** Parsed address blocks: IPv4 as base/mask pairs, IPv6 as 8 groups per block plus a prefix length. */
interface CidrSet {
  readonly v4Base: Uint32Array;
  readonly v4Mask: Uint32Array;
  readonly v6Base: Uint16Array;
  readonly v6Bits: Uint8Array;
}

interface IpFilter {
  readonly include: CidrSet | undefined;
  readonly exclude: CidrSet | undefined;
}

function compileIpFilter(
  filter: IncludeExclude | undefined,
  path: readonly string[],
  problems: DarktraceFilterConfigProblem[],
): IpFilter | undefined {
  const include = compileCidrs(filter?.include, [...path, 'include'], problems);
  const exclude = compileCidrs(filter?.exclude, [...path, 'exclude'], problems);
  return include === undefined && exclude === undefined ? undefined : { include, exclude };
}

function compileCidrs(
  entries: readonly string[] | undefined,
  path: readonly (string | number)[],
  problems: DarktraceFilterConfigProblem[],
): CidrSet | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const v4: [number, number][] = [];
  const v6: [Uint16Array, number][] = [];
  const groups = new Uint16Array(8);
  entries.forEach((entry, i) => {
    const text = entry.trim();
    const slash = text.indexOf('/');
    const addrEnd = slash < 0 ? text.length : slash;
    const prefixText = slash < 0 ? '' : text.slice(slash + 1);
    if (slash >= 0 && !/^\d{1,3}$/.test(prefixText)) {
      problems.push({ path: [...path, i], message: `"${entry}" has no valid prefix length after "/"` });
      return;
    }
    const v4addr = parseIPv4(text, 0, addrEnd);
    if (v4addr >= 0) {
      const bits = slash < 0 ? 32 : Number(prefixText);
      if (bits > 32) {
        problems.push({ path: [...path, i], message: `"${entry}": an IPv4 prefix length is 0-32` });
        return;
      }
      const mask = v4MaskOf(bits);
      v4.push([(v4addr & mask) >>> 0, mask]);
      return;
    }
    if (!parseIPv6(text, 0, addrEnd, groups)) {
      problems.push({ path: [...path, i], message: `"${entry}" is not an IP address or CIDR block` });
      return;
    }
    const bits = slash < 0 ? 128 : Number(prefixText);
    if (bits > 128) {
      problems.push({ path: [...path, i], message: `"${entry}": an IPv6 prefix length is 0-128` });
      return;
    }
    const mapped = mappedV4(groups);
    if (mapped >= 0 && bits >= 96) {
      // Payload addresses in ::ffff:a.b.c.d form are matched as IPv4, so such blocks become IPv4 blocks.
      const mask = v4MaskOf(bits - 96);
      v4.push([(mapped & mask) >>> 0, mask]);
      return;
    }
    const base = new Uint16Array(8);
    for (let g = 0; g < 8; g++) base[g] = (groups[g] ?? 0) & v6GroupMask(bits, g);
    v6.push([base, bits]);
  });
  const set: CidrSet = {
    v4Base: Uint32Array.from(v4, ([b]) => b),
    v4Mask: Uint32Array.from(v4, ([, m]) => m),
    v6Base: new Uint16Array(v6.length * 8),
    v6Bits: Uint8Array.from(v6, ([, bits]) => bits),
  };
  v6.forEach(([base], k) => set.v6Base.set(base, k * 8));
  return set;
}

function v4MaskOf(bits: number): number {
  // `x << 32` is `x` in JavaScript, so /0 needs its own case.
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function v6GroupMask(bits: number, group: number): number {
  const inGroup = bits - group * 16;
  if (inGroup >= 16) return 0xffff;
  if (inGroup <= 0) return 0;
  return (0xffff << (16 - inGroup)) & 0xffff;
}

const NOT_IP = -1;
const IS_V6 = -2;

/**
 * Parses the address at the start of `text` (up to a `/` prefix or `%` zone). Returns the IPv4 value
 * (IPv4-mapped IPv6 included), IS_V6 with the groups in `scratch`, or NOT_IP.
 */
function parseAddress(text: string, scratch: Uint16Array): number {
  let end = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x25 /* % */) {
      end = i;
      break;
    }
  }
  const v4 = parseIPv4(text, 0, end);
  if (v4 >= 0) return v4;
  if (!parseIPv6(text, 0, end, scratch)) return NOT_IP;
  const mapped = mappedV4(scratch);
  return mapped >= 0 ? mapped : IS_V6;
}

function inCidrs(set: CidrSet, addr: number, scratch: Uint16Array): boolean {
  if (addr >= 0) {
    for (let k = 0; k < set.v4Base.length; k++) {
      if ((addr & (set.v4Mask[k] ?? 0)) >>> 0 === set.v4Base[k]) return true;
    }
    return false;
  }
  outer: for (let k = 0; k < set.v6Bits.length; k++) {
    const bits = set.v6Bits[k] ?? 0;
    for (let g = 0; g < 8; g++) {
      const mask = v6GroupMask(bits, g);
      if (mask === 0) break;
      if (((scratch[g] ?? 0) & mask) !== set.v6Base[k * 8 + g]) continue outer;
    }
    return true;
  }
  return false;
}

/** One address against an include/exclude pair: 2 = excluded, 1 = included, 0 = neither (or not an address). */
function classify(filter: IpFilter, value: unknown, scratch: Uint16Array): 0 | 1 | 2 {
  if (typeof value !== 'string') return 0;
  const addr = parseAddress(value, scratch);
  if (addr === NOT_IP) return 0;
  if (filter.exclude !== undefined && inCidrs(filter.exclude, addr, scratch)) return 2;
  return filter.include !== undefined && inCidrs(filter.include, addr, scratch) ? 1 : 0;
}

function breachDeviceIpsAllowed(filter: IpFilter, device: unknown, scratch: Uint16Array): boolean {
  let included = filter.include === undefined;
  let r = classify(filter, get(device, 'ip'), scratch);
  if (r === 2) return false;
  if (r === 1) included = true;
  r = classify(filter, get(device, 'ip6'), scratch);
  if (r === 2) return false;
  if (r === 1) included = true;
  const history = asArray(get(device, 'ips'));
  if (history !== undefined) {
    for (const entry of history) {
      r = classify(filter, get(entry, 'ip'), scratch);
      if (r === 2) return false;
      if (r === 1) included = true;
    }
  }
  return included;
}

function aiDeviceIpsAllowed(
  filter: IpFilter,
  devices: readonly unknown[] | undefined,
  scratch: Uint16Array,
): boolean {
  let included = filter.include === undefined;
  if (devices !== undefined) {
    for (const device of devices) {
      const r = classify(filter, get(device, 'ip'), scratch);
      if (r === 2) return false;
      if (r === 1) included = true;
    }
  }
  return included;
}

/** Dotted-quad IPv4 in text[start, end) as an unsigned 32-bit value, or NOT_IP. */
function parseIPv4(text: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return NOT_IP;
    } else if (c === 0x2e /* . */) {
      if (digits === 0 || ++dots > 3) return NOT_IP;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return NOT_IP;
    }
  }
  if (dots !== 3 || digits === 0) return NOT_IP;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** RFC 4291 text form (with `::` and an optional dotted IPv4 tail) in text[start, end) into `out`. */
function parseIPv6(text: string, start: number, end: number, out: Uint16Array): boolean {
  out.fill(0);
  let count = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === 0x3a /* : */) {
    if (text.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < end && digits < 5; j++) {
      const h = hexValue(text.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
    }
    if (j < end && text.charCodeAt(j) === 0x2e /* . */) {
      if (count > 6) return false;
      const v4 = parseIPv4(text, i, end);
      if (v4 < 0) return false;
      out[count++] = Math.floor(v4 / 0x10000);
      out[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0 || digits > 4 || count >= 8) return false;
    out[count++] = value;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === end) {
      return false;
    }
  }
  if (gap < 0) return count === 8;
  if (count > 7) return false;
  const shift = 8 - count;
  for (let k = count - 1; k >= gap; k--) {
    out[k + shift] = out[k] ?? 0;
    out[k] = 0;
  }
  return true;
}

/** The IPv4 value of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), or NOT_IP. */
function mappedV4(g: Uint16Array): number {
  if (g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0 || g[5] !== 0xffff) return NOT_IP;
  return (g[6] ?? 0) * 0x10000 + (g[7] ?? 0);
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `::${part}`;
  return out;
}
