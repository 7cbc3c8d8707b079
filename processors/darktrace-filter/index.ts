import { defineProcessor } from '../../core/factory.js';
import type { DarktraceFilterConfig } from './options.js';
import { darktraceFilterConfigSchema } from './options.js';
import { validateDarktraceFilterConfig } from './predicate.js';
import { createDarktraceFilterProcessor } from './processor.js';

/** `darktrace-filter`: keeps or drops Darktrace alerts with the filters the appliance itself offers. */
export const darktraceFilterProcessorFactory = defineProcessor<DarktraceFilterConfig>({
  type: 'darktrace-filter',
  stability: 'beta',
  description:
    'Keeps or drops Darktrace alerts by kind, score, priority, behaviour, model, tag and device address.',
  configSchema: darktraceFilterConfigSchema,
  exampleConfig: {
    kinds: ['model_breach', 'ai_analyst', 'system_status'],
    model_breach: {
      min_score: 50,
      behaviours: ['critical', 'suspicious'],
      model_names: { exclude: ['System::*'] },
      device_ips: { exclude: ['192.0.2.0/24'] },
    },
    ai_analyst: { min_incident_score: 40 },
    system_status: { min_priority: 61, include_resolved: false },
  },
  validate: (config) => validateDarktraceFilterConfig(config),
  create: (settings, config, next) => createDarktraceFilterProcessor(settings, config, next),
});
