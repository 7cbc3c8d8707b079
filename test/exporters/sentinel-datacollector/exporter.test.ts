import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigFile } from '../../../core/config/validate.js';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { sentinelDataCollectorExporterFactory as factory } from '../../../exporters/sentinel-datacollector/index.js';
import { startFakeDataCollector, type FakeDataCollector } from '../../support/fake-azure.js';
import { aiAnalyst, corpusPayloads, corpusPresent, flatAlerts, policyBreach } from './flat-alerts.js';
import { alertRecord, configFor, settled, startExporter } from './harness.js';

const fast = { initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '20s' };

let fake: FakeDataCollector | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function withFake(): Promise<FakeDataCollector> {
  fake = await startFakeDataCollector();
  return fake;
}

const baseConfig = (server: FakeDataCollector): Record<string, unknown> => ({
  workspace_id: server.workspaceId,
  shared_key: server.sharedKey,
  endpoint: server.url,
  retired_api_handling: 'retry',
  batch: { flush_timeout: '10ms' },
  retry_on_failure: fast,
});

describe('sentinel-datacollector config', () => {
  it('fills the documented defaults', () => {
    const config = configFor(factory, { workspace_id: 'w', shared_key: 'k' });
    expect(config).toMatchObject({
      log_type: 'darktrace_model_alerts',
      oversize_fields: 'truncate',
      retired_api_handling: 'permanent',
      batch: { max_bytes: 30_000_000 },
    });
    expect(config).not.toHaveProperty('endpoint');
    expect(config).not.toHaveProperty('time_generated_field');
  });

  it.each([
    ['darktrace-alerts', /only letters, digits and "_"/],
    ['darktrace_model_alerts_CL', /must not end in "_CL"/],
    ['x'.repeat(101), /at most 100 characters/],
  ])('refuses log_type %j with a message that says what to fix', (logType, message) => {
    const config = configFor(factory, {
      workspace_id: '00000000-0000-4000-8000-000000000000',
      shared_key: 'AAAA',
      log_type: logType,
    });
    const problems = factory.validate?.(config, { configDir: '/' }) ?? [];
    expect(problems).toEqual([{ path: ['log_type'], message: expect.stringMatching(message) as string }]);
  });

  it('wants a GUID workspace id unless an endpoint is set, and a Base64 shared key', () => {
    const check = (raw: Record<string, unknown>): unknown[] =>
      factory.validate?.(configFor(factory, raw), { configDir: '/' }).map((p) => p.path) ?? [];
    expect(check({ workspace_id: 'my-workspace', shared_key: 'not base64!' })).toEqual([
      ['workspace_id'],
      ['shared_key'],
    ]);
    expect(
      check({ workspace_id: 'my-workspace', shared_key: 'AAAA', endpoint: 'http://127.0.0.1:1' }),
    ).toEqual([]);
    expect(
      check({
        workspace_id: 'w',
        shared_key: 'AAAA',
        endpoint: 'http://h',
        time_generated_field: 'TimeGenerated',
      }),
    ).toEqual([['time_generated_field']]);
  });

  it('takes the shared key from ${env:…} and treats it as a secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dtcol-dc-config-'));
    const file = path.join(dir, 'pipelines.yaml');
    const key = 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY=';
    process.env['DTCOL_TEST_WS_KEY'] = key;
    writeFileSync(
      file,
      `receivers:
  generator: {}
exporters:
  sentinel-datacollector:
    workspace_id: 00000000-0000-4000-8000-000000000000
    shared_key: \${env:DTCOL_TEST_WS_KEY}
service:
  pipelines:
    logs: { receivers: [generator], exporters: [sentinel-datacollector] }
`,
    );
    try {
      const result = await validateConfigFile(file, { registry: builtinRegistry() });
      expect(result.issues).toEqual([]);
      expect(result.config?.secrets).toContain(key);
      expect(result.config?.components.exporter.get('sentinel-datacollector')?.config).toMatchObject({
        shared_key: key,
      });
    } finally {
      delete process.env['DTCOL_TEST_WS_KEY'];
    }
  });
});

describe('sentinel-datacollector exporter', () => {
  it('posts the record bodies, unchanged, in one signed request the service accepts', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    await running.exporter.consume(flatAlerts.map((body) => alertRecord(body)));
    expect(await settled(running, flatAlerts.length)).toEqual({ sent: 4, failed: 0 });
    // The fake recomputes the SharedKey signature over the UTF-8 bytes; non-ASCII bodies pass it.
    expect(server.requests.map((r) => r.status)).toEqual([200]);
    expect(server.records.map((r) => r.record)).toEqual(flatAlerts);
    expect(server.records.every((r) => r.logType === 'darktrace_model_alerts')).toBe(true);
  });

  it('sends time-generated-field and x-ms-AzureResourceId when configured', async () => {
    const server = await withFake();
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/dt';
    const running = await startExporter(factory, {
      ...baseConfig(server),
      log_type: 'dt_test',
      time_generated_field: 'timestamp',
      azure_resource_id: resourceId,
    });
    await running.exporter.consume([alertRecord(policyBreach)]);
    await settled(running, 1);
    expect(server.records[0]).toMatchObject({
      logType: 'dt_test',
      timeGeneratedField: 'timestamp',
      azureResourceId: resourceId,
    });
  });

  it('posts to https://<workspace>.ods.opinsights.azure.com when no endpoint is set', async () => {
    const workspace = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    nock.disableNetConnect();
    const scope = nock(`https://${workspace}.ods.opinsights.azure.com`)
      .post('/api/logs')
      .query({ 'api-version': '2016-04-01' })
      .matchHeader('authorization', new RegExp(`^SharedKey ${workspace}:`))
      .reply(200);
    try {
      const running = await startExporter(factory, {
        workspace_id: workspace,
        shared_key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
        batch: { flush_timeout: '10ms' },
      });
      await running.exporter.consume([alertRecord(policyBreach)]);
      expect(await settled(running, 1)).toEqual({ sent: 1, failed: 0 });
      expect(scope.isDone()).toBe(true);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
    }
  });

  it('logs once at start that the API was retired and names sentinel-logs-ingestion', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    const retirement = running.messages().filter((m) => m.includes('2026-09-14'));
    expect(retirement).toEqual([
      'Exporter "sentinel-datacollector" uses the HTTP Data Collector API, which Microsoft retired on 2026-09-14; move to the sentinel-logs-ingestion exporter.',
    ]);
  });

  it('dead-letters a 503 at once, naming the retirement, under the default retired_api_handling', async () => {
    const server = await withFake();
    server.failNext(1, { status: 503 });
    const running = await startExporter(factory, {
      ...baseConfig(server),
      retired_api_handling: 'permanent',
    });
    await running.exporter.consume([alertRecord(policyBreach)]);
    expect(await settled(running, 1)).toEqual({ sent: 0, failed: 1 });
    expect(server.requests).toHaveLength(1);
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '');
    expect(dead.entries[0]?.reason).toMatch(/retired on 2026-09-14; move to sentinel-logs-ingestion/);
  });

  it('retries 503 and honours the Retry-After of a 429 with retired_api_handling: retry', async () => {
    const server = await withFake();
    server.failNext(1, { status: 503 });
    server.failNext(1, { status: 429, retryAfter: '1' });
    const running = await startExporter(factory, baseConfig(server));
    const started = Date.now();
    await running.exporter.consume([alertRecord(policyBreach)]);
    expect(await settled(running, 1)).toEqual({ sent: 1, failed: 0 });
    // Backoff alone would be ~20 ms; the server asked for a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.map((r) => r.status)).toEqual([503, 429, 200]);
    expect(server.records).toHaveLength(1);
  });

  it('dead-letters a batch refused with 400 once, with the server message, logs it once and keeps flowing', async () => {
    const server = await withFake();
    server.failNext(2, { status: 400, code: 'InvalidDataFormat', message: 'Bad JSON at position 7' });
    const running = await startExporter(factory, {
      ...baseConfig(server),
      batch: { max_records: 2, flush_timeout: '10ms' },
      sending_queue: { num_consumers: 1 },
    });
    const records = [0, 1, 2, 3, 4, 5].map((i) => alertRecord({ ...policyBreach, threatID: i }));
    await running.exporter.consume(records);
    expect(await settled(running, 6)).toEqual({ sent: 2, failed: 4 });
    expect(server.requests.map((r) => r.status)).toEqual([400, 400, 200]);
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries;
    expect(dead.map((e) => (e.record.body as { threatID: number }).threatID)).toEqual([0, 1, 2, 3]);
    expect(dead.every((e) => e.status === 400 && e.attempts === 1)).toBe(true);
    expect(dead[0]?.reason).toBe(
      'HTTP 400 InvalidDataFormat: Bad JSON at position 7 (the body is not valid JSON; dead-letter the batch)',
    );
    expect(running.messages().filter((m) => m.includes('dead-lettered'))).toHaveLength(1);
    expect(server.records.map((r) => r.record['threatID'])).toEqual([4, 5]);
  });

  it('splits a batch the service calls too large and delivers both halves', async () => {
    const server = await withFake();
    server.failNext(1, { status: 413 });
    const running = await startExporter(factory, baseConfig(server));
    await running.exporter.consume([0, 1, 2, 3].map((i) => alertRecord({ ...policyBreach, threatID: i })));
    expect(await settled(running, 4)).toEqual({ sent: 4, failed: 0 });
    expect(server.requests.map((r) => [r.status, r.stored])).toEqual([
      [413, 0],
      [200, 2],
      [200, 2],
    ]);
  });

  it('truncates values over 32 KB, counts them in a log line, and sends the record', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    const long = 'ä'.repeat(20_000); // 40,000 UTF-8 bytes
    await running.exporter.consume([
      alertRecord({ ...policyBreach, description: long, message: long }),
      alertRecord(aiAnalyst, 'ai_analyst'),
    ]);
    expect(await settled(running, 2)).toEqual({ sent: 2, failed: 0 });
    const sent = server.records[0]?.record ?? {};
    expect(Buffer.byteLength(String(sent['description']))).toBe(32_766);
    expect(String(sent['message'])).toBe('ä'.repeat(16_383));
    expect(server.records[1]?.record).toEqual(aiAnalyst);
    const line = running.lines.find((l) => String(l['msg']).includes('truncated'));
    expect(line).toMatchObject({ records: 1, values: 2 });
    expect(line?.['msg']).toBe(
      'Exporter "sentinel-datacollector" truncated values over 32766 bytes in 1 records (oversize_fields: truncate).',
    );
  });

  it('dead-letters records with values over 32 KB whole with oversize_fields: dead_letter', async () => {
    const server = await withFake();
    const running = await startExporter(factory, { ...baseConfig(server), oversize_fields: 'dead_letter' });
    const big = { ...policyBreach, threatID: 1, description: 'x'.repeat(40_000) };
    await running.exporter.consume([alertRecord(big), alertRecord({ ...policyBreach, threatID: 2 })]);
    expect(await settled(running, 2)).toEqual({ sent: 1, failed: 1 });
    expect(server.records.map((r) => r.record['threatID'])).toEqual([2]);
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries;
    expect(dead.map((e) => e.record.body)).toEqual([big]);
    expect(dead[0]?.reason).toMatch(/over the 32766-byte field limit/);
  });

  it('dead-letters bodies that are not JSON objects and sends the rest', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    await running.exporter.consume([alertRecord('raw text'), alertRecord(policyBreach)]);
    expect(await settled(running, 2)).toEqual({ sent: 1, failed: 1 });
    expect(server.records.map((r) => r.record)).toEqual([policyBreach]);
    expect(readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries[0]?.reason).toMatch(
      /not a JSON object/,
    );
  });

  it('queues only the bodies: a dead letter holds the body that was to be sent, bytes as base64, no attributes', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    const bytes = Uint8Array.from([1, 2, 3]);
    await running.exporter.consume([alertRecord(bytes), alertRecord(policyBreach)]);
    expect(await settled(running, 2)).toEqual({ sent: 1, failed: 1 });
    const [dead] = readDeadLetterFile(running.exporter.deadLetterPath ?? '').records;
    expect(dead?.body).toBe(Buffer.from(bytes).toString('base64'));
    expect(dead?.attributes).toEqual({});
  });

  it('dead-letters a 403 at once and never writes the shared key into dead letters or logs', async () => {
    const server = await withFake();
    server.failNext(1, { status: 403, code: 'InvalidAuthorization' });
    const running = await startExporter(factory, baseConfig(server));
    await running.exporter.consume([alertRecord(policyBreach)]);
    // 403 is permanent: dead-lettered after one request.
    expect(await settled(running, 1)).toEqual({ sent: 0, failed: 1 });
    expect(server.requests).toHaveLength(1);
    const text = JSON.stringify([running.lines, readDeadLetterFile(running.exporter.deadLetterPath ?? '')]);
    expect(text).toContain('InvalidAuthorization');
    expect(text).not.toContain(server.sharedKey);
  });
});

describe.skipIf(!corpusPresent)('sentinel-datacollector exporter with the shared corpus', () => {
  it('delivers every real Darktrace payload unchanged', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    const payloads = corpusPayloads();
    await running.exporter.consume(payloads.map((p) => alertRecord(p)));
    expect(await settled(running, payloads.length)).toEqual({ sent: payloads.length, failed: 0 });
    expect(server.records.map((r) => r.record)).toEqual(payloads);
  });
});
if (!corpusPresent)
  console.warn('shared corpus not found (../shared/corpus): sentinel-datacollector corpus test skipped');
