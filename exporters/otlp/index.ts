import { defineExporter } from '../../core/factory.js';
import { otlpExporterConfigSchema, validateOtlpConfig, type OtlpExporterConfig } from './config.js';
import { LazyConsumer } from '../../core/helpers/lazy.js';

/** `otlp`: OTLP logs over HTTP (protobuf or JSON) or gRPC, to an OpenTelemetry Collector or any OTLP backend. */
export const otlpExporterFactory = defineExporter<OtlpExporterConfig>({
  type: 'otlp',
  stability: 'beta',
  description: 'Sends records as OTLP logs over HTTP (protobuf or JSON) or gRPC.',
  configSchema: otlpExporterConfigSchema,
  exampleConfig: { endpoint: 'http://127.0.0.1:4318' } as OtlpExporterConfig,
  validate: (config, context) => validateOtlpConfig(config, context),
  // Loaded on start, so services that do not use this exporter never load its SDKs.
  create: (settings, config) =>
    new LazyConsumer(async () => (await import('./exporter.js')).createOtlpExporter(settings, config)),
});
