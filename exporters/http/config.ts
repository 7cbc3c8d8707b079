import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';

/** Config of the generic `http` exporter. */
export interface HttpExporterConfig extends ExporterHelperConfig {
  endpoint: string;
  headers: Record<string, string>;
  format: 'json_array' | 'ndjson';
  content: 'record' | 'body';
  compression: 'none' | 'gzip';
  tls: { insecure_skip_verify: boolean; ca_file?: string };
}

export const httpExporterConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  description:
    'POSTs batches of records as JSON to any HTTP endpoint (a webhook, a log sink, a test server).',
  properties: {
    endpoint: { type: 'string', format: 'uri', description: 'URL to POST to.' },
    headers: {
      type: 'object',
      default: {},
      description: 'Extra request headers; values may come from ${env:VAR} and are treated as secrets.',
      additionalProperties: { type: 'string', secret: true },
    },
    format: {
      enum: ['json_array', 'ndjson'],
      default: 'json_array',
      description: 'json_array: one JSON array per request; ndjson: one document per line.',
    },
    content: {
      enum: ['record', 'body'],
      default: 'body',
      description: 'record: the whole log record; body: the body alone (e.g. the mapped alert).',
    },
    compression: { enum: ['none', 'gzip'], default: 'none', description: 'Request body compression.' },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS options for https endpoints.',
      properties: {
        insecure_skip_verify: {
          type: 'boolean',
          default: false,
          description: 'Do not verify the server certificate (logged loudly; for tests only).',
        },
        ca_file: { type: 'string', description: 'PEM file of the CA that signed the server certificate.' },
      },
    },
    ...exporterHelperSchemaProperties({
      defaultBatchRecords: 500,
      maxBatchBytes: 4 * 1024 * 1024,
      defaultTimeout: '30s',
    }),
  },
} as const;
