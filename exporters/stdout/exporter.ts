// Data goes to stdout only through this exporter (logs go to stderr), so `dtcol run | jq` works.
import type { Settings } from '../../core/component.js';
import type { LogRecord } from '../../core/consumer.js';
import { createQueuedExporter, type QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { toStoredRecord } from '../../core/records.js';
import type { StdoutConfig } from './config.js';

export function createStdoutExporter(
  settings: Settings,
  config: StdoutConfig,
  out: NodeJS.WritableStream = process.stdout,
): QueuedExporter {
  const indent = config.format === 'pretty' ? 2 : undefined;
  const encode = (record: LogRecord): string =>
    JSON.stringify(config.content === 'body' ? record.body : toStoredRecord(record), null, indent);
  return createQueuedExporter(settings, config, {
    encode,
    async push(batch) {
      const text = `${(batch.encoded ?? batch.records.map(encode)).join('\n')}\n`;
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
