// User overrides on top of a preset (`fields:` in the processor config): add, rename and drop output
// fields. Applied in that documented order after the preset: rename, then drop, then add, so that
// `drop: [x]` plus `add: {x: …}` replaces a preset field.
import { simpleConverterNames } from './converters.js';
import {
  compileRules,
  DarktraceMapConfigError,
  parsePath,
  parseTarget,
  runRule,
  type CompiledTable,
  type Doc,
  type MapContext,
  type Roots,
  type Segment,
} from './engine.js';
import type { ConverterName, FieldRule, JsonValue } from './types.js';

/** Where an added field takes its value from. */
export type FieldSource =
  /** A source path in the alert (`model.name`, `device.ips[].ip`, `$original`). */
  | string
  /** A literal. */
  | number
  | boolean
  /** A literal of any JSON type (use this for literal strings). */
  | { readonly value: JsonValue }
  /** A source path with converters applied. */
  | { readonly path: string; readonly convert?: ConverterName | readonly ConverterName[] };

/** `fields:` overrides. Targets are output paths (`event.kind`), or attribute keys for the otel preset. */
export interface FieldOverrides {
  /** Fields to add or overwrite: target → source. */
  readonly add?: Readonly<Record<string, FieldSource>>;
  /** Fields to move: current target → new target. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Targets to remove; `[]` reaches into arrays (`darktrace.ai_analyst_alert.periods[].start`). */
  readonly drop?: readonly string[];
}

/** JSON Schema (draft-07, ajv strict) of `FieldOverrides`. */
export const fieldOverridesSchema = {
  type: 'object',
  description:
    'Changes on top of the mapping preset, applied in this order: rename, drop, add. Targets are output paths ' +
    '(dot-separated), or attribute keys for the otel preset.',
  additionalProperties: false,
  properties: {
    add: {
      type: 'object',
      description:
        'Fields to add or overwrite, by target. A string names a source path in the alert ("model.name", ' +
        '"device.ips[].ip", "$original"); a number or boolean is a literal; {"value": …} is a literal of any JSON ' +
        'type; {"path": …, "convert": […]} applies named converters to a source path.',
      propertyNames: { type: 'string', minLength: 1 },
      additionalProperties: {
        description: 'Source of the added field.',
        anyOf: [
          { type: 'string', minLength: 1, description: 'Source path in the alert.' },
          { type: 'number', description: 'Literal number.' },
          { type: 'boolean', description: 'Literal boolean.' },
          {
            type: 'object',
            description: 'Literal value.',
            additionalProperties: false,
            required: ['value'],
            properties: { value: { description: 'Any JSON value, written as given.' } },
          },
          {
            type: 'object',
            description: 'Source path with converters.',
            additionalProperties: false,
            required: ['path'],
            properties: {
              path: { type: 'string', minLength: 1, description: 'Source path in the alert.' },
              convert: {
                description: 'Converter name, or names applied in order.',
                anyOf: [
                  { type: 'string', enum: simpleConverterNames, description: 'Converter name.' },
                  {
                    type: 'array',
                    minItems: 1,
                    description: 'Converter names.',
                    items: { type: 'string', enum: simpleConverterNames, description: 'Converter name.' },
                  },
                ],
              },
            },
          },
        ],
      },
    },
    rename: {
      type: 'object',
      description: 'Fields to move: current target → new target.',
      propertyNames: { type: 'string', minLength: 1 },
      additionalProperties: { type: 'string', minLength: 1, description: 'New target.' },
    },
    drop: {
      type: 'array',
      description:
        'Targets to remove; "[]" reaches into arrays ("darktrace.ai_analyst_alert.periods[].start").',
      uniqueItems: true,
      items: { type: 'string', minLength: 1, description: 'Target to remove.' },
    },
  },
} as const;

/** Compiled overrides (opaque). */
export interface CompiledOverrides {
  readonly rename: readonly (readonly [readonly string[], readonly string[]])[];
  readonly drop: readonly (readonly Segment[])[];
  readonly add: CompiledTable;
}

/** Empty overrides. */
export const noOverrides: CompiledOverrides = {
  rename: [],
  drop: [],
  add: { rules: [], slots: [], pruneEmpty: false },
};

function toRule(target: string, source: FieldSource, flat: boolean): FieldRule {
  // Attribute values must be scalars: the otel preset stringifies added arrays and objects.
  const tail: readonly ConverterName[] = flat ? ['scalar'] : [];
  if (typeof source === 'string') return { to: target, from: source, convert: tail };
  if (typeof source === 'number' || typeof source === 'boolean') return { to: target, value: source };
  if ('value' in source) return { to: target, value: source.value, convert: tail };
  const convert =
    source.convert === undefined
      ? []
      : typeof source.convert === 'string'
        ? [source.convert]
        : source.convert;
  return { to: target, from: source.path, convert: [...convert, ...tail] };
}

/** Compiles overrides. Throws `DarktraceMapConfigError` on a bad path. */
export function compileOverrides(
  fields: FieldOverrides | undefined,
  options: { readonly roots?: Roots; readonly flat: boolean },
): CompiledOverrides {
  if (fields === undefined) return noOverrides;
  const { flat } = options;
  const rename = Object.entries(fields.rename ?? {}).map(
    ([from, to]) =>
      [
        parseTarget(from, flat, `fields.rename "${from}"`),
        parseTarget(to, flat, `fields.rename "${from}"`),
      ] as const,
  );
  const drop = (fields.drop ?? []).map((path) => {
    const segs = flat
      ? parseTarget(path, true, `fields.drop "${path}"`)
      : parsePath(path, `fields.drop "${path}"`);
    if (segs[segs.length - 1] === null)
      throw new DarktraceMapConfigError(`fields.drop "${path}": must end with a name`);
    return segs;
  });
  const addRules = Object.entries(fields.add ?? {}).map(([target, source]) => toRule(target, source, flat));
  const add = compileRules(addRules, options.roots === undefined ? { flat } : { roots: options.roots, flat });
  return { rename, drop, add };
}

/** Applies compiled overrides to a document built by a preset. */
export function applyOverrides(doc: Doc, overrides: CompiledOverrides, ctx: MapContext): void {
  for (const [from, to] of overrides.rename) {
    const value = doc.get(from);
    if (value === undefined) continue;
    doc.remove(from);
    doc.set(to, value);
  }
  for (const segs of overrides.drop) doc.remove(segs);
  // Run against the preset's document, so these writes take the generic (copy-on-write) path.
  for (const rule of overrides.add.rules) runRule(rule, ctx.alert, ctx, doc, overrides.add);
}
