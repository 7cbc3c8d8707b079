// OTLP/HTTP through nock: how every answer is classified, and the exact request the exporter sends.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { PermanentError, RetryableError, SplitRequiredError, type DtcolError } from '../../../core/errors.js';
import { testSettings } from '../../../core/testing/index.js';
import { createOtlpExporter } from '../../../exporters/otlp/exporter.js';
import { createHttpSender, type HttpSenderOptions } from '../../../exporters/otlp/http-sender.js';
import { decodeOtlpRequest } from '../../support/fake-otlp.js';
import { breachRecord, otlpConfig } from './fixtures.js';

const base = 'https://otel.example.com:4318';

const senderOptions: HttpSenderOptions = {
  url: `${base}/v1/logs`,
  encoding: 'protobuf',
  compression: 'none',
  headers: {},
  tls: {},
  connections: 1,
  userAgent: 'darktrace-collector',
};

async function sendOnce(): Promise<DtcolError | Uint8Array> {
  const sender = createHttpSender(senderOptions);
  onTestFinished(() => sender.close());
  try {
    return await sender.send(Uint8Array.from([0x0a, 0x00]), AbortSignal.timeout(5000));
  } catch (err) {
    return err as DtcolError;
  }
}

describe('otlp exporter over HTTP (nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it.each([
    { status: 429, headers: { 'retry-after': '3' }, kind: RetryableError, retryAfterMs: 3000 },
    { status: 502, headers: {}, kind: RetryableError, retryAfterMs: undefined },
    { status: 503, headers: { 'retry-after': '1' }, kind: RetryableError, retryAfterMs: 1000 },
    { status: 504, headers: {}, kind: RetryableError, retryAfterMs: undefined },
    { status: 400, headers: {}, kind: PermanentError, retryAfterMs: undefined },
    { status: 401, headers: {}, kind: PermanentError, retryAfterMs: undefined },
    { status: 403, headers: {}, kind: PermanentError, retryAfterMs: undefined },
    { status: 404, headers: {}, kind: PermanentError, retryAfterMs: undefined },
    { status: 500, headers: {}, kind: PermanentError, retryAfterMs: undefined },
    { status: 413, headers: {}, kind: SplitRequiredError, retryAfterMs: undefined },
  ])('classifies HTTP $status as $kind.name', async ({ status, headers, kind, retryAfterMs }) => {
    nock(base).post('/v1/logs').reply(status, '', headers);
    const result = await sendOnce();
    expect(result).toBeInstanceOf(kind);
    expect(result).toMatchObject({ status });
    if (kind === RetryableError) expect((result as RetryableError).retryAfterMs).toBe(retryAfterMs);
  });

  it('returns the answer body of a 200 for partial-success reading', async () => {
    // ExportLogsServiceResponse{partial_success{rejected_log_records: 4}}
    nock(base)
      .post('/v1/logs')
      .reply(200, Buffer.from([0x0a, 0x02, 0x08, 0x04]), { 'content-type': 'application/x-protobuf' });
    expect(await sendOnce()).toEqual(Uint8Array.from([0x0a, 0x02, 0x08, 0x04]));
  });

  it('lets a connection reset through as a network error (retried by the exporter)', async () => {
    nock(base)
      .post('/v1/logs')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const result = await sendOnce();
    expect(result).toMatchObject({ code: 'ECONNRESET' });
  });

  it.each([
    { protocol: 'http/protobuf' as const, contentType: 'application/x-protobuf' },
    { protocol: 'http/json' as const, contentType: 'application/json' },
  ])(
    'sends $protocol gzipped with the exact headers and a body that decodes to the records',
    async ({ protocol, contentType }) => {
      let received: ReturnType<typeof decodeOtlpRequest> | undefined;
      nock(base, {
        reqheaders: {
          'content-type': contentType,
          'content-encoding': 'gzip',
          authorization: 'Bearer abc',
          'user-agent': 'darktrace-collector',
        },
      })
        // nock undoes the gzip for matchers (so it was valid gzip) and hands binary over as hex, JSON parsed.
        .post('/v1/logs', (body: unknown) => {
          received =
            protocol === 'http/json'
              ? decodeOtlpRequest(Buffer.from(JSON.stringify(body)), 'json')
              : decodeOtlpRequest(Buffer.from(body as string, 'hex'), 'protobuf');
          return true;
        })
        .reply(200, '');
      const settings = testSettings('otlp');
      const exporter = createOtlpExporter(
        settings,
        otlpConfig({
          protocol,
          endpoint: `${base}/`,
          headers: { authorization: 'Bearer abc' },
          batch: { flush_timeout: '10ms' },
        }),
      );
      onTestFinished(() => exporter.shutdown(AbortSignal.timeout(2000)));
      await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(1000));
      await exporter.consume([breachRecord(1), breachRecord(2)]);
      await vi.waitFor(async () => expect(await settings.service.recordCount('otlp', 'sent')).toBe(2));
      expect(received?.records.map((r) => r.eventName)).toEqual([
        'darktrace.model_breach',
        'darktrace.model_breach',
      ]);
      expect(received?.resourceLogs).toHaveLength(1);
    },
  );
});
