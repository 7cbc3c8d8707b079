// Wraps the mapping library as a processor: one compiled mapper per pipeline, records rebuilt (never mutated).
import type { AnyValue } from '@opentelemetry/api';
import type { Component, Settings } from '../../core/component.js';
import type { LogRecord, LogsConsumer } from '../../core/consumer.js';
import { createRecordProcessor, type MapResult } from '../../core/helpers/processor-helper.js';
import { withChanges } from '../../core/records.js';
import { alertKindOf } from '../darktrace-filter/processor.js';
import type { DarktraceMapConfig } from './config.js';
import { createMapper, isMapFailure } from './map.js';

/** Attribute naming the schema a record was mapped to. */
export const mapSchemaAttribute = 'darktrace.map.schema';
/** Attribute naming the Logs Ingestion stream (sentinel-ccf). */
export const streamAttribute = 'sentinel.stream';
/** Attribute a receiver may set with the alert text as received (syslog `keep_original`). */
export const originalAttribute = 'log.record.original';

export function createDarktraceMapProcessor(
  settings: Settings,
  config: DarktraceMapConfig,
  next: LogsConsumer,
): Component & LogsConsumer {
  const mapper = createMapper({
    schema: config.schema,
    ...(config.fields !== undefined && { fields: config.fields }),
  });
  const map = (record: LogRecord): MapResult => {
    const original = record.attributes[originalAttribute];
    const result = mapper(
      alertKindOf(record),
      record.body,
      typeof original === 'string' ? original : undefined,
    );
    if (isMapFailure(result)) {
      if (config.on_error === 'pass') return record;
      if (config.on_error === 'drop') return { drop: result.error.code.toLowerCase() };
      return { deadLetter: `cannot map to ${config.schema}: ${result.error.message}` };
    }
    // A spread copy is one fast clone; with the original text present, copy key by key instead (spreading and
    // then deleting it would turn the object into a slow dictionary, on the hottest path of the pipeline).
    const input = record.attributes;
    let attributes: Record<string, AnyValue>;
    if (original === undefined) {
      attributes = { ...input };
    } else {
      attributes = {};
      for (const key in input) if (key !== originalAttribute) attributes[key] = input[key];
    }
    const mapped = result.attributes;
    if (mapped !== undefined) for (const key in mapped) attributes[key] = mapped[key];
    attributes[mapSchemaAttribute] = config.schema;
    if (result.stream !== undefined) attributes[streamAttribute] = result.stream;
    return withChanges(record, {
      body: result.body,
      attributes,
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the map's bands are SeverityNumber values
      ...(result.severityNumber !== undefined && { severityNumber: result.severityNumber }),
      ...(result.severityText !== undefined && { severityText: result.severityText }),
      ...(result.eventName !== undefined && { eventName: result.eventName }),
    });
  };
  return createRecordProcessor(settings, next, { map });
}
