import type { HrTime } from '@opentelemetry/api';
import type { AlertKind } from './kind.js';

// The alert's own time field(s) per kind, first present wins (darktrace.md §1, §7; sentinel.md §3.2).
const timeFields: Readonly<Record<AlertKind, readonly string[]>> = {
  model_breach: ['time', 'creationTime'],
  ai_analyst: ['createdAt'],
  system_status: ['last_updated', 'last_updated_status'],
  email: ['timestamp', 'alertTime', 'time'],
  unknown: ['time', 'createdAt', 'timestamp', 'last_updated', 'creationTime', 'alertTime'],
};

const monthIndex: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// `YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][zone]`; no zone means UTC (Darktrace writes UTC without a marker).
const isoLike =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?)? ?(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?$/i;
// Darktrace's text date in the Sentinel push: `Mar 3rd 2021 07:05:09 UTC`.
const textDate = /^([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th)? (\d{4}) (\d\d):(\d\d):(\d\d)(?: UTC)?$/;
const numeric = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

/** Epoch milliseconds from the alert's own time field, or undefined if it has none usable. */
export function alertTimeMs(kind: AlertKind, alert: Readonly<Record<string, unknown>>): number | undefined {
  for (const field of timeFields[kind]) {
    const ms = epochMsFromValue(alert[field]);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/**
 * Converts one time value to epoch milliseconds. Numbers (or numeric strings) are read by
 * magnitude, because fields are documented in ms or s but the real data mixes them; strings may be
 * ISO 8601 (zone optional, UTC assumed), `YYYY-MM-DD HH:MM:SS` or `Mar 3rd 2021 07:05:09 UTC`.
 * Zero, negative and unparsable values give undefined.
 */
export function epochMsFromValue(value: unknown): number | undefined {
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (numeric.test(s)) return fromNumber(Number(s));
  const iso = isoLike.exec(s);
  if (iso !== null) return fromIso(iso);
  const text = textDate.exec(s);
  if (text !== null) {
    const month = monthIndex[text[1] ?? ''];
    if (month === undefined) return undefined;
    return utc(Number(text[3]), month, Number(text[2]), Number(text[4]), Number(text[5]), Number(text[6]), 0);
  }
  return undefined;
}

/** Splits epoch ms into `[seconds, nanoseconds]`, keeping fractional ms to the microsecond. */
export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  // A double holding today's epoch ms is exact to ~0.24 µs, so finer digits are noise.
  const nanos = Math.round((ms - seconds * 1000) * 1000) * 1000;
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

function fromNumber(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // Epoch seconds pass 1e11 only in the year 5138, epoch ms passed it in 1973.
  if (n < 1e11) return n * 1000;
  if (n < 1e14) return n;
  if (n < 1e17) return n / 1e3; // microseconds
  return n / 1e6; // nanoseconds
}

function fromIso(m: RegExpExecArray): number | undefined {
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const base = utc(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    fraction,
  );
  if (base === undefined) return undefined;
  const zone = m[8]?.toUpperCase();
  if (zone === undefined || zone === 'Z' || zone === 'UTC' || zone === 'GMT') return base;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return base - sign * offsetMin * 60_000;
}

function utc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fractionMs: number,
): number | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const ms = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 Feb into March; reject instead of guessing.
  if (new Date(ms).getUTCDate() !== day && second !== 60) return undefined;
  return ms + fractionMs;
}
