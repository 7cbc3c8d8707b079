// The short way to write a processor: a JSON Schema plus a function returning keep/map callbacks.
import type { Stability } from './component.js';
import type { JsonSchema, ProcessorFactory } from './factory.js';
import { defineProcessor } from './factory.js';
import { createRecordProcessor, type RecordProcessorSpec } from './helpers/processor-helper.js';
import type { Settings } from './component.js';

/** Input of {@link defineRecordProcessor}. */
export interface RecordProcessorDefinition<C> {
  type: string;
  description: string;
  stability?: Stability;
  configSchema: JsonSchema;
  exampleConfig?: C;
  /** Called once per pipeline with the validated config; returns the per-record callbacks. */
  setup(config: C, settings: Settings): RecordProcessorSpec;
}

/**
 * Define a processor from per-record callbacks. Example:
 * ```ts
 * defineRecordProcessor<{ tag: string }>({
 *   type: 'add-tag', description: 'Adds a tag attribute.',
 *   configSchema: { type: 'object', additionalProperties: false, required: ['tag'],
 *                   properties: { tag: { type: 'string', description: 'The tag.' } } },
 *   setup: (config) => ({ map: (r) => withChanges(r, { attributes: { ...r.attributes, tag: config.tag } }) }),
 * });
 * ```
 */
export function defineRecordProcessor<C>(def: RecordProcessorDefinition<C>): ProcessorFactory<C> {
  return defineProcessor<C>({
    type: def.type,
    description: def.description,
    stability: def.stability ?? 'alpha',
    configSchema: def.configSchema,
    ...(def.exampleConfig !== undefined && { exampleConfig: def.exampleConfig }),
    create: (settings, config, next) => createRecordProcessor(settings, next, def.setup(config, settings)),
  });
}
