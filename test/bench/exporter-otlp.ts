// Throughput and CPU cost of the otlp exporter per protocol, into the fake OTLP receiver on loopback.
// The fake only counts (no decoding), so the CPU measured is mostly the exporter's: grouping, encoding,
// compression, the transport. Both sides share this process, so the figures are an upper bound.
import type { LogRecord } from '../../core/consumer.js';
import { testSettings } from '../../core/testing/index.js';
import type { OtlpProtocol } from '../../exporters/otlp/config.js';
import { createOtlpExporter } from '../../exporters/otlp/exporter.js';
import { breachRecord, otlpConfig } from '../exporters/otlp/fixtures.js';
import { startFakeOtlp } from '../support/fake-otlp.js';

/** One measured run. */
export interface OtlpBenchResult {
  name: string;
  recordsPerSec: number;
  cpuMicrosPerRecord: number;
}

const runs: { protocol: OtlpProtocol; compression: 'gzip' | 'none' }[] = [
  { protocol: 'http/protobuf', compression: 'gzip' },
  { protocol: 'http/protobuf', compression: 'none' },
  { protocol: 'http/json', compression: 'gzip' },
  { protocol: 'grpc', compression: 'gzip' },
];

/** Resolve once `done()` is true, checking on every turn of the event loop (bounded by `limitMs`). */
async function until(done: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('benchmark run did not finish in time');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** One run: send `records` through a fresh exporter into a fresh counting fake. */
async function measure(
  protocol: OtlpProtocol,
  compression: 'gzip' | 'none',
  records: readonly LogRecord[],
): Promise<OtlpBenchResult> {
  const total = records.length;
  const chunk = 500;
  const fake = await startFakeOtlp({ decode: false });
  const settings = testSettings('otlp/bench');
  const exporter = createOtlpExporter(
    settings,
    otlpConfig({
      protocol,
      compression,
      endpoint: protocol === 'grpc' ? fake.grpcEndpoint : fake.httpUrl,
      ...(protocol === 'grpc' && { tls: { insecure: true } }),
      host_name: 'bench',
      batch: { max_records: 500, flush_timeout: '5ms' },
      dead_letter: { enabled: false },
    }),
  );
  try {
    await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(2000));
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < total; i += chunk) await exporter.consume(records.slice(i, i + chunk));
    await until(async () => {
      const failed = await settings.service.recordCount('otlp/bench', 'failed');
      if (failed > 0) throw new Error(`${failed} records failed during the benchmark`);
      return (await settings.service.recordCount('otlp/bench', 'sent')) >= total;
    }, 120_000);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      name: `otlp ${protocol}${compression === 'gzip' ? ' gzip' : ''}`,
      recordsPerSec: Math.round(total / seconds),
      cpuMicrosPerRecord: Math.round(((used.user + used.system) / total) * 10) / 10,
    };
  } finally {
    await exporter.shutdown(AbortSignal.timeout(5000));
    await fake.close();
  }
}

/** Send `records` (default 20k) model-breach records (~860 bytes each as protobuf) per protocol and measure. */
export async function benchOtlpExporter(options: { records?: number } = {}): Promise<OtlpBenchResult[]> {
  const total = options.records ?? 20_000;
  const records: LogRecord[] = [];
  for (let i = 0; i < total; i++) records.push(breachRecord(i, { score: (i % 100) / 100 }));
  // Warm the JIT on every path first, so the first protocol measured is not the one that pays for it.
  for (const { protocol, compression } of runs) {
    await measure(protocol, compression, records.slice(0, Math.min(2000, total)));
  }
  const results: OtlpBenchResult[] = [];
  for (const { protocol, compression } of runs) results.push(await measure(protocol, compression, records));
  return results;
}

if (process.argv[1]?.endsWith('exporter-otlp.ts') === true) {
  const { records } = JSON.parse(process.argv[2] ?? '{}') as { records?: number };
  const keepAlive = setInterval(() => undefined, 1000);
  process.stdout.write(
    `${JSON.stringify(await benchOtlpExporter(records === undefined ? {} : { records }))}\n`,
  );
  clearInterval(keepAlive);
  process.exit(0);
}
