// Data goes to stdout only through this exporter (logs go to stderr), so `dtcol run | jq` works.
import type { Settings } from '../../core/component.js';
import type { AnyValue } from '@opentelemetry/api';
import type { LogRecord } from '../../core/consumer.js';
import { createQueuedExporter, type QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { createRecord, fromStoredRecord, toStoredRecord, type StoredRecord } from '../../core/records.js';
import type { StdoutConfig } from './config.js';

export function createStdoutExporter(
  settings: Settings,
  config: StdoutConfig,
  out: NodeJS.WritableStream = process.stdout,
): QueuedExporter {
  const indent = config.format === 'pretty' ? 2 : undefined;
  const encode = (record: LogRecord): string =>
    JSON.stringify(config.content === 'body' ? record.body : toStoredRecord(record), null, indent);
  // push sends the encodings alone, so the queue keeps just those; a dead letter rebuilds what was to be sent.
  const decode = (encoded: string): LogRecord =>
    config.content === 'body'
      ? createRecord({ body: JSON.parse(encoded) as AnyValue })
      : fromStoredRecord(JSON.parse(encoded) as StoredRecord);
  return createQueuedExporter(settings, config, {
    encode,
    decode,
    async push(batch) {
      const text = batch.join('', '\n', '\n');
      if (!out.write(text)) {
        await new Promise<void>((resolve, reject) => {
          const cleanup = (): void => {
            out.off('drain', onDrain);
            out.off('error', onError);
          };
          const onDrain = (): void => {
            cleanup();
            resolve();
          };
          const onError = (err: Error): void => {
            cleanup();
            reject(err);
          };
          out.on('drain', onDrain);
          out.on('error', onError);
        });
      }
    },
  });
}
