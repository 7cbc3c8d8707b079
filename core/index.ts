// The public plugin API: the only module plugins import. Explicit re-exports, no `export *`.
export type {
  Clock,
  Component,
  ComponentId,
  ComponentKind,
  ComponentTelemetry,
  HealthStatus,
  Host,
  Settings,
  Stability,
} from './component.js';
export { parseComponentId } from './component.js';
export type { Capabilities, LogBatch, LogRecord, LogsConsumer } from './consumer.js';
export {
  ConfigError,
  DtcolError,
  PartialSuccessError,
  PermanentError,
  PluginLoadError,
  QueueFullError,
  RetryableError,
  ShutdownError,
  SplitRequiredError,
} from './errors.js';
export type { ConfigIssue, SourceLocation } from './errors.js';
export type {
  ComponentConfigProblem,
  ExporterFactory,
  Factory,
  JsonSchema,
  ProcessorFactory,
  ReceiverFactory,
} from './factory.js';
export { defineExporter, defineProcessor, defineReceiver, isFactory } from './factory.js';
export type { PluginManifest } from './plugin.js';
export { API_VERSION, definePlugin } from './plugin.js';
export type { RecordInit, StoredRecord } from './records.js';
export {
  cloneRecord,
  createRecord,
  msToHrTime,
  hrTimeToMs,
  sharedResource,
  withChanges,
  SeverityNumber,
} from './records.js';
export type { BatchProcessorSpec, MapResult, RecordProcessorSpec } from './helpers/processor-helper.js';
export { createBatchProcessor, createRecordProcessor } from './helpers/processor-helper.js';
export type { RecordProcessorDefinition } from './simple-processor.js';
export { defineRecordProcessor } from './simple-processor.js';
export type {
  DestinationLimits,
  ExportBatch,
  ExporterHelperConfig,
  ExporterSpec,
} from './helpers/exporter-helper.js';
export {
  createQueuedExporter,
  exporterHelperSchemaProperties,
  parseRetryAfter,
} from './helpers/exporter-helper.js';
export { deliverDownstream, MalformedInput } from './helpers/receiver-helper.js';
export { byteSizeSchema, durationSchema, parseByteSize, parseDuration } from './units.js';
