// Runs a processor factory the way the service does: schema defaults applied by core's ajv, the factory's own
// validate, create with a LogsSink as next, start, consume, shutdown. Shared by the filter processor tests.
import { onTestFinished } from 'vitest';
import { compileSchema } from '../../../core/config/ajv.js';
import type { LogRecord } from '../../../core/consumer.js';
import type { ProcessorFactory } from '../../../core/factory.js';
import { LogsSink, testSettings } from '../../../core/testing/index.js';
import { metricValue } from '../../support/cli.js';

const host = { reportFatalError: () => undefined };

/** The config after schema validation with defaults; throws with every schema or validate problem. */
export function configured<C>(factory: ProcessorFactory<C>, raw: unknown): C {
  const config = structuredClone(raw);
  const validate = compileSchema(factory.configSchema);
  if (!validate(config)) throw new Error(`schema: ${JSON.stringify(validate.errors)}`);
  const problems = factory.validate?.(config as C, { configDir: '/' }) ?? [];
  if (problems.length > 0) throw new Error(`validate: ${JSON.stringify(problems)}`);
  return config as C;
}

/** A started processor over a LogsSink, shut down when the test ends. */
export async function startProcessor<C>(
  factory: ProcessorFactory<C>,
  raw: unknown,
  id: string = factory.type,
  settings = testSettings(id, 'processor'),
) {
  const sink = new LogsSink();
  const processor = factory.create(settings, configured(factory, raw), sink);
  onTestFinished(() => processor.shutdown(AbortSignal.timeout(2000)));
  await processor.start(host, AbortSignal.timeout(2000));
  const metrics = () => settings.service.registry.metrics();
  return {
    processor,
    sink,
    settings,
    metrics,
    /** Records dropped under one reason label, read from the /metrics text. */
    dropped: async (reason: string): Promise<number> =>
      metricValue(await metrics(), 'dtcol_component_records_total', {
        component_id: id,
        outcome: 'dropped',
        reason,
      }),
    /** Every `reason → count` of dropped records in the /metrics text. */
    drops: async (): Promise<Record<string, number>> => dropsIn(await metrics(), id),
    count: (outcome: string) => settings.service.recordCount(id, outcome),
  };
}

/** `reason → count` of the dropped-records counter of one component in Prometheus text. */
export function dropsIn(text: string, id: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('dtcol_component_records_total{')) continue;
    if (!line.includes(`component_id="${id}"`) || !line.includes('outcome="dropped"')) continue;
    const reason = /reason="([^"]*)"/.exec(line)?.[1] ?? '';
    out[reason] = (out[reason] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** The bodies of the records a sink received, in order. */
export const bodies = (records: readonly LogRecord[]): unknown[] => records.map((r) => r.body);
