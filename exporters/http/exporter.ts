import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import type { Settings } from '../../core/component.js';
import type { AnyValue } from '@opentelemetry/api';
import type { LogRecord } from '../../core/consumer.js';
import { createQueuedExporter, type QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { classifyHttpStatus, createHttpAgent } from '../../core/helpers/http.js';
import { createRecord, fromStoredRecord, toStoredRecord, type StoredRecord } from '../../core/records.js';
import type { HttpExporterConfig } from './config.js';

export function createHttpExporter(settings: Settings, config: HttpExporterConfig): QueuedExporter {
  // TLS file paths are relative to the config file, like every other path in pipelines.yaml.
  const tls = {
    ...config.tls,
    ...(config.tls.ca_file !== undefined && { ca_file: resolve(settings.configDir, config.tls.ca_file) }),
  };
  const agent = createHttpAgent(tls, { connections: config.sending_queue.num_consumers });
  if (config.tls.insecure_skip_verify) {
    settings.logger.warn(
      `Exporter "${settings.id.id}" does NOT verify the TLS certificate of ${new URL(config.endpoint).host}.`,
    );
  }
  const encode = (record: LogRecord): string =>
    JSON.stringify(config.content === 'body' ? record.body : toStoredRecord(record));
  const contentType = config.format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
  // push sends the encodings alone, so the queue keeps just those; a dead letter rebuilds what was to be sent.
  const decode = (encoded: string): LogRecord =>
    config.content === 'body'
      ? createRecord({ body: JSON.parse(encoded) as AnyValue })
      : fromStoredRecord(JSON.parse(encoded) as StoredRecord);
  return createQueuedExporter(settings, config, {
    encode,
    decode,
    limits: { maxBatchBytes: 4 * 1024 * 1024 },
    reuseBodies: true, // push awaits the whole response
    async push(batch, signal) {
      const text = config.format === 'ndjson' ? batch.join('', '\n', '\n') : batch.join('[', ',', ']');
      const body = config.compression === 'gzip' ? gzipSync(text) : text;
      const res = await request(config.endpoint, {
        method: 'POST',
        dispatcher: agent,
        signal,
        headers: {
          'content-type': contentType,
          ...(config.compression === 'gzip' && { 'content-encoding': 'gzip' }),
          ...config.headers,
        },
        body,
      });
      const answer = await res.body.text();
      const err = classifyHttpStatus(res.statusCode, res.headers, answer);
      if (err !== undefined) throw err;
    },
    async shutdown() {
      await agent.close();
    },
  });
}
