import { defineReceiver } from '../../core/factory.js';
import {
  darktraceRestConfigSchema,
  exampleDarktraceRestConfig,
  validateDarktraceRestConfig,
  type DarktraceRestConfig,
} from './config.js';
import { DarktraceRestReceiver } from './receiver.js';

/** `darktrace-rest`: polls the Threat Visualizer REST API for model breaches and AI Analyst events. */
export const darktraceRestReceiverFactory = defineReceiver<DarktraceRestConfig>({
  type: 'darktrace-rest',
  stability: 'beta',
  description:
    'Polls model breaches and AI Analyst incident events from the Darktrace REST API (signed requests, persisted cursor).',
  configSchema: darktraceRestConfigSchema,
  exampleConfig: exampleDarktraceRestConfig,
  validate: validateDarktraceRestConfig,
  create: (settings, config, next) => new DarktraceRestReceiver(settings, config, next),
});
