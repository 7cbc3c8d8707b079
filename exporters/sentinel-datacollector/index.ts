import { defineExporter } from '../../core/factory.js';
import {
  sentinelDataCollectorConfigSchema,
  validateSentinelDataCollectorConfig,
  type SentinelDataCollectorConfig,
} from './config.js';
import { LazyConsumer } from '../../core/helpers/lazy.js';

/** `sentinel-datacollector`: record bodies to a Log Analytics table through the (retired) HTTP Data Collector API. */
export const sentinelDataCollectorExporterFactory = defineExporter<SentinelDataCollectorConfig>({
  type: 'sentinel-datacollector',
  stability: 'deprecated',
  description:
    'Sends flat Darktrace alerts to darktrace_model_alerts_CL through the HTTP Data Collector API (legacy; retired 2026-09-14).',
  configSchema: sentinelDataCollectorConfigSchema,
  // Loopback endpoint: the conformance suite must never reach Azure.
  exampleConfig: {
    workspace_id: '00000000-0000-4000-8000-000000000000',
    shared_key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    endpoint: 'http://127.0.0.1:8081',
  } as SentinelDataCollectorConfig,
  validate: (config) => validateSentinelDataCollectorConfig(config),
  // Loaded on start (undici), so services that do not use this exporter never load it.
  create: (settings, config) =>
    new LazyConsumer(async () =>
      (await import('./exporter.js')).createSentinelDataCollectorExporter(settings, config),
    ),
});
