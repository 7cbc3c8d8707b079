// The `darktrace-map` library: turns a parsed Darktrace alert into the record one destination expects.
// createMapper compiles the preset's tables and the user's overrides once; the returned function is
// pure, never throws and never mutates the alert (the output may share unchanged sub-objects with it).
import { Ajv, type ValidateFunction } from 'ajv';
import { identityPaths, metaRules, severityOf, sourceRoots } from './schemas/common.js';
import { isObject } from './schemas/converters.js';
import { ecsTable } from './schemas/ecs.js';
import {
  compileRules,
  createContext,
  DarktraceMapConfigError,
  pruneEmpty,
  pruneNulls,
  runRules,
  type CompiledTable,
} from './schemas/engine.js';
import { otelTable } from './schemas/otel.js';
import {
  applyOverrides,
  compileOverrides,
  fieldOverridesSchema,
  type FieldOverrides,
} from './schemas/overrides.js';
import { sentinelCcfTable } from './schemas/sentinel-ccf.js';
import { sentinelLegacyTable } from './schemas/sentinel-legacy.js';
import {
  alertKinds,
  schemaNames,
  type AlertKind,
  type SchemaName,
  type SchemaTable,
} from './schemas/types.js';

export { DarktraceMapConfigError } from './schemas/engine.js';
export { ecsDuplicateCustomFields } from './schemas/ecs.js';
export { fieldOverridesSchema, type FieldOverrides, type FieldSource } from './schemas/overrides.js';
export { severityBands, type SeverityBand } from './schemas/common.js';
export { alertKinds, schemaNames, type AlertKind, type SchemaName } from './schemas/types.js';

/** Options of `createMapper`. */
export interface MapperOptions {
  readonly schema: SchemaName;
  readonly fields?: FieldOverrides;
}

/** A mapped alert, ready to become a log record. */
export interface MappedAlert {
  readonly body: Record<string, unknown>;
  readonly attributes?: Record<string, string | number | boolean>;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly eventName?: string;
  /** Logs Ingestion stream (sentinel-ccf). */
  readonly stream?: string;
  /** Event time, epoch ms (breach `time`, AI `createdAt`, system `last_updated`, email `timestamp`);
   *  system alerts may carry a sub-millisecond fraction. */
  readonly timeUnixMs?: number;
}

/** Why an alert could not be mapped. */
export type MapErrorCode =
  'ERR_MAP_NOT_OBJECT' | 'ERR_MAP_UNSUPPORTED_KIND' | 'ERR_MAP_MISSING_FIELD' | 'ERR_MAP_FAILED';

/** An alert that could not be mapped, with the reason. */
export interface MapFailure {
  readonly error: { readonly code: MapErrorCode; readonly message: string };
}

/** The outcome of mapping one alert. */
export type MapResult = MappedAlert | MapFailure;

/**
 * Maps one alert. `original` is the raw text it was parsed from: the JSON, or a syslog message still
 * led by its app name (`darktrace {…}`), as Elastic's pipeline receives it; the ecs preset turns it into
 * `event.original` and `log.syslog.appname`. Never throws: a failure is a `MapFailure`.
 */
export type AlertMapper = (kind: AlertKind, alert: unknown, original?: string) => MapResult;

/** True when the alert could not be mapped. */
export function isMapFailure(result: MapResult): result is MapFailure {
  return 'error' in result;
}

const tables: Readonly<Record<SchemaName, SchemaTable>> = {
  'sentinel-legacy': sentinelLegacyTable,
  'sentinel-ccf': sentinelCcfTable,
  ecs: ecsTable,
  otel: otelTable,
};

interface CompiledKind {
  readonly rules: CompiledTable;
  readonly meta: CompiledTable;
  readonly identity: string | undefined;
  readonly stream: string | undefined;
}

let fieldsValidator: ValidateFunction | undefined;

function checkFields(fields: unknown): void {
  fieldsValidator ??= new Ajv({ allErrors: true, strict: true }).compile(fieldOverridesSchema);
  if (fieldsValidator(fields)) return;
  const detail = (fieldsValidator.errors ?? [])
    .map((e) => `fields${e.instancePath} ${e.message ?? 'is invalid'}`)
    .join('; ');
  throw new DarktraceMapConfigError(`Invalid darktrace-map fields: ${detail}`);
}

function fail(code: MapErrorCode, message: string): MapFailure {
  return { error: { code, message } };
}

function toAttributes(root: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(root)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v !== undefined && v !== null) out[k] = JSON.stringify(v);
  }
  return out;
}

/**
 * Compiles a mapper for one preset plus overrides. Throws `DarktraceMapConfigError` (code
 * `ERR_DARKTRACE_MAP_CONFIG`) for an unknown schema or invalid `fields`; the mapper itself never throws.
 */
export function createMapper(options: MapperOptions): AlertMapper {
  const table = (tables as Readonly<Record<string, SchemaTable | undefined>>)[options.schema];
  if (table === undefined) {
    throw new DarktraceMapConfigError(
      `Unknown darktrace-map schema "${options.schema}"; expected one of ${schemaNames.join(', ')}`,
    );
  }
  if (options.fields !== undefined) checkFields(options.fields);
  const flat = table.flatTargets ?? false;
  const overrides = compileOverrides(options.fields, { roots: sourceRoots, flat });
  const hasOverrides = overrides.add.rules.length + overrides.rename.length + overrides.drop.length > 0;
  const compiled = new Map<AlertKind, CompiledKind>();
  for (const kind of alertKinds) {
    const kindTable = table.kinds[kind];
    if (kindTable === undefined) continue;
    const identity = identityPaths[kind];
    const meta =
      identity === undefined ? metaRules[kind] : [...metaRules[kind], { to: 'identity', from: identity }];
    compiled.set(kind, {
      rules: compileRules(kindTable.rules, { roots: sourceRoots, flat, pruneEmpty: table.prune === 'empty' }),
      meta: compileRules(meta, { roots: sourceRoots }),
      identity,
      stream: kindTable.stream,
    });
  }

  return (kind, alert, original) => {
    try {
      if (!isObject(alert)) return fail('ERR_MAP_NOT_OBJECT', `A ${kind} alert must be a JSON object.`);
      const ck = compiled.get(kind);
      if (ck === undefined) {
        return fail(
          'ERR_MAP_UNSUPPORTED_KIND',
          `The ${table.name} schema has no mapping for ${kind} alerts.`,
        );
      }
      const ctx = createContext(alert, kind, original);
      const meta = runRules(ck.meta, ctx).root;
      if (ck.identity !== undefined && meta['identity'] === undefined) {
        return fail('ERR_MAP_MISSING_FIELD', `The ${kind} alert has no "${ck.identity}".`);
      }
      const doc = runRules(ck.rules, ctx);
      applyOverrides(doc, overrides, ctx);
      let body: Record<string, unknown>;
      let attributes: Record<string, string | number | boolean> | undefined;
      if (table.body === 'alert') {
        body = alert;
        attributes = toAttributes(doc.root);
      } else if (table.prune === 'empty') {
        // The preset's own writes are pruned as they happen; overrides may still leave empties.
        const pruned = hasOverrides ? pruneEmpty(doc.root) : doc.root;
        body = isObject(pruned) ? pruned : {};
      } else {
        pruneNulls(doc);
        body = doc.root;
      }
      const score = meta['score'];
      const level = meta['level'];
      const time = meta['time'];
      const band = typeof score === 'number' ? severityOf(score) : undefined;
      return {
        body,
        eventName: `darktrace.${kind}`,
        ...(attributes === undefined ? {} : { attributes }),
        ...(band === undefined ? {} : { severityNumber: band.number }),
        ...(typeof level === 'string'
          ? { severityText: level }
          : band === undefined
            ? {}
            : { severityText: band.text }),
        ...(ck.stream === undefined ? {} : { stream: ck.stream }),
        ...(typeof time === 'number' ? { timeUnixMs: time } : {}),
      };
    } catch (err) {
      return fail(
        'ERR_MAP_FAILED',
        `Mapping a ${kind} alert failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
}
