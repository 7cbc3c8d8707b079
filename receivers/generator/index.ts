// `generator`: emits records on a timer. For trying a pipeline without any source, for tests and benchmarks.
import type { AnyValue } from '@opentelemetry/api';
import type { Component, Host } from '../../core/component.js';
import { defineReceiver } from '../../core/factory.js';
import { deliverDownstream } from '../../core/helpers/receiver-helper.js';
import { createRecord } from '../../core/records.js';
import { durationSchema, parseDuration } from '../../core/units.js';
import type { LogRecord } from '../../core/consumer.js';

/** Config of the `generator` receiver. */
export interface GeneratorConfig {
  interval: string;
  batch_size: number;
  count: number;
  bodies: Record<string, unknown>[];
}

export const generatorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Emits records on a timer.',
  properties: {
    interval: durationSchema('Time between batches; 0 emits as fast as downstream accepts.', '1s'),
    batch_size: { type: 'integer', minimum: 1, default: 1, description: 'Records per batch.' },
    count: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Stop after this many records; 0 never stops.',
    },
    bodies: {
      type: 'array',
      description: 'Bodies to emit, in turn. Default: a small greeting record.',
      default: [{ message: 'hello from dtcol' }],
      minItems: 1,
      items: { type: 'object' },
    },
  },
} as const;

export const generatorReceiverFactory = defineReceiver<GeneratorConfig>({
  type: 'generator',
  stability: 'beta',
  description: 'Emits records on a timer (for trying pipelines, tests and benchmarks).',
  configSchema: generatorConfigSchema,
  exampleConfig: { interval: '1s', batch_size: 1, count: 3, bodies: [{ message: 'hi' }] },
  create(settings, config, next): Component {
    const ac = new AbortController();
    const intervalMs = parseDuration(config.interval);
    let seq = 0;
    let loop: Promise<void> | undefined;
    let stopped: Promise<void> | undefined;
    const run = async (): Promise<void> => {
      while (!ac.signal.aborted && (config.count === 0 || seq < config.count)) {
        const n = config.count === 0 ? config.batch_size : Math.min(config.batch_size, config.count - seq);
        const batch: LogRecord[] = [];
        for (let i = 0; i < n; i++) {
          const body = config.bodies[seq % config.bodies.length] as AnyValue;
          batch.push(
            createRecord({ body, attributes: { 'generator.seq': seq }, eventName: 'dtcol.generated' }),
          );
          seq++;
        }
        if ((await deliverDownstream(settings, next, batch, ac.signal)) === 'aborted') return;
        if (intervalMs > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, intervalMs);
            ac.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(t);
                resolve();
              },
              { once: true },
            );
          });
        } else {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    };
    return {
      start(_host: Host) {
        loop = run();
        return Promise.resolve();
      },
      shutdown() {
        stopped ??= (async () => {
          ac.abort();
          await loop;
        })();
        return stopped;
      },
    };
  },
});
