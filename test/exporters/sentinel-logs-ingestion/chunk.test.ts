import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkRecords, defaultMaxChunkBytes } from '../../../exporters/sentinel-logs-ingestion/chunk.js';
import { flatAlerts } from '../sentinel-datacollector/flat-alerts.js';

const arrayBytes = (records: readonly unknown[]): number =>
  Buffer.byteLength(JSON.stringify(records), 'utf8');

describe('chunkRecords', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps a small batch in one chunk and reports its exact size', () => {
    const { chunks, unsendable } = chunkRecords(flatAlerts);
    expect(unsendable).toEqual([]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.indexes).toEqual([0, 1, 2, 3]);
    expect(chunks[0]!.bytes).toBe(arrayBytes(flatAlerts));
  });

  it('targets 1,000,000 bytes by default so the SDK never re-splits a chunk', () => {
    expect(defaultMaxChunkBytes).toBe(1_000_000);
    const records = Array.from({ length: 3000 }, (_, i) => ({ i, text: 'ü'.repeat(300) }));
    const { chunks } = chunkRecords(records);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(arrayBytes(chunk.records)).toBe(chunk.bytes);
      expect(chunk.bytes).toBeLessThanOrEqual(1_000_000);
    }
  });

  it('counts commas and brackets, which the SDK chunker leaves out', () => {
    // 600,000 two-byte records: the SDK's sum says 1,200,000 (two calls); the real arrays need three.
    const records = Array.from({ length: 600_000 }, () => ({}));
    const { chunks } = chunkRecords(records, { maxChunkBytes: 1_000_000 });
    for (const chunk of chunks) expect(arrayBytes(chunk.records)).toBeLessThanOrEqual(1_000_000);
    expect(chunks.reduce((n, c) => n + c.records.length, 0)).toBe(600_000);
  });

  it('serialises each record exactly once', () => {
    const spy = vi.spyOn(JSON, 'stringify');
    const records = Array.from({ length: 5000 }, (_, i) => ({ i }));
    chunkRecords(records, { maxChunkBytes: 1000 });
    expect(spy).toHaveBeenCalledTimes(5000);
  });

  it('sends a record between the target and the hard cap on its own', () => {
    const big = { text: 'x'.repeat(1_010_000) };
    const { chunks, unsendable } = chunkRecords([{ a: 1 }, big, { b: 2 }]);
    expect(unsendable).toEqual([]);
    expect(chunks.map((c) => c.indexes)).toEqual([[0], [1], [2]]);
    expect(chunks[1]!.bytes).toBeLessThanOrEqual(1_048_576);
  });

  it('reports a record over the 1,048,576-byte cap as unsendable and keeps the rest', () => {
    const { chunks, unsendable } = chunkRecords([{ a: 1 }, { text: 'x'.repeat(1_048_576) }, { b: 2 }]);
    expect(chunks.map((c) => c.indexes)).toEqual([[0, 2]]);
    expect(unsendable).toEqual([
      {
        index: 1,
        bytes: 1_048_587,
        reason: 'Record is 1048587 bytes as JSON, over the 1048576-byte Logs Ingestion call limit',
      },
    ]);
  });

  it.each([
    ['a string', 'text', 'Record is not a JSON object'],
    ['an array', [1], 'Record is not a JSON object'],
    ['a BigInt holder', { n: 1n }, 'Record cannot be serialised as JSON'],
  ])('refuses %s as a record', (_label, record, reason) => {
    const { unsendable } = chunkRecords([record]);
    expect(unsendable[0]).toMatchObject({ index: 0, reason: expect.stringContaining(reason) as string });
  });

  it('never builds a chunk over the target, and loses or duplicates no record', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.dictionary(
            fc.string({ maxLength: 4 }),
            fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.double(), fc.boolean()),
          ),
          {
            maxLength: 60,
          },
        ),
        fc.integer({ min: 3, max: 500 }),
        (records, maxChunkBytes) => {
          const { chunks, unsendable } = chunkRecords(records, {
            maxChunkBytes,
            hardLimitBytes: maxChunkBytes,
          });
          for (const chunk of chunks) {
            expect(arrayBytes(chunk.records)).toBe(chunk.bytes);
            expect(chunk.bytes).toBeLessThanOrEqual(maxChunkBytes);
            expect(chunk.records).toEqual(chunk.indexes.map((i) => records[i]));
          }
          const all = [...chunks.flatMap((c) => c.indexes), ...unsendable.map((u) => u.index)].sort(
            (a, b) => a - b,
          );
          expect(all).toEqual(records.map((_, i) => i));
        },
      ),
    );
  });
});
