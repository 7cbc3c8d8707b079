import { defineExporter } from '../../core/factory.js';
import { stdoutConfigSchema, type StdoutConfig } from './config.js';
import { createStdoutExporter } from './exporter.js';

/** `stdout`: NDJSON (default) or pretty JSON on standard output. */
export const stdoutExporterFactory = defineExporter<StdoutConfig>({
  type: 'stdout',
  stability: 'stable',
  description: 'Writes records to standard output as NDJSON or pretty JSON.',
  configSchema: stdoutConfigSchema,
  exampleConfig: { format: 'ndjson', content: 'record' } as StdoutConfig,
  create: (settings, config) => createStdoutExporter(settings, config),
});
