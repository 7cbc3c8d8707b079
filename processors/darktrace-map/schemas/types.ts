// The shape of a mapping table. Tables are plain data: every preset in this folder is a list of
// `FieldRule`s per alert kind, and `engine.ts` compiles them once into closures over pre-split paths.

/** Alert kinds the Darktrace receivers tell apart (reference/darktrace.md §6). */
export type AlertKind = 'model_breach' | 'ai_analyst' | 'system_status' | 'email' | 'unknown';

/** Every alert kind, in a stable order. */
export const alertKinds: readonly AlertKind[] = [
  'model_breach',
  'ai_analyst',
  'system_status',
  'email',
  'unknown',
];

/** Output presets of the mapper. */
export type SchemaName = 'sentinel-legacy' | 'sentinel-ccf' | 'ecs' | 'otel';

/** Every preset name. */
export const schemaNames: readonly SchemaName[] = ['sentinel-legacy', 'sentinel-ccf', 'ecs', 'otel'];

/** A JSON value as it can appear in a table (literals, converter arguments). */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Converter names; `converters.ts` holds their implementations and documents each. */
export type ConverterName =
  | 'dateToIso'
  | 'secondsToIso'
  | 'isoNoZone'
  | 'toEpochMs'
  | 'secondsToEpochMs'
  | 'msToDarktraceDateTime'
  | 'msToDarktraceText'
  | 'secondsToDarktraceText'
  | 'toLong'
  | 'toInt'
  | 'toDouble'
  | 'toBool'
  | 'toString'
  | 'toGuid'
  | 'toArray'
  | 'json'
  | 'scalar'
  | 'unitToPercent'
  | 'divide'
  | 'ceil'
  | 'nonNegative'
  | 'acknowledged'
  | 'present'
  | 'lower'
  | 'upper'
  | 'capitalize'
  | 'mac'
  | 'ip'
  | 'notIp'
  | 'stripCidr'
  | 'firstSentence'
  | 'syslogTag'
  | 'withoutSyslogTag'
  | 'uri'
  | 'uriParts'
  | 'javaMapText'
  | 'componentsText'
  | 'filterValue'
  | 'lookup'
  | 'ifContains'
  | 'spanNs'
  | 'pick'
  | 'join'
  | 'first'
  | 'min'
  | 'max';

/** A converter by name, or with arguments. */
export type ConverterCall =
  ConverterName | { readonly fn: ConverterName; readonly args: readonly JsonValue[] };

/** A test on a source value, relative to the current scope (the alert, or the element under `each`). */
export interface Condition {
  readonly path: string;
  /** Holds when the value equals this scalar. */
  readonly equals?: string | number | boolean;
  /** Holds when the value is present (`true`) or absent (`false`). */
  readonly exists?: boolean;
}

/**
 * One field of the output.
 *
 * Source paths are dot-separated; `name[]` fans out over an array (`details[][].contents[].values[].ip`);
 * `$original` is the raw JSON text given to the mapper and `$kind` the alert kind. Table `roots` can
 * alias a first segment (`model` → `model.now`, `model.then` or the flat `model`).
 */
export interface FieldRule {
  /** Target path in the output (dot-separated), or an attribute key in flat tables. */
  readonly to: string;
  /** Source path, or several: the first that yields a value wins. */
  readonly from?: string | readonly string[];
  /** A literal, when there is no `from`. */
  readonly value?: JsonValue;
  /** Text with `{path|fallback}` placeholders and `[optional ... {path}]` groups, when there is no `from`. */
  readonly template?: string;
  /** Converters applied in order. On a fanned-out list, list converters (join, first, min, max) see the
   *  whole list and the others each element. A converter answering `undefined` drops the field. */
  readonly convert?: ConverterCall | readonly ConverterCall[];
  /** Sub-table applied to the value: to each element of an array (recursively), or to an object. */
  readonly each?: readonly FieldRule[];
  /** With `each`: also copy, unchanged, the source keys that no sub-rule reads. */
  readonly keepRest?: boolean;
  /** Append into an array at `to` instead of setting it; `unique` skips values already there. */
  readonly append?: 'unique' | 'all';
  /** Only apply when this holds. */
  readonly when?: Condition;
  /** Only apply when the target has no value yet. */
  readonly ifUnset?: boolean;
  /** Value written when the source yields nothing. */
  readonly default?: JsonValue;
}

/** The rules for one alert kind in one preset. */
export interface KindTable {
  readonly rules: readonly FieldRule[];
  /** Stream (Logs Ingestion) the records go to. */
  readonly stream?: string;
}

/** One preset. */
export interface SchemaTable {
  readonly name: SchemaName;
  /** `alert`: the body is the alert itself and rules fill `attributes`; `mapped`: rules build the body. */
  readonly body: 'alert' | 'mapped';
  /** `empty` drops null, "", {} and [] recursively (Elastic's final script); `null` drops top-level nulls. */
  readonly prune: 'empty' | 'null';
  /** Targets are flat keys (OTel attribute names hold dots), not nested paths. */
  readonly flatTargets?: boolean;
  readonly kinds: Readonly<Partial<Record<AlertKind, KindTable>>>;
}
