import { defineExporter } from '../../core/factory.js';
import { httpExporterConfigSchema, type HttpExporterConfig } from './config.js';
import { createHttpExporter } from './exporter.js';

/** `http`: POST batches as a JSON array or NDJSON to any endpoint. */
export const httpExporterFactory = defineExporter<HttpExporterConfig>({
  type: 'http',
  stability: 'beta',
  description: 'POSTs batches of records as JSON (array or NDJSON) to an HTTP endpoint.',
  configSchema: httpExporterConfigSchema,
  exampleConfig: { endpoint: 'http://127.0.0.1:8080/ingest' } as HttpExporterConfig,
  create: (settings, config) => createHttpExporter(settings, config),
});
