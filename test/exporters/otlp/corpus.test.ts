// Real Darktrace alerts (shared/corpus, Elastic's test logs) through the otlp exporter: every body must
// arrive intact as an OTLP map, over each protocol. Skipped with a message when the corpus is absent.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createRecord } from '../../../core/records.js';
import { testSettings } from '../../../core/testing/index.js';
import { createOtlpExporter } from '../../../exporters/otlp/exporter.js';
import { repoRoot } from '../../support/cli.js';
import { startFakeOtlp } from '../../support/fake-otlp.js';
import { applianceResource, otlpConfig } from './fixtures.js';

const corpus = resolve(repoRoot, '../shared/corpus');
const exists = existsSync(corpus);
if (!exists) console.warn(`otlp corpus tests skipped: ${corpus} not found.`);

const files = [
  'elastic/model_breach_alert/test-model-breach-alert.log',
  'elastic/ai_analyst_alert/test-ai-analyst-alert.log',
  'elastic/system_status_alert/test-system-status-alert.log',
];

/** Each line's JSON alert (one line carries a leading `darktrace ` tag before the JSON). */
function alerts(): Record<string, unknown>[] {
  return files.flatMap((f) =>
    readFileSync(resolve(corpus, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>),
  );
}

describe.skipIf(!exists)('otlp exporter with the real alert corpus', () => {
  it.each(['http/protobuf', 'http/json', 'grpc'] as const)(
    'delivers every corpus alert body unchanged as an OTLP map (%s)',
    async (protocol) => {
      const f = await startFakeOtlp();
      onTestFinished(() => f.close());
      const bodies = alerts();
      const settings = testSettings('otlp/corpus');
      const exporter = createOtlpExporter(
        settings,
        otlpConfig({
          protocol,
          endpoint: protocol === 'grpc' ? f.grpcEndpoint : f.httpUrl,
          ...(protocol === 'grpc' && { tls: { insecure: true } }),
          batch: { max_records: 100, flush_timeout: '10ms' },
        }),
      );
      onTestFinished(() => exporter.shutdown(AbortSignal.timeout(2000)));
      await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(1000));
      const resource = applianceResource('corpus-appliance');
      await exporter.consume(
        bodies.map((body) => createRecord({ body, eventName: 'darktrace.alert', resource })),
      );
      await vi.waitFor(() => expect(f.records()).toHaveLength(bodies.length));
      // JSON null has no OTLP AnyValue of its own: it travels as an empty AnyValue, read back as null.
      expect(f.records().map((r) => r.body)).toEqual(bodies);
      expect(f.exports.flatMap((e) => e.resourceLogs)).toHaveLength(f.exports.length);
    },
  );

  it('sends model breach scores of exactly 1 as intValue and other scores as doubleValue', async () => {
    const f = await startFakeOtlp();
    onTestFinished(() => f.close());
    const breaches = alerts().filter((a) => typeof a['score'] === 'number');
    expect(breaches.some((a) => a['score'] === 1)).toBe(true);
    const exporter = createOtlpExporter(
      testSettings('otlp/corpus'),
      otlpConfig({ endpoint: f.httpUrl, batch: { flush_timeout: '10ms' } }),
    );
    onTestFinished(() => exporter.shutdown(AbortSignal.timeout(2000)));
    await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(1000));
    await exporter.consume(breaches.map((body) => createRecord({ body })));
    await vi.waitFor(() => expect(f.records()).toHaveLength(breaches.length));
    for (const [i, r] of f.records().entries()) {
      const kv = (
        r.bodyRaw as { kvlistValue: { values: { key: string; value: Record<string, unknown> }[] } }
      ).kvlistValue.values.find((v) => v.key === 'score');
      expect(Object.keys(kv?.value ?? {})).toEqual([
        breaches[i]?.['score'] === 1 ? 'intValue' : 'doubleValue',
      ]);
    }
  });
});
