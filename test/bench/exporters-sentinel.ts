// Throughput and CPU cost of the Sentinel exporters, into the fake Azure endpoints on loopback. The
// fakes run in this process and do real work (the Data Collector fake recomputes every signature and
// parses the JSON; the ingestion fake gunzips and parses), so the CPU figures are an upper bound.
import type { LogRecord } from '../../core/consumer.js';
import type { ExporterFactory } from '../../core/factory.js';
import { compileSchema } from '../../core/config/ajv.js';
import { LazyConsumer } from '../../core/helpers/lazy.js';
import { QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { createRecord, sharedResource } from '../../core/records.js';
import { testSettings } from '../../core/testing/index.js';
import { sentinelDataCollectorExporterFactory } from '../../exporters/sentinel-datacollector/index.js';
import { sentinelLogsIngestionExporterFactory } from '../../exporters/sentinel-logs-ingestion/index.js';
import {
  aiAnalyst,
  emailAlert,
  policyBreach,
  systemAlert,
} from '../exporters/sentinel-datacollector/flat-alerts.js';
import { canStartFakeAzure, startFakeAzure, startFakeDataCollector } from '../support/fake-azure.js';

/** One measured run. */
export interface SentinelBenchResult {
  name: string;
  recordsPerSec: number;
  cpuMicrosPerRecord: number;
}

const resource = sharedResource({ 'service.name': 'darktrace-collector', 'darktrace.appliance': 'bench' });
const kinds = ['model_breach', 'ai_analyst', 'system_status', 'email'] as const;
const templates = [policyBreach, aiAnalyst, systemAlert, emailAlert];

/** `total` flat alerts of the four kinds, each with its own id, as the receivers would build them. */
function flatRecords(total: number): LogRecord[] {
  return Array.from({ length: total }, (_, i) =>
    createRecord({
      time: Date.UTC(2024, 4, 1) + i,
      body: { ...templates[i % 4], threatID: i },
      attributes: { 'darktrace.alert.kind': kinds[i % 4] ?? 'unknown', 'darktrace.source': 'syslog' },
      eventName: `darktrace.${kinds[i % 4] ?? 'unknown'}`,
      resource,
    }),
  );
}

async function until(done: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('benchmark run did not finish in time');
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

async function measure<C>(
  name: string,
  factory: ExporterFactory<C>,
  raw: Record<string, unknown>,
  records: readonly LogRecord[],
): Promise<SentinelBenchResult> {
  const id = `${factory.type}/bench`;
  const settings = testSettings(id);
  const config = structuredClone({
    ...raw,
    batch: { flush_timeout: '5ms' },
    dead_letter: { enabled: false },
  });
  const validate = compileSchema(factory.configSchema);
  if (!validate(config)) throw new Error(JSON.stringify(validate.errors));
  const created = factory.create(settings, config as C);
  const exporter = created instanceof LazyConsumer ? await created.load() : created;
  if (!(exporter instanceof QueuedExporter)) throw new TypeError(`${factory.type} is not a queued exporter`);
  const sent = (): Promise<number> => settings.service.recordCount(id, 'sent');
  const check = async (n: number): Promise<boolean> => {
    const failed = await settings.service.recordCount(id, 'failed');
    if (failed > 0) throw new Error(`${failed} records failed during the benchmark`);
    return (await sent()) >= n;
  };
  try {
    await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(5000));
    // Warm-up: connection and token outside the measurement.
    const [first, ...rest] = records;
    if (first !== undefined) await exporter.consume([first]);
    await until(() => check(1), 30_000);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < rest.length; i += 100) await exporter.consume(rest.slice(i, i + 100));
    await until(() => check(records.length), 120_000);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      name,
      recordsPerSec: Math.round(rest.length / seconds),
      cpuMicrosPerRecord: Math.round(((used.user + used.system) / rest.length) * 10) / 10,
    };
  } finally {
    await exporter.shutdown(AbortSignal.timeout(5000));
  }
}

/** Push `records` (default 20k) realistic flat alerts through each Sentinel exporter and measure. */
export async function benchSentinelExporters(
  options: { records?: number } = {},
): Promise<SentinelBenchResult[]> {
  const records = flatRecords(options.records ?? 20_000);
  const results: SentinelBenchResult[] = [];

  const collector = await startFakeDataCollector();
  try {
    results.push(
      await measure(
        'sentinel-datacollector',
        sentinelDataCollectorExporterFactory,
        {
          workspace_id: collector.workspaceId,
          shared_key: collector.sharedKey,
          endpoint: collector.url,
          retired_api_handling: 'retry',
        },
        records,
      ),
    );
  } finally {
    await collector.stop();
  }

  if (!canStartFakeAzure()) {
    process.stderr.write('openssl not found: sentinel-logs-ingestion benchmarks skipped\n');
    return results;
  }
  const streams = [
    'Custom-DarktraceModelAlerts',
    'Custom-DarktraceIncidents',
    'Custom-DarktraceSystemStatusAlerts',
    'Custom-DarktraceEMAIL',
  ];
  for (const legacy of [false, true]) {
    const azure = await startFakeAzure({ streams });
    try {
      results.push(
        await measure(
          `sentinel-logs-ingestion${legacy ? ' legacy_columns' : ''} (4 streams)`,
          sentinelLogsIngestionExporterFactory,
          {
            endpoint: azure.url,
            dcr_immutable_id: azure.dcrImmutableId,
            streams: {
              model_breach: streams[0],
              ai_analyst: streams[1],
              system_status: streams[2],
              email: streams[3],
            },
            legacy_columns: legacy,
            auth: {
              type: 'client_secret',
              tenant_id: azure.tenantId,
              client_id: azure.clientId,
              client_secret: azure.clientSecret,
              authority_host: azure.url,
              disable_instance_discovery: true,
            },
          },
          records,
        ),
      );
    } finally {
      await azure.stop();
    }
  }
  return results;
}

if (process.argv[1]?.endsWith('exporters-sentinel.ts') === true) {
  const { records } = JSON.parse(process.argv[2] ?? '{}') as { records?: number };
  const keepAlive = setInterval(() => undefined, 1000);
  process.stdout.write(
    `${JSON.stringify(await benchSentinelExporters(records === undefined ? {} : { records }))}\n`,
  );
  clearInterval(keepAlive);
  process.exit(0);
}
