/**
 * Component factories: the only way a component type enters the runtime.
 *
 * A factory describes a type (kind, type name, stability, JSON Schema of its config) and creates instances.
 * Factories are made only by {@link defineReceiver}, {@link defineProcessor} and {@link defineExporter},
 * which check the type name and schema shape, brand the result and freeze it; the registry rejects anything
 * else. Nothing registers itself on import: built-ins are listed explicitly in `receivers/index.ts`,
 * `processors/index.ts` and `exporters/index.ts`, plugins through their manifest.
 *
 * Config handed to `create` has been validated against `configSchema` with defaults applied (ajv
 * `useDefaults`, no type coercion, unknown keys rejected), `${env:…}` substituted and deep-frozen. Defaults
 * live only in the schema.
 */
import type { Component, ComponentKind, Settings, Stability } from './component.js';
import { typePattern } from './component.js';
import type { LogsConsumer } from './consumer.js';

/** A JSON Schema (draft-07) object. Mark secret string fields with `secret: true`. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A problem found by a factory's own `validate`, relative to the component's config. */
export interface ComponentConfigProblem {
  /** Path inside the component config, e.g. `['tls', 'ca_file']`; empty for the whole config. */
  path: readonly (string | number)[];
  message: string;
}

/** Brand that marks objects made by the define* helpers. */
export const factoryBrand: unique symbol = Symbol.for('darktrace-collector.factory') as never;

interface FactoryCommon<C> {
  readonly type: string;
  readonly stability: Stability;
  /** One line for `dtcol components`. */
  readonly description: string;
  readonly configSchema: JsonSchema;
  /** A config that validates; used in docs and the conformance suite. */
  readonly exampleConfig?: C;
  /** Checks the schema cannot express (cross-field rules, files that must exist, ...). */
  validate?(config: C, context: { configDir: string }): readonly ComponentConfigProblem[];
}

/** Creates receivers. A receiver pushes into `next` and stops when shut down. */
export interface ReceiverFactory<C = unknown> extends FactoryCommon<C> {
  readonly kind: 'receiver';
  /**
   * What the receiver can promise about delivery, logged once at start (e.g. "syslog cannot be
   * acknowledged: data is protected from the first persistent queue on").
   */
  readonly deliveryNote?: string;
  create(settings: Settings, config: C, next: LogsConsumer): Component;
}

/** Creates processors; one instance per pipeline. */
export interface ProcessorFactory<C = unknown> extends FactoryCommon<C> {
  readonly kind: 'processor';
  create(settings: Settings, config: C, next: LogsConsumer): Component & LogsConsumer;
}

/** Creates exporters; one instance per id, shared by the pipelines that name it. */
export interface ExporterFactory<C = unknown> extends FactoryCommon<C> {
  readonly kind: 'exporter';
  create(settings: Settings, config: C): Component & LogsConsumer;
}

type Erased<F> = Omit<F, 'exampleConfig'> & { readonly exampleConfig?: unknown };

/** Any factory, whatever its config type. */
export type Factory =
  Erased<ReceiverFactory<never>> | Erased<ProcessorFactory<never>> | Erased<ExporterFactory<never>>;

/** Factory input without `kind` (the define* helper sets it). */
export type FactoryInput<F> = Omit<F, 'kind'>;

function define<F extends { type: string; configSchema: JsonSchema }>(kind: ComponentKind, input: F): F {
  if (!typePattern.test(input.type) || input.type.length > 63) {
    throw new TypeError(
      `Component type "${input.type}" is invalid: use kebab-case, a letter first, at most 63 characters.`,
    );
  }
  const schema = input.configSchema;
  if (schema['type'] !== 'object' || schema['additionalProperties'] !== false) {
    throw new TypeError(
      `Component type "${input.type}": configSchema must be an object schema with additionalProperties: false.`,
    );
  }
  const factory = { ...input, kind };
  Object.defineProperty(factory, factoryBrand, { value: true, enumerable: false });
  return Object.freeze(factory);
}

/** Make a receiver factory. */
export function defineReceiver<C>(input: FactoryInput<ReceiverFactory<C>>): ReceiverFactory<C> {
  return define('receiver', input as ReceiverFactory<C>);
}

/** Make a processor factory. */
export function defineProcessor<C>(input: FactoryInput<ProcessorFactory<C>>): ProcessorFactory<C> {
  return define('processor', input as ProcessorFactory<C>);
}

/** Make an exporter factory. */
export function defineExporter<C>(input: FactoryInput<ExporterFactory<C>>): ExporterFactory<C> {
  return define('exporter', input as ExporterFactory<C>);
}

/** True for objects made by the define* helpers (also across copies of this package). */
export function isFactory(value: unknown): value is Factory {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[factoryBrand] === true
  );
}
