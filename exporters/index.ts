// Built-in exporters, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';
import { httpExporterFactory } from './http/index.js';
import { otlpExporterFactory } from './otlp/index.js';
import { sentinelDataCollectorExporterFactory } from './sentinel-datacollector/index.js';
import { sentinelLogsIngestionExporterFactory } from './sentinel-logs-ingestion/index.js';
import { stdoutExporterFactory } from './stdout/index.js';

export const builtinExporters: readonly Factory[] = [
  stdoutExporterFactory,
  httpExporterFactory,
  otlpExporterFactory,
  sentinelDataCollectorExporterFactory,
  sentinelLogsIngestionExporterFactory,
];
