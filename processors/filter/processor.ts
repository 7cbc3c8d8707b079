// The `filter` processor: keep_if / drop_if conditions in the filter expression language (expr.ts),
// applied per record by the core record-processor helper, which counts drops by list name.
import type { Component, Settings } from '../../core/component.js';
import type { LogRecord, LogsConsumer } from '../../core/consumer.js';
import { createRecordProcessor } from '../../core/helpers/processor-helper.js';
import type { FilterConfig, FilterRecord } from './expr.js';
import { compileFilterConfig } from './expr.js';

type MutableFilterRecord = { -readonly [K in keyof FilterRecord]: FilterRecord[K] };

/** The view of a log record that filter expressions read (resource = the resource's attributes). */
export function toFilterRecord(record: LogRecord): FilterRecord {
  const view: MutableFilterRecord = {
    body: record.body,
    attributes: record.attributes,
    resource: record.resource.attributes,
  };
  // Optional fields are left out rather than set to undefined (exactOptionalPropertyTypes).
  if (record.severityNumber !== undefined) view.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) view.severityText = record.severityText;
  if (record.eventName !== undefined) view.eventName = record.eventName;
  return view;
}

/** Creates the processor; the config must have passed {@link validateFilterConfig}. */
export function createFilterProcessor(
  settings: Settings,
  config: FilterConfig,
  next: LogsConsumer,
): Component & LogsConsumer {
  const decide = compileFilterConfig(config);
  return createRecordProcessor(settings, next, { keep: (record) => decide(toFilterRecord(record)) });
}
