// Core overhead: records/s through receiver → 2 processors → 2 exporters with trivial components, in-process.
// Run one scenario per process (peak RSS is per process): `tsx test/bench/core.ts '{"records":200000}'`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateConfigText } from '../../core/config/validate.js';
import { defineExporter, defineProcessor, defineReceiver } from '../../core/factory.js';
import { Service } from '../../core/graph/service.js';
import {
  createQueuedExporter,
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';
import { createRecordProcessor } from '../../core/helpers/processor-helper.js';
import { deliverDownstream } from '../../core/helpers/receiver-helper.js';
import { createRecord, withChanges } from '../../core/records.js';
import { registryOf } from '../../core/registry.js';
import type { LogRecord } from '../../core/consumer.js';

export interface CoreBenchOptions {
  records: number;
  batch?: number;
  /** Persistent queue engine for both exporters: none (memory), sqlite with fsync, sqlite without. */
  storage?: 'memory' | 'sqlite-fsync' | 'sqlite-nofsync' | 'segments-fsync' | 'segments-nofsync';
}

export interface BenchResult {
  name: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  cpuSeconds: number;
  recordsPerCpuSec: number;
  peakRssMB: number;
}

const empty = { type: 'object', additionalProperties: false, properties: {} } as const;

export async function runCoreBench(options: CoreBenchOptions): Promise<BenchResult> {
  const total = options.records;
  const batchSize = options.batch ?? 100;
  const storage = options.storage ?? 'memory';
  const dir = mkdtempSync(join(tmpdir(), 'dtcol-bench-'));
  const delivered = { n: 0 };
  const done = Promise.withResolvers<undefined>();
  const alert = {
    pbid: 1,
    score: 0.8,
    model: { name: 'Anomalous Connection::Data Sent to Rare Domain' },
    device: { ip: '192.0.2.10' },
  };

  const source = defineReceiver({
    type: 'bench-source',
    stability: 'development',
    description: 'emits records as fast as accepted',
    configSchema: empty,
    create(settings, _c, next) {
      const ac = new AbortController();
      let loop: Promise<void> | undefined;
      return {
        start() {
          loop = (async () => {
            for (let sent = 0; sent < total && !ac.signal.aborted; sent += batchSize) {
              const batch: LogRecord[] = [];
              for (let i = 0; i < batchSize && sent + i < total; i++)
                batch.push(createRecord({ body: alert, attributes: { seq: sent + i } }));
              await deliverDownstream(settings, next, batch, ac.signal);
            }
          })();
          return Promise.resolve();
        },
        async shutdown() {
          ac.abort();
          await loop;
        },
      };
    },
  });
  const keepAll = defineProcessor({
    type: 'bench-filter',
    stability: 'development',
    description: 'keeps records with a score',
    configSchema: empty,
    create: (settings, _c, next) =>
      createRecordProcessor(settings, next, {
        keep: (r) => ((r.body as { score?: number }).score === undefined ? 'no_score' : undefined),
      }),
  });
  const tag = defineProcessor({
    type: 'bench-tag',
    stability: 'development',
    description: 'adds an attribute',
    configSchema: empty,
    create: (settings, _c, next) =>
      createRecordProcessor(settings, next, {
        map: (r) => withChanges(r, { attributes: { ...r.attributes, tagged: true } }),
      }),
  });
  const sink = defineExporter<ExporterHelperConfig>({
    type: 'bench-sink',
    stability: 'development',
    description: 'counts records',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: exporterHelperSchemaProperties(),
    },
    create: (settings, config) =>
      createQueuedExporter(settings, config, {
        encode: (r) => JSON.stringify(r.body),
        push(batch) {
          delivered.n += batch.records.length;
          if (delivered.n >= 2 * total) done.resolve(undefined);
          return Promise.resolve();
        },
      }),
  });
  const queue =
    storage === 'memory'
      ? '{ queue_size: 20000 }'
      : `{ queue_size: 20000, storage: ./q, fsync: ${String(storage === 'sqlite-fsync')} }`;
  const yaml = `
receivers: { bench-source: {} }
processors: { bench-filter: {}, bench-tag: {} }
exporters:
  bench-sink/a: { sending_queue: ${queue}, batch: { max_records: 1000, flush_timeout: 10ms } }
  bench-sink/b: { sending_queue: ${queue}, batch: { max_records: 1000, flush_timeout: 10ms } }
service:
  data_dir: ${dir}
  pipelines:
    logs: { receivers: [bench-source], processors: [bench-filter, bench-tag], exporters: [bench-sink/a, bench-sink/b] }
`;
  const result = await validateConfigText('bench.yaml', join(dir, 'bench.yaml'), yaml, {
    registry: registryOf([source, keepAll, tag, sink]),
  });
  if (result.config === undefined) throw new Error(JSON.stringify(result.issues));
  const service = new Service(result.config, { logger: pino({ level: 'silent' }) });
  // The runtime's timers are unref'd (they must not keep a stopped service alive); hold the loop open here.
  const keepAlive = setInterval(() => undefined, 1000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await service.start();
  await done.promise;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await service.shutdown();
  clearInterval(keepAlive);
  rmSync(dir, { recursive: true, force: true });
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    name: `core ${storage} (receiver → 2 processors → 2 exporters)`,
    records: total,
    seconds,
    recordsPerSec: total / seconds,
    cpuSeconds,
    recordsPerCpuSec: total / cpuSeconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

if (process.argv[1]?.endsWith('core.ts') === true) {
  const opts = JSON.parse(process.argv[2] ?? '{"records":200000}') as CoreBenchOptions;
  process.stdout.write(`${JSON.stringify(await runCoreBench(opts))}\n`);
}
