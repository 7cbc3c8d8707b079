import { defineExporter } from '../../core/factory.js';
import { otlpExporterConfigSchema, validateOtlpConfig, type OtlpExporterConfig } from './config.js';
import { createOtlpExporter } from './exporter.js';

/** `otlp`: OTLP logs over HTTP (protobuf or JSON) or gRPC, to an OpenTelemetry Collector or any OTLP backend. */
export const otlpExporterFactory = defineExporter<OtlpExporterConfig>({
  type: 'otlp',
  stability: 'beta',
  description: 'Sends records as OTLP logs over HTTP (protobuf or JSON) or gRPC.',
  configSchema: otlpExporterConfigSchema,
  exampleConfig: { endpoint: 'http://127.0.0.1:4318' } as OtlpExporterConfig,
  validate: (config, context) => validateOtlpConfig(config, context),
  create: (settings, config) => createOtlpExporter(settings, config),
});
