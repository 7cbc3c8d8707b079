import { defineExporter } from '../../core/factory.js';
import { httpExporterConfigSchema, type HttpExporterConfig } from './config.js';
import { LazyConsumer } from '../../core/helpers/lazy.js';

/** `http`: POST batches as a JSON array or NDJSON to any endpoint. */
export const httpExporterFactory = defineExporter<HttpExporterConfig>({
  type: 'http',
  stability: 'beta',
  description: 'POSTs batches of records as JSON (array or NDJSON) to an HTTP endpoint.',
  configSchema: httpExporterConfigSchema,
  exampleConfig: { endpoint: 'http://127.0.0.1:8080/ingest' } as HttpExporterConfig,
  // Loaded on start (undici), so services that do not use it never load it.
  create: (settings, config) =>
    new LazyConsumer(async () => (await import('./exporter.js')).createHttpExporter(settings, config)),
});
