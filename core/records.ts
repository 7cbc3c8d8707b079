// Building and (de)serialising log records. Records are plain objects satisfying ReadableLogRecord; resource
// and scope objects are shared so the OTLP serializer groups a batch into one ResourceLogs/ScopeLogs.
import type { AnyValue, Attributes, HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api';
import type { RawResourceAttribute, Resource } from '@opentelemetry/resources';
import type { LogRecord } from './consumer.js';

/**
 * A resource with plain attributes, as `resourceFromAttributes` builds it (sdk-logs and the OTLP transformer read
 * `attributes` and `schemaUrl`). Not imported from @opentelemetry/resources: its entry point also loads the
 * host and process detectors and the whole semantic-conventions table, memory `dtcol run` would keep for nothing.
 */
class PlainResource implements Resource {
  readonly asyncAttributesPending = false;
  readonly attributes: Attributes;
  declare readonly schemaUrl?: string;

  constructor(attributes: Attributes, schemaUrl?: string) {
    this.attributes = attributes;
    if (schemaUrl !== undefined) this.schemaUrl = schemaUrl;
  }

  waitForAsyncAttributes(): Promise<void> {
    return Promise.resolve();
  }

  getRawAttributes(): RawResourceAttribute[] {
    return Object.entries(this.attributes);
  }

  /** As the SDK's: `other`'s attributes win; a schema URL is kept when only one side has one, or both agree. */
  merge(other: Resource | null): Resource {
    if (other === null) return this;
    const mine = this.schemaUrl ?? '';
    const theirs = other.schemaUrl ?? '';
    const schemaUrl = mine === '' ? theirs : theirs === '' || theirs === mine ? mine : '';
    return new PlainResource({ ...this.attributes, ...other.attributes }, schemaUrl || undefined);
  }
}

/** The instrumentation scope every dtcol record carries. */
export const defaultScope: LogRecord['instrumentationScope'] = Object.freeze({ name: 'darktrace-collector' });

const resourceCache = new Map<string, Resource>();

/** A shared Resource for the given attributes (same attributes → same object, for OTLP grouping). */
export function sharedResource(attributes: Readonly<Record<string, string | number | boolean>>): Resource {
  const key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
  let resource = resourceCache.get(key);
  if (resource === undefined) {
    // Attribute values can come from the network (a syslog hostname): bound the cache. Losing an entry only
    // costs identity sharing (one more ResourceLogs group in an OTLP request), never correctness.
    if (resourceCache.size >= 1024) resourceCache.clear();
    resource = new PlainResource({ ...attributes });
    resourceCache.set(key, resource);
  }
  return resource;
}

/** The default resource: `service.name = darktrace-collector`. */
export const defaultResource: Resource = sharedResource({ 'service.name': 'darktrace-collector' });

/** Fields a record can be built from. Times are epoch milliseconds (fractions kept) or HrTime. */
export interface RecordInit {
  time?: number | HrTime;
  observedTime?: number | HrTime;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: AnyValue;
  attributes?: Attributes;
  eventName?: string;
  resource?: Resource;
  scope?: LogRecord['instrumentationScope'];
}

/** Epoch milliseconds (fractional allowed) → `[seconds, nanoseconds]`. */
export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/** `[seconds, nanoseconds]` → epoch milliseconds. */
export function hrTimeToMs(t: HrTime): number {
  return t[0] * 1000 + t[1] / 1e6;
}

function toHr(t: number | HrTime | undefined, fallback: HrTime): HrTime {
  if (t === undefined) return fallback;
  return typeof t === 'number' ? msToHrTime(t) : t;
}

/** Build one immutable record. */
export function createRecord(init: RecordInit): LogRecord {
  const observed = toHr(init.observedTime, msToHrTime(Date.now()));
  // Every record has the same keys in the same order (absent ones undefined): one hidden class for V8 on the
  // hot path instead of one per combination of optional fields.
  return {
    hrTime: toHr(init.time, observed),
    hrTimeObserved: observed,
    severityNumber: init.severityNumber,
    severityText: init.severityText,
    eventName: init.eventName,
    body: init.body,
    attributes: init.attributes ?? {},
    resource: init.resource ?? defaultResource,
    instrumentationScope: init.scope ?? defaultScope,
    droppedAttributesCount: 0,
  } as LogRecord;
}

/** A copy of `record` with some fields replaced (records are immutable; this is how processors change them). */
export function withChanges(record: LogRecord, changes: Partial<RecordInit>): LogRecord {
  // Object.hasOwn inline rather than through a helper closure: this runs once per record per processor.
  return {
    hrTime: changes.time === undefined ? record.hrTime : toHr(changes.time, record.hrTime),
    hrTimeObserved:
      changes.observedTime === undefined
        ? record.hrTimeObserved
        : toHr(changes.observedTime, record.hrTimeObserved),
    severityNumber: Object.hasOwn(changes, 'severityNumber') ? changes.severityNumber : record.severityNumber,
    severityText: Object.hasOwn(changes, 'severityText') ? changes.severityText : record.severityText,
    eventName: Object.hasOwn(changes, 'eventName') ? changes.eventName : record.eventName,
    body: Object.hasOwn(changes, 'body') ? changes.body : record.body,
    attributes: changes.attributes ?? record.attributes,
    resource: changes.resource ?? record.resource,
    instrumentationScope: changes.scope ?? record.instrumentationScope,
    droppedAttributesCount: record.droppedAttributesCount,
    ...(record.spanContext !== undefined && { spanContext: record.spanContext }),
  } as LogRecord;
}

/** A deep copy of a record for a consumer that mutates; resource and scope stay shared. */
export function cloneRecord(record: LogRecord): LogRecord {
  return {
    ...record,
    body: record.body === undefined ? undefined : structuredClone(record.body),
    attributes: structuredClone(record.attributes),
  };
}

/** The JSON form of a record used by persistent queues, dead-letter files and the stdout exporter. */
export interface StoredRecord {
  time: string;
  observed_time: string;
  severity_number?: number;
  severity_text?: string;
  event_name?: string;
  body?: unknown;
  attributes: Record<string, unknown>;
  resource?: Record<string, unknown>;
}

function hrToIso(t: HrTime): string {
  const iso = new Date(t[0] * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}

function isoToHr(s: string): HrTime {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (m === null) return msToHrTime(Date.parse(s));
  const seconds = Date.parse(`${m[1] ?? ''}Z`) / 1000;
  return [seconds, Number((m[2] ?? '0').padEnd(9, '0'))];
}

/** Record → JSON-safe object (nanosecond times as ISO strings). */
export function toStoredRecord(record: LogRecord): StoredRecord {
  const out: StoredRecord = {
    time: hrToIso(record.hrTime),
    observed_time: hrToIso(record.hrTimeObserved),
    attributes: record.attributes,
  };
  if (record.severityNumber !== undefined) out.severity_number = record.severityNumber;
  if (record.severityText !== undefined) out.severity_text = record.severityText;
  if (record.eventName !== undefined) out.event_name = record.eventName;
  if (record.body !== undefined) out.body = record.body;
  if (record.resource !== defaultResource) out.resource = record.resource.attributes;
  return out;
}

/** JSON-safe object → record (inverse of {@link toStoredRecord}). */
export function fromStoredRecord(stored: StoredRecord): LogRecord {
  return createRecord({
    time: isoToHr(stored.time),
    observedTime: isoToHr(stored.observed_time),
    body: stored.body,
    attributes: stored.attributes,
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- stored JSON holds the enum's number
    ...(stored.severity_number !== undefined && { severityNumber: stored.severity_number }),
    ...(stored.severity_text !== undefined && { severityText: stored.severity_text }),
    ...(stored.event_name !== undefined && { eventName: stored.event_name }),
    ...(stored.resource !== undefined && {
      resource: sharedResource(stored.resource as Record<string, string | number | boolean>),
    }),
  });
}

export { SeverityNumber };
