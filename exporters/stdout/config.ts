import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';

/** Config of the `stdout` exporter. */
export interface StdoutConfig extends ExporterHelperConfig {
  format: 'ndjson' | 'pretty';
  content: 'record' | 'body';
}

export const stdoutConfigSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Writes records to standard output.',
  properties: {
    format: {
      enum: ['ndjson', 'pretty'],
      default: 'ndjson',
      description: 'ndjson: one JSON document per line; pretty: indented JSON, for reading.',
    },
    content: {
      enum: ['record', 'body'],
      default: 'record',
      description: 'record: the whole log record (times, severity, attributes, body); body: the body alone.',
    },
    ...exporterHelperSchemaProperties({ defaultBatchRecords: 1000, defaultTimeout: '30s' }),
  },
} as const;
