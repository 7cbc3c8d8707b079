import { afterEach, describe, expect, it, vi } from 'vitest';
import { PartialSuccessError, PermanentError, RetryableError } from '../../../core/errors.js';
import { readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { darktraceCcfStreams } from '../../../exporters/sentinel-logs-ingestion/config.js';
import { createStreamRouter, failureToError } from '../../../exporters/sentinel-logs-ingestion/exporter.js';
import { sentinelLogsIngestionExporterFactory as factory } from '../../../exporters/sentinel-logs-ingestion/index.js';
import {
  canStartFakeAzure,
  startFakeAzure,
  type FakeAzure,
  type FakeAzureOptions,
} from '../../support/fake-azure.js';
import {
  aiAnalyst,
  corpusPayloads,
  corpusPresent,
  emailAlert,
  flatAlerts,
  policyBreach,
  systemAlert,
} from '../sentinel-datacollector/flat-alerts.js';
import { alertRecord, configFor, settled, startExporter } from '../sentinel-datacollector/harness.js';

const models = 'Custom-DarktraceModelAlerts';
/** What arrived, without the TimeGenerated the exporter adds by default. */
const bodiesIn = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map(({ TimeGenerated: _added, ...rest }) => rest);
const fast = { initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: '20s' };
const haveOpenssl = canStartFakeAzure();
if (!haveOpenssl)
  console.warn(
    'openssl not found: sentinel-logs-ingestion exporter tests need a loopback HTTPS authority; skipped',
  );

let fake: FakeAzure | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function withFake(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  fake = await startFakeAzure({ streams: [...darktraceCcfStreams], ...options });
  return fake;
}

const auth = (server: FakeAzure, secret = server.clientSecret): Record<string, unknown> => ({
  type: 'client_secret',
  tenant_id: server.tenantId,
  client_id: server.clientId,
  client_secret: secret,
  authority_host: server.url,
  disable_instance_discovery: true,
});

const baseConfig = (server: FakeAzure): Record<string, unknown> => ({
  endpoint: server.url,
  dcr_immutable_id: server.dcrImmutableId,
  stream: models,
  auth: auth(server),
  batch: { flush_timeout: '10ms' },
  retry_on_failure: fast,
});

const ccfStreams = {
  model_breach: 'Custom-DarktraceModelAlerts',
  ai_analyst: 'Custom-DarktraceIncidents',
  system_status: 'Custom-DarktraceSystemStatusAlerts',
  email: 'Custom-DarktraceEMAIL',
};

const validConfig = {
  endpoint: 'https://dce.example.ingest.monitor.azure.com',
  dcr_immutable_id: 'dcr-0123456789abcdef0123456789abcdef',
  stream: models,
  auth: { type: 'managed_identity' },
};
const problems = (raw: Record<string, unknown>): { path: unknown; message: string }[] => [
  ...(factory.validate?.(configFor(factory, raw), { configDir: '/' }) ?? []),
];

describe('sentinel-logs-ingestion config', () => {
  it('fills the documented defaults and caps batches at one 1 MB call', () => {
    expect(configFor(factory, validConfig)).toMatchObject({
      legacy_columns: false,
      auth: { type: 'managed_identity', disable_instance_discovery: false },
      batch: { max_bytes: 1_000_000, max_records: 500 },
    });
    expect(problems(validConfig)).toEqual([]);
  });

  it('marks client_secret as a secret in the schema', () => {
    const authSchema = factory.configSchema['properties'] as Record<
      string,
      { properties: Record<string, unknown> }
    >;
    expect(authSchema['auth']?.properties['client_secret']).toMatchObject({ secret: true });
  });

  it('wants stream or streams, real stream names, and known streams keys', () => {
    expect(problems({ ...validConfig, stream: undefined })).toEqual([
      { path: [], message: expect.stringMatching(/set stream .* or streams/) as string },
    ]);
    expect(
      problems({ ...validConfig, stream: 'DarktraceModelAlerts', streams: { modelbreach: models } }).map(
        (p) => p.path,
      ),
    ).toEqual([['stream'], ['streams', 'modelbreach']]);
    expect(
      problems({
        ...validConfig,
        stream: undefined,
        streams: { ...ccfStreams, 'Custom-DarktraceASM': 'Custom-DarktraceASM' },
      }),
    ).toEqual([]);
  });

  it('checks the endpoint scheme, the DCR immutable id and the fields of each auth type', () => {
    expect(
      problems({
        ...validConfig,
        endpoint: 'http://dce.example',
        dcr_immutable_id: 'my-dcr',
        auth: { type: 'client_secret', client_id: 'c', token_file_path: '/t' },
      }).map((p) => [p.path, p.message]),
    ).toEqual([
      [['endpoint'], 'endpoint must be an https:// URL (bearer tokens need TLS).'],
      [['dcr_immutable_id'], expect.stringMatching(/dcr-<32 hex digits>/)],
      [['auth', 'token_file_path'], 'token_file_path does not apply to auth type client_secret.'],
      [['auth', 'tenant_id'], 'auth type client_secret needs tenant_id.'],
      [['auth', 'client_secret'], 'auth type client_secret needs client_secret.'],
    ]);
    expect(problems({ ...validConfig, auth: { type: 'workload_identity', token_file_path: '/t' } })).toEqual(
      [],
    );
  });
});

describe('createStreamRouter', () => {
  const route = createStreamRouter({
    stream: 'Custom-Fallback',
    streams: { ...ccfStreams, 'Custom-Renamed': 'Custom-Target' },
  });
  it.each([
    ['model_breach', undefined, 'Custom-DarktraceModelAlerts'],
    ['email', undefined, 'Custom-DarktraceEMAIL'],
    ['unknown', undefined, 'Custom-Fallback'],
    ['model_breach', 'Custom-Renamed', 'Custom-Target'],
    ['unknown', 'Custom-DarktraceIncidents', 'Custom-DarktraceIncidents'],
    ['unknown', 'Custom-NotConfigured', 'Custom-Fallback'],
  ])('sends kind %s with sentinel.stream %s to %s', (kind, stream, expected) => {
    const record = alertRecord({}, kind, stream === undefined ? {} : { 'sentinel.stream': stream });
    expect(route(record)).toBe(expected);
  });

  it('has no route for a kind without an entry when no stream is set', () => {
    expect(createStreamRouter({ streams: ccfStreams })(alertRecord({}, 'unknown'))).toBeUndefined();
  });
});

describe('failureToError', () => {
  const retry = (retryAfterMs?: number) =>
    ({
      kind: 'retryable',
      reason: 'HTTP 503 [x-ms-request-id r1]',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    }) as const;
  const perm = {
    kind: 'permanent',
    status: 400,
    reason: 'HTTP 400 InvalidPayload [x-ms-request-id r2]',
  } as const;

  it('makes a whole failed batch a RetryableError carrying the longest Retry-After', () => {
    const error = failureToError(2, [
      { index: 0, classification: retry(1000) },
      { index: 1, classification: retry(3000) },
    ]);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ retryAfterMs: 3000, message: 'HTTP 503' });
  });

  it('reports a partly failed batch by index, retryable when any failure is', () => {
    const partial = failureToError(3, [{ index: 2, classification: perm }]);
    expect(partial).toBeInstanceOf(PartialSuccessError);
    expect(partial).toMatchObject({
      message: 'HTTP 400 InvalidPayload',
      rejected: 1,
      failedIndexes: [2],
      retryable: false,
      status: 400,
    });
    const mixed = failureToError(3, [
      { index: 0, classification: retry() },
      { index: 2, classification: perm },
    ]);
    expect(mixed).toMatchObject({ failedIndexes: [0, 2], retryable: true, rejected: 2 });
  });

  it('makes a wholly refused batch a PermanentError with the status', () => {
    const error = failureToError(1, [{ index: 0, classification: perm }]);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ status: 400, message: 'HTTP 400 InvalidPayload' });
    expect(failureToError(1, [])).toBeUndefined();
  });
});

describe.skipIf(!haveOpenssl)('sentinel-logs-ingestion exporter', () => {
  it('delivers the record bodies unchanged, gzipped, with a bearer token from the authority', async () => {
    const server = await withFake();
    const running = await startExporter(factory, baseConfig(server));
    await running.exporter.consume(flatAlerts.map((body) => alertRecord(body)));
    expect(await settled(running, 4)).toEqual({ sent: 4, failed: 0 });
    expect(bodiesIn(server.recordsFor(models))).toEqual(flatAlerts);
    // The fake refuses calls without a token it issued, or without gzip.
    expect(server.requests.map((r) => [r.status, r.gzip])).toEqual([[204, true]]);
    expect(
      server.tokenRequests.every((t) => t.granted && t.scope === 'https://monitor.azure.com/.default'),
    ).toBe(true);
  });

  it.each([
    [
      'observed',
      (r: ReturnType<typeof alertRecord>) =>
        new Date(r.hrTimeObserved[0] * 1000 + r.hrTimeObserved[1] / 1e6).toISOString(),
    ],
    ['alert', () => '2024-05-01T12:34:56.000Z'],
    ['off', () => undefined],
  ] as const)(
    'adds TimeGenerated with time_generated: %s unless the body has one',
    async (mode, expected) => {
      const server = await withFake();
      const running = await startExporter(factory, { ...baseConfig(server), time_generated: mode });
      const record = alertRecord(policyBreach);
      const own = { ...systemAlert, TimeGenerated: '2024-05-01T00:00:00Z' };
      await running.exporter.consume([record, alertRecord(own)]);
      await settled(running, 2);
      const [first, second] = server.recordsFor(models);
      expect(first?.['TimeGenerated']).toBe(expected(record));
      expect(second).toEqual(own);
    },
  );

  it('routes one batch to the six Custom-Darktrace streams by alert kind and sentinel.stream', async () => {
    const server = await withFake();
    const running = await startExporter(factory, {
      ...baseConfig(server),
      stream: undefined,
      streams: { ...ccfStreams },
    });
    const action = { action: 'quarantine', state: 'active', deviceHostname: 'müller-laptop' };
    const asm = { alertTitle: 'Exposed admin portal', riskId: 7 };
    await running.exporter.consume([
      alertRecord(policyBreach, 'model_breach', { 'sentinel.stream': 'Custom-DarktraceModelAlerts' }),
      alertRecord(aiAnalyst, 'ai_analyst'),
      alertRecord(systemAlert, 'system_status'),
      alertRecord(emailAlert, 'email'),
      alertRecord(action, 'unknown', { 'sentinel.stream': 'Custom-DarktraceResponseActions' }),
      alertRecord(asm, 'unknown', { 'sentinel.stream': 'Custom-DarktraceASM' }),
    ]);
    expect(await settled(running, 6)).toEqual({ sent: 4, failed: 2 });
    expect(bodiesIn(server.recordsFor('Custom-DarktraceModelAlerts'))).toEqual([policyBreach]);
    expect(bodiesIn(server.recordsFor('Custom-DarktraceIncidents'))).toEqual([aiAnalyst]);
    expect(bodiesIn(server.recordsFor('Custom-DarktraceSystemStatusAlerts'))).toEqual([systemAlert]);
    expect(bodiesIn(server.recordsFor('Custom-DarktraceEMAIL'))).toEqual([emailAlert]);
    // Not configured: dead-lettered with a reason, never sent to the wrong table.
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries;
    expect(dead.map((e) => e.record.body)).toEqual([action, asm]);
    expect(dead[0]?.reason).toMatch(/no stream for alert kind "unknown"/);
  });

  it('feeds all six streams from one exporter when streams names them', async () => {
    const server = await withFake();
    const running = await startExporter(factory, {
      ...baseConfig(server),
      stream: undefined,
      streams: {
        ...ccfStreams,
        'Custom-DarktraceResponseActions': 'Custom-DarktraceResponseActions',
        'Custom-DarktraceASM': 'Custom-DarktraceASM',
      },
    });
    await running.exporter.consume(
      darktraceCcfStreams.map((stream, i) => alertRecord({ n: i }, 'unknown', { 'sentinel.stream': stream })),
    );
    expect(await settled(running, 6)).toEqual({ sent: 6, failed: 0 });
    expect(darktraceCcfStreams.map((s) => bodiesIn(server.recordsFor(s)))).toEqual(
      darktraceCcfStreams.map((_, i) => [{ n: i }]),
    );
    expect(server.requests).toHaveLength(6);
  });

  it('retries only the records of the stream whose call failed, so none vanish and none repeat', async () => {
    const server = await withFake();
    server.failNext(1, { status: 503 });
    const running = await startExporter(factory, {
      ...baseConfig(server),
      stream: undefined,
      streams: ccfStreams,
    });
    const records = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? alertRecord({ ...policyBreach, threatID: i })
        : alertRecord({ ...aiAnalyst, threatID: i }, 'ai_analyst'),
    );
    await running.exporter.consume(records);
    expect(await settled(running, 40)).toEqual({ sent: 40, failed: 0 });
    const stored = server.records.map((r) => Number(r.record['threatID'])).sort((a, b) => a - b);
    expect(stored).toEqual([...Array(40).keys()]);
    // One call per stream, then one retry of the failed stream's records alone.
    expect(server.requests.map((r) => r.status).sort()).toEqual([204, 204, 503]);
  });

  it('dead-letters the records of a call refused with 400 and delivers the other stream', async () => {
    const server = await withFake();
    server.failNext(1, { status: 400, code: 'InvalidPayload', message: 'Column mismatch' });
    const running = await startExporter(factory, {
      ...baseConfig(server),
      stream: undefined,
      streams: ccfStreams,
    });
    const records = [0, 1, 2, 3].map((i) =>
      i < 2
        ? alertRecord({ ...policyBreach, threatID: i })
        : alertRecord({ ...aiAnalyst, threatID: i }, 'ai_analyst'),
    );
    await running.exporter.consume(records);
    expect(await settled(running, 4)).toEqual({ sent: 2, failed: 2 });
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries;
    const deadIds = dead.map((e) => (e.record.body as { threatID: number }).threatID).sort();
    const storedIds = server.records.map((r) => Number(r.record['threatID'])).sort();
    expect([...deadIds, ...storedIds].sort()).toEqual([0, 1, 2, 3]);
    expect([
      [0, 1],
      [2, 3],
    ]).toContainEqual(deadIds);
    expect(dead[0]).toMatchObject({
      status: 400,
      reason: expect.stringMatching(/^rejected by the destination: HTTP 400 InvalidPayload: Column mismatch/),
    });
  });

  it('keeps every call at or under 1,000,000 bytes and loses nothing', async () => {
    const server = await withFake();
    const running = await startExporter(factory, {
      ...baseConfig(server),
      batch: { max_records: 5000, flush_timeout: '10ms' },
    });
    const records = Array.from({ length: 2000 }, (_, i) =>
      alertRecord({ ...policyBreach, threatID: i, triggeredComponents: 'é'.repeat(700) }),
    );
    await running.exporter.consume(records);
    expect(await settled(running, 2000, 30_000)).toEqual({ sent: 2000, failed: 0 });
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.every((r) => r.status === 204 && r.gzip && r.bodyBytes <= 1_000_000)).toBe(true);
    expect(server.recordsFor(models)).toHaveLength(2000);
  });

  it('halves on 413 until calls fit and dead-letters a lone record over the cap, never looping', async () => {
    const server = await withFake({ maxRequestBytes: 6_000 });
    const running = await startExporter(factory, baseConfig(server));
    const records = Array.from({ length: 16 }, (_, i) =>
      alertRecord({ id: i, pad: 'x'.repeat(i === 5 ? 7_000 : 900) }),
    );
    await running.exporter.consume(records);
    expect(await settled(running, 16)).toEqual({ sent: 15, failed: 1 });
    expect(server.requests.filter((r) => r.status === 413).length).toBeGreaterThan(0);
    expect(server.requests.length).toBeLessThan(32);
    const dead = readDeadLetterFile(running.exporter.deadLetterPath ?? '').entries;
    expect(dead.map((e) => (e.record.body as { id: number }).id)).toEqual([5]);
    expect(dead[0]).toMatchObject({ status: 413, attempts: 1 });
  });

  it('waits for the Retry-After of a 429 before sending again', async () => {
    const server = await withFake();
    server.failNext(1, { status: 429, retryAfter: '1' });
    const running = await startExporter(factory, baseConfig(server));
    const started = Date.now();
    await running.exporter.consume([alertRecord(policyBreach)]);
    expect(await settled(running, 1)).toEqual({ sent: 1, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.map((r) => r.status)).toEqual([429, 204]);
  });

  it('sends the suffixed legacy column names with legacy_columns: true', async () => {
    const server = await withFake();
    const running = await startExporter(factory, { ...baseConfig(server), legacy_columns: true });
    await running.exporter.consume([alertRecord(policyBreach), alertRecord(aiAnalyst, 'ai_analyst')]);
    await settled(running, 2);
    const [breach, analyst] = server.recordsFor(models);
    expect(breach).toMatchObject({
      dtProduct_s: 'Policy Breach',
      score_d: 81,
      Category: 'Critical',
      SourceIP: '192.0.2.10',
      uuid_g: policyBreach.uuid,
      sourcePort_s: '51515',
    });
    expect(breach).not.toHaveProperty('score');
    // TimeGenerated keeps its name in the legacy columns too.
    expect(Object.keys(breach ?? {})).toContain('TimeGenerated');
    expect(analyst).toMatchObject({
      Severity: 7,
      groupByActivity_b: true,
      externalId_g: aiAnalyst.externalId,
    });
  });

  it('logs at start when Entra ID refuses the secret, and dead-letters without leaking it', async () => {
    const server = await withFake();
    const running = await startExporter(factory, {
      ...baseConfig(server),
      auth: auth(server, 'wrong-secret-123'),
    });
    await vi.waitFor(() =>
      expect(running.messages()).toContainEqual(
        expect.stringMatching(
          /^Exporter "sentinel-logs-ingestion" could not get an Entra ID token: .*invalid_client/,
        ),
      ),
    );
    await running.exporter.consume([alertRecord(policyBreach)]);
    expect(await settled(running, 1)).toEqual({ sent: 0, failed: 1 });
    expect(server.requests).toEqual([]);
    const text = JSON.stringify([running.lines, readDeadLetterFile(running.exporter.deadLetterPath ?? '')]);
    expect(text).not.toContain('wrong-secret-123');
  });

  describe.skipIf(!corpusPresent)('with the shared corpus', () => {
    it('delivers every real Darktrace payload unchanged', async () => {
      const server = await withFake();
      const running = await startExporter(factory, baseConfig(server));
      const payloads = corpusPayloads();
      await running.exporter.consume(payloads.map((p) => alertRecord(p)));
      expect(await settled(running, payloads.length)).toEqual({ sent: payloads.length, failed: 0 });
      expect(bodiesIn(server.recordsFor(models))).toEqual(payloads);
    });
  });
});
if (!corpusPresent)
  console.warn('shared corpus not found (../shared/corpus): sentinel-logs-ingestion corpus test skipped');
