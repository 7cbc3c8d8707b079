import { defineProcessor } from '../../core/factory.js';
import { darktraceMapConfigSchema, type DarktraceMapConfig } from './config.js';
import { createMapper } from './map.js';
import { createDarktraceMapProcessor } from './processor.js';

/** `darktrace-map`: reshape Darktrace alerts for Sentinel (legacy or CCF tables), Elastic (ECS) or OTel. */
export const darktraceMapProcessorFactory = defineProcessor<DarktraceMapConfig>({
  type: 'darktrace-map',
  stability: 'beta',
  description: 'Maps Darktrace alerts to a destination schema: sentinel-legacy, sentinel-ccf, ecs or otel.',
  configSchema: darktraceMapConfigSchema,
  exampleConfig: { schema: 'sentinel-legacy', on_error: 'dead_letter' },
  validate(config) {
    try {
      createMapper({ schema: config.schema, ...(config.fields !== undefined && { fields: config.fields }) });
      return [];
    } catch (err) {
      return [{ path: ['fields'], message: err instanceof Error ? err.message : String(err) }];
    }
  },
  create: (settings, config, next) => createDarktraceMapProcessor(settings, config, next),
});
