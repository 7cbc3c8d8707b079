import { defineReceiver } from '../../core/factory.js';
import {
  darktraceRestConfigSchema,
  exampleDarktraceRestConfig,
  validateDarktraceRestConfig,
  type DarktraceRestConfig,
} from './config.js';
import { LazyComponent } from '../../core/helpers/lazy.js';

/** `darktrace-rest`: polls the Threat Visualizer REST API for model breaches and AI Analyst events. */
export const darktraceRestReceiverFactory = defineReceiver<DarktraceRestConfig>({
  type: 'darktrace-rest',
  stability: 'beta',
  description:
    'Polls model breaches and AI Analyst incident events from the Darktrace REST API (signed requests, persisted cursor).',
  configSchema: darktraceRestConfigSchema,
  exampleConfig: exampleDarktraceRestConfig,
  validate: validateDarktraceRestConfig,
  // Loaded on start (undici and the REST client), so syslog-only services never load it.
  create: (settings, config, next) =>
    new LazyComponent(
      async () => new (await import('./receiver.js')).DarktraceRestReceiver(settings, config, next),
    ),
});
