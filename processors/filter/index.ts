import { defineProcessor } from '../../core/factory.js';
import type { FilterConfig } from './expr.js';
import { filterConfigSchema, validateFilterConfig } from './expr.js';
import { createFilterProcessor } from './processor.js';

/** `filter`: keeps or drops records by keep_if / drop_if conditions on body, attributes and resource. */
export const filterProcessorFactory = defineProcessor<FilterConfig>({
  type: 'filter',
  stability: 'beta',
  description: 'Keeps or drops records by keep_if / drop_if conditions on body, attributes and resource.',
  configSchema: filterConfigSchema,
  exampleConfig: {
    keep_if: ['attributes["darktrace.alert.kind"] in ["model_breach", "ai_analyst"]'],
    drop_if: ['body.model.name matches /^System::/', 'body.aiaScore < 20'],
  },
  // Each problem's path is ['keep_if' | 'drop_if', index] and its message starts with the column.
  validate: (config) => validateFilterConfig(config).map(({ path, message }) => ({ path, message })),
  create: (settings, config, next) => createFilterProcessor(settings, config, next),
});
