import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AnyValue } from '@opentelemetry/api';
import type { LogRecord } from '../../../core/consumer.js';
import { createRecord } from '../../../core/records.js';
import {
  PartialSuccessError,
  PermanentError,
  RetryableError,
  SplitRequiredError,
} from '../../../core/errors.js';
import { DeadLetterFile, readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import {
  createQueuedExporter,
  parseRetryAfter,
  type ExportBatch,
  type ExporterSpec,
  type QueuedExporter,
} from '../../../core/helpers/exporter-helper.js';
import { generateLogs, testSettings } from '../../../core/testing/index.js';
import { helperConfig } from '../../support/exporter-config.js';

const host = { reportFatalError: () => undefined };
const seqOf = (r: LogRecord): number => (r.body as { seq: number }).seq;

function setup(
  spec: ExporterSpec,
  overrides: Parameters<typeof helperConfig>[0] = {},
  settings = testSettings('http/test'),
): { exporter: QueuedExporter; settings: typeof settings } {
  const exporter = createQueuedExporter(settings, helperConfig(overrides), spec);
  onTestFinished(() => exporter.shutdown(AbortSignal.timeout(2000)));
  return { exporter, settings };
}

function recorder(): { batches: ExportBatch[]; spec: ExporterSpec } {
  const batches: ExportBatch[] = [];
  return {
    batches,
    spec: {
      push(batch) {
        batches.push(batch);
        return Promise.resolve();
      },
    },
  };
}

const fastRetry = { initial_interval: '5ms', max_interval: '20ms', max_elapsed_time: '5s' };

describe('exporter helper', () => {
  it('batches by record count and sends everything in order', async () => {
    const { batches, spec } = recorder();
    const { exporter, settings } = setup(spec, {
      batch: { max_records: 4 },
      sending_queue: { num_consumers: 1 },
    });
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(10));
    await vi.waitFor(() => expect(batches.flatMap((b) => b.records).length).toBe(10));
    expect(batches.map((b) => b.records.length)).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => b.records.map(seqOf))).toEqual([...Array(10).keys()]);
    expect(await settings.service.recordCount('http/test', 'sent')).toBe(10);
  });

  it('batches by encoded bytes and hands the encodings to push', async () => {
    const { batches, spec } = recorder();
    const encode = (r: LogRecord): string => `${'x'.repeat(95)}${String(seqOf(r)).padStart(5, '0')}`;
    const { exporter } = setup(
      { ...spec, encode },
      { batch: { max_records: 100, max_bytes: 250 }, sending_queue: { num_consumers: 1 } },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(5));
    await vi.waitFor(() => expect(batches.flatMap((b) => b.records).length).toBe(5));
    expect(batches.map((b) => b.records.length)).toEqual([2, 2, 1]);
    expect(batches[0]?.bytes).toBe(200);
    expect(batches[0]?.encoded?.[1]).toBe(`${'x'.repeat(95)}00001`);
  });

  describe('compact memory queue (spec gives encode and decode)', () => {
    // The encoding keeps the body only, as the http exporter's `content: body` does.
    const codec = {
      encode: (r: LogRecord): string => {
        if (seqOf(r) === 3) throw new Error('cannot encode seq 3');
        return JSON.stringify(r.body);
      },
      decode: (e: string): LogRecord => createRecord({ body: JSON.parse(e) as AnyValue }),
    };

    it('keeps records as their encodings: push gets them, and records are rebuilt only when asked for', async () => {
      // What push saw, read while it ran (a compact queue reuses a batch's memory once it is delivered).
      const seen: {
        encoded: string[];
        bytes: number;
        array: string;
        lines: string;
        decodedBefore: number;
      }[] = [];
      const rebuilt: number[][] = [];
      let decoded = 0;
      const decode = (e: string): LogRecord => (decoded++, codec.decode(e));
      const { exporter } = setup(
        {
          push(batch) {
            const decodedBefore = decoded;
            seen.push({
              encoded: [...(batch.encoded ?? [])],
              bytes: batch.bytes,
              array: batch.join('[', ',', ']').toString(),
              lines: batch.join('', '\n', '\n').toString(),
              decodedBefore,
            });
            if (seen.length === 2) rebuilt.push(batch.records.map(seqOf));
            return Promise.resolve();
          },
          encode: (r) => JSON.stringify(r.body),
          decode,
        },
        { batch: { max_records: 3 }, sending_queue: { num_consumers: 1 } },
      );
      await exporter.start(host, AbortSignal.timeout(1000));
      await exporter.consume(generateLogs(5));
      await vi.waitFor(() => expect(seen.flatMap((b) => b.encoded)).toHaveLength(5));
      expect(seen.map((b) => b.decodedBefore)).toEqual([0, 0]);
      expect(seen.flatMap((b) => b.encoded).map((e) => (JSON.parse(e) as { seq: number }).seq)).toEqual([
        0, 1, 2, 3, 4,
      ]);
      expect(seen[0]?.bytes).toBe(seen[0]?.encoded.reduce((n, e) => n + Buffer.byteLength(e), 0));
      // The request body is assembled from the queued encodings, and records are rebuilt only on demand.
      expect(JSON.parse(seen[0]?.array ?? '')).toEqual([0, 1, 2].map((seq) => generateLogs(3)[seq]?.body));
      expect(seen[1]?.lines).toBe(`${(seen[1]?.encoded ?? []).join('\n')}\n`);
      expect(rebuilt).toEqual([[3, 4]]);
      expect(decoded).toBe(2);
    });

    /** Where a body's bytes are, as "buffer number@offset": the same text means the same memory. */
    const memoryOf = (): ((b: Buffer) => string) => {
      const buffers: ArrayBufferLike[] = [];
      return (b) => {
        if (!buffers.includes(b.buffer)) buffers.push(b.buffer);
        return `${String(buffers.indexOf(b.buffer))}@${String(b.byteOffset)}`;
      };
    };

    it('reuseBodies: the next batch reuses a body once push resolved, never the body of a push that failed', async () => {
      const seen: { memory: string; text: string; failed: boolean }[] = [];
      const where = memoryOf();
      const push = (batch: ExportBatch): Promise<void> => {
        const body = batch.join('[', ',', ']');
        const failed = seen.length === 1; // the second attempt fails and is retried
        seen.push({ memory: where(body), text: body.toString(), failed });
        return failed ? Promise.reject(new RetryableError('503 try again')) : Promise.resolve();
      };
      const { exporter } = setup(
        { push, encode: (r) => JSON.stringify(r.body), decode: codec.decode, reuseBodies: true },
        { batch: { max_records: 2 }, sending_queue: { num_consumers: 1 }, retry_on_failure: fastRetry },
      );
      await exporter.start(host, AbortSignal.timeout(1000));
      await exporter.consume(generateLogs(6));
      await vi.waitFor(() => expect(seen.filter((s) => !s.failed)).toHaveLength(3));
      expect(seen.map((s) => JSON.parse(s.text) as unknown)).toEqual(
        [
          [0, 1],
          [2, 3],
          [2, 3],
          [4, 5],
        ].map((seqs) => seqs.map((seq) => generateLogs(6)[seq]?.body)),
      );
      const [first, failed, retried, last] = seen;
      expect(failed?.memory).toBe(first?.memory); // the first push was over: its memory is reused
      expect(retried?.memory).not.toBe(failed?.memory); // a failed push may still be sending: never reused
      expect(last?.memory).toBe(retried?.memory);
    });

    it('without reuseBodies every body has its own memory (a push may still be writing it after it resolves)', async () => {
      const memory: string[] = [];
      const where = memoryOf();
      const { exporter } = setup(
        {
          push(batch) {
            memory.push(where(batch.join('', '\n', '\n')));
            return Promise.resolve();
          },
          encode: (r) => JSON.stringify(r.body),
          decode: codec.decode,
        },
        { batch: { max_records: 2 }, sending_queue: { num_consumers: 1 } },
      );
      await exporter.start(host, AbortSignal.timeout(1000));
      await exporter.consume(generateLogs(6));
      await vi.waitFor(() => expect(memory).toHaveLength(3));
      expect(new Set(memory).size).toBe(3);
    });

    it('dead-letters a record that cannot be encoded and delivers the rest', async () => {
      const { batches, spec } = recorder();
      const { exporter, settings } = setup({ ...spec, ...codec }, { sending_queue: { num_consumers: 1 } });
      await exporter.start(host, AbortSignal.timeout(1000));
      await exporter.consume(generateLogs(6));
      await vi.waitFor(() => expect(batches.flatMap((b) => b.encoded ?? []).length).toBe(5));
      const { entries } = readDeadLetterFile(exporter.deadLetterPath ?? '');
      expect(entries.map((e) => (e.record.body as { seq: number }).seq)).toEqual([3]);
      expect(entries[0]?.reason).toBe('record could not be encoded: cannot encode seq 3');
      expect(await settings.service.recordCount('http/test', 'failed')).toBe(1);
    });

    it('dead letters hold the rebuilt records, with the body that was to be sent', async () => {
      const { exporter } = setup(
        {
          push: () => Promise.reject(new PermanentError('HTTP 400: no', { status: 400 })),
          encode: (r) => JSON.stringify(r.body),
          decode: codec.decode,
        },
        { sending_queue: { num_consumers: 1 } },
      );
      await exporter.start(host, AbortSignal.timeout(1000));
      await exporter.consume(generateLogs(4));
      await vi.waitFor(() =>
        expect(readDeadLetterFile(exporter.deadLetterPath ?? '').entries).toHaveLength(4),
      );
      const { records } = readDeadLetterFile(exporter.deadLetterPath ?? '');
      expect(records.map(seqOf)).toEqual([0, 1, 2, 3]);
      expect(records[0]?.body).toEqual(generateLogs(1)[0]?.body);
    });
  });

  it('sends a partial batch once flush_timeout passes', async () => {
    const { batches, spec } = recorder();
    const { exporter } = setup(spec, { batch: { max_records: 1000, flush_timeout: '30ms' } });
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(3));
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    expect(batches[0]?.records).toHaveLength(3);
  });

  it('retries a retryable failure, honouring Retry-After, and then delivers', async () => {
    const calls: number[] = [];
    const { exporter, settings } = setup(
      {
        push() {
          calls.push(Date.now());
          return calls.length === 1
            ? Promise.reject(new RetryableError('HTTP 429', { status: 429, retryAfterMs: 120 }))
            : Promise.resolve();
        },
      },
      { retry_on_failure: fastRetry },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(3));
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(110);
    await vi.waitFor(async () => expect(await settings.service.recordCount('http/test', 'sent')).toBe(3));
    const metrics = await settings.service.registry.metrics();
    expect(metrics).toMatch(/dtcol_exporter_retries_total\{component_id="http\/test"\} 1/);
  });

  it('treats network errors as retryable', async () => {
    let n = 0;
    const { exporter, settings } = setup(
      {
        push() {
          n++;
          return n < 3
            ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
            : Promise.resolve();
        },
      },
      { retry_on_failure: fastRetry },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(2));
    await vi.waitFor(async () => expect(await settings.service.recordCount('http/test', 'sent')).toBe(2));
    expect(n).toBe(3);
  });

  it('dead-letters a permanently failed batch once, with reason, status and attempts, and keeps flowing', async () => {
    const delivered: number[] = [];
    const { exporter, settings } = setup(
      {
        push(batch) {
          if (batch.records.some((r) => seqOf(r) === 1))
            return Promise.reject(new PermanentError('HTTP 400: bad field', { status: 400 }));
          delivered.push(...batch.records.map(seqOf));
          return Promise.resolve();
        },
      },
      { batch: { max_records: 2 }, sending_queue: { num_consumers: 1 } },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(6));
    await vi.waitFor(() => expect(delivered).toEqual([2, 3, 4, 5]));
    const path = exporter.deadLetterPath ?? '';
    const { entries } = readDeadLetterFile(path);
    expect(entries.map((e) => (e.record.body as { seq: number }).seq)).toEqual([0, 1]);
    expect(entries[0]).toMatchObject({
      component: 'http/test',
      reason: 'HTTP 400: bad field',
      status: 400,
      attempts: 1,
    });
    expect(await settings.service.recordCount('http/test', 'failed')).toBe(2);
  });

  it('dead-letters after max_elapsed_time of retries', async () => {
    let calls = 0;
    const { exporter } = setup(
      {
        push() {
          calls++;
          return Promise.reject(new RetryableError('HTTP 503', { status: 503 }));
        },
      },
      {
        retry_on_failure: {
          initial_interval: '10ms',
          max_interval: '10ms',
          max_elapsed_time: '60ms',
          randomization_factor: 0,
        },
      },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(2));
    await vi.waitFor(() => expect(existsSync(exporter.deadLetterPath ?? '')).toBe(true));
    const { entries } = readDeadLetterFile(exporter.deadLetterPath ?? '');
    expect(entries).toHaveLength(2);
    expect(entries[0]?.reason).toMatch(/^gave up after \d+ attempts: HTTP 503/);
    expect(calls).toBeGreaterThan(2);
  });

  it('splits a batch the destination calls too large, and dead-letters a single record that still is', async () => {
    const sizes: number[] = [];
    const { exporter } = setup(
      {
        push(batch) {
          sizes.push(batch.records.length);
          if (batch.records.length > 2 || batch.records.some((r) => seqOf(r) === 7))
            return Promise.reject(new SplitRequiredError('HTTP 413', { status: 413 }));
          return Promise.resolve();
        },
      },
      { batch: { max_records: 8 }, sending_queue: { num_consumers: 1 } },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(8));
    await vi.waitFor(() => expect(readDeadLetterFile(exporter.deadLetterPath ?? '').entries).toHaveLength(1));
    expect(sizes[0]).toBe(8);
    expect(readDeadLetterFile(exporter.deadLetterPath ?? '').entries[0]?.status).toBe(413);
  });

  it('on a partial success retries only the failed records when they are retryable', async () => {
    const delivered: number[] = [];
    let first = true;
    const { exporter } = setup(
      {
        push(batch) {
          if (first) {
            first = false;
            delivered.push(...batch.records.filter((_, i) => i !== 1).map(seqOf));
            return Promise.reject(
              new PartialSuccessError('1 failed', 1, { failedIndexes: [1], retryable: true }),
            );
          }
          delivered.push(...batch.records.map(seqOf));
          return Promise.resolve();
        },
      },
      { retry_on_failure: fastRetry },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(3));
    await vi.waitFor(() => expect([...delivered].sort()).toEqual([0, 1, 2]));
  });

  it('when_full: drop_newest counts the drop; dead_letter keeps the overflow on disk', async () => {
    const never: ExporterSpec = { push: () => new Promise(() => undefined) };
    const a = setup(
      never,
      { sending_queue: { queue_size: 4, when_full: 'drop_newest' }, timeout: '1h' },
      testSettings('http/drop'),
    );
    await a.exporter.start(host, AbortSignal.timeout(1000));
    await a.exporter.consume(generateLogs(4));
    await a.exporter.consume(generateLogs(3, 4));
    expect(await a.settings.service.recordCount('http/drop', 'dropped')).toBe(3);

    const b = setup(
      never,
      { sending_queue: { queue_size: 4, when_full: 'dead_letter' }, timeout: '1h' },
      testSettings('http/dlq'),
    );
    await b.exporter.start(host, AbortSignal.timeout(1000));
    await b.exporter.consume(generateLogs(4));
    await b.exporter.consume(generateLogs(3, 4));
    const { entries } = readDeadLetterFile(b.exporter.deadLetterPath ?? '');
    expect(entries.map((e) => (e.record.body as { seq: number }).seq)).toEqual([4, 5, 6]);
    expect(entries[0]?.reason).toBe('queue full');
  });

  it('when_full: block holds consume until there is room (backpressure)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { exporter } = setup(
      { push: () => gate },
      { sending_queue: { queue_size: 4, num_consumers: 1 }, batch: { max_records: 4 } },
    );
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(4));
    let accepted = false;
    const second = exporter.consume(generateLogs(2, 4)).then(() => (accepted = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted).toBe(false);
    release();
    await second;
    expect(accepted).toBe(true);
  });

  it('drains the queue on shutdown before resolving', async () => {
    const { batches, spec } = recorder();
    const { exporter } = setup(spec, { batch: { max_records: 1000, flush_timeout: '1h' } });
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(7));
    expect(batches).toHaveLength(0);
    await exporter.shutdown(AbortSignal.timeout(2000));
    expect(batches.flatMap((b) => b.records)).toHaveLength(7);
  });

  it('dead-letters what a memory queue could not send by the shutdown deadline', async () => {
    const { exporter, settings } = setup({ push: () => new Promise(() => undefined) }, { timeout: '1h' });
    await exporter.start(host, AbortSignal.timeout(1000));
    await exporter.consume(generateLogs(5));
    await exporter.shutdown(AbortSignal.timeout(100));
    const { entries } = readDeadLetterFile(exporter.deadLetterPath ?? '');
    expect(entries).toHaveLength(5);
    expect(entries[0]?.reason).toBe('not delivered before the shutdown deadline');
    expect(await settings.service.recordCount('http/test', 'failed')).toBe(5);
  });

  it.each(['sqlite', 'segments'] as const)(
    'keeps unacknowledged records in a persistent %s queue across a restart, and only those',
    async (engine) => {
      const settings = testSettings('http/persist');
      const storage = `${settings.dataDir}/queue`;
      let pushes = 0;
      const first = createQueuedExporter(
        settings,
        helperConfig({
          sending_queue: { storage, engine, num_consumers: 1 },
          batch: { max_records: 2 },
          timeout: '1h',
        }),
        // The first batch is delivered (and acknowledged); every later one hangs until the deadline.
        { push: () => (++pushes === 1 ? Promise.resolve() : new Promise(() => undefined)) },
      );
      await first.start(host, AbortSignal.timeout(1000));
      await first.consume(generateLogs(6));
      await vi.waitFor(() => expect(pushes).toBe(2));
      await first.shutdown(AbortSignal.timeout(100));
      expect(existsSync(first.deadLetterPath ?? '')).toBe(false);

      const { batches, spec } = recorder();
      const second = createQueuedExporter(
        testSettings('http/persist', 'exporter', { dataDir: settings.dataDir }),
        helperConfig({ sending_queue: { storage, engine } }),
        spec,
      );
      onTestFinished(() => second.shutdown(AbortSignal.timeout(1000)));
      await second.start(host, AbortSignal.timeout(1000));
      await vi.waitFor(() => expect(batches.flatMap((b) => b.records)).toHaveLength(4));
      const resent = batches.flatMap((b) => b.records);
      expect(resent.map(seqOf)).toEqual([2, 3, 4, 5]);
      expect(resent[0]?.body).toEqual({ seq: 2, message: 'record 2' });
      expect(resent[0]?.hrTime).toEqual([1_700_000_000, 2_000_000]);
    },
  );

  it('shutdown is idempotent and safe before start', async () => {
    const { spec } = recorder();
    const exporter = createQueuedExporter(testSettings(), helperConfig(), spec);
    const a = exporter.shutdown(AbortSignal.timeout(100));
    const b = exporter.shutdown(AbortSignal.timeout(100));
    expect(a).toBe(b);
    await a;
    await expect(exporter.consume(generateLogs(1))).rejects.toMatchObject({ code: 'ERR_SHUTTING_DOWN' });
  });

  it.each([
    ['120', 120_000],
    ['0', 0],
    [undefined, undefined],
    ['soon', undefined],
  ])('parses Retry-After %s', (value, ms) => {
    expect(parseRetryAfter(value)).toBe(ms);
  });

  it('parses an HTTP-date Retry-After relative to now', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
  });
});

describe('dead-letter file', () => {
  it('round-trips records with reason, status, component and attempts as NDJSON', () => {
    const settings = testSettings('x');
    const file = new DeadLetterFile(`${settings.dataDir}/dl/x.ndjson`, 'stdout/x');
    file.write(generateLogs(2), 'HTTP 400: nope', { status: 400, attempts: 3 });
    const lines = readFileSync(file.path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const { entries, records, badLines } = readDeadLetterFile(file.path);
    expect(badLines).toEqual([]);
    expect(entries[1]).toMatchObject({
      component: 'stdout/x',
      reason: 'HTTP 400: nope',
      status: 400,
      attempts: 3,
    });
    expect(records[1]?.body).toEqual({ seq: 1, message: 'record 1' });
    expect(records[1]?.attributes).toEqual({ seq: 1 });
  });
});
