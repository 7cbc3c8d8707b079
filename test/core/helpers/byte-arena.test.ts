import { describe, expect, it } from 'vitest';
import { BodyPool, ByteArena, type ArenaSpan } from '../../../core/helpers/byte-arena.js';
import { joinItems, MemoryQueue } from '../../../core/helpers/queue.js';
import { createRecord } from '../../../core/records.js';

const span = (): ArenaSpan => ({ chunk: undefined, offset: 0, bytes: 0 });

describe('ByteArena', () => {
  it('gives back exactly the text written, multi-byte characters and lone surrogates included', () => {
    const arena = new ByteArena({ chunkSize: 64 });
    const texts = ['plain', 'café ☕', '𝄞 clef', '', 'x'.repeat(20), 'bad \ud800 surrogate'];
    const spans = texts.map((t) => {
      const s = span();
      arena.write(t, s);
      return s;
    });
    expect(spans.map((s) => ByteArena.read(s))).toEqual(texts.map((t) => Buffer.from(t).toString()));
    expect(spans.map((s) => s.bytes)).toEqual(texts.map((t) => Buffer.byteLength(t)));
  });

  it('moves to a new chunk when a text does not fit, and gives a longer text a chunk of its own', () => {
    const arena = new ByteArena({ chunkSize: 32 });
    const a = span();
    const b = span();
    const big = span();
    arena.write('a'.repeat(20), a);
    arena.write('b'.repeat(20), b);
    arena.write('c'.repeat(100), big);
    expect(b.chunk).not.toBe(a.chunk);
    expect(big.chunk).not.toBe(b.chunk);
    expect(ByteArena.read(big)).toBe('c'.repeat(100));
    expect(arena.stats.created).toBe(2);
  });

  it('reuses a chunk only once everything written to it is released', () => {
    const arena = new ByteArena({ chunkSize: 32 });
    const first = [span(), span()];
    for (const s of first) arena.write('0123456789', s);
    const next = span();
    arena.write('z'.repeat(20), next); // seals the first chunk
    arena.release(first[0]!);
    arena.release(first[0]!); // a second release changes nothing
    const more = span();
    arena.write('y'.repeat(20), more); // no free chunk yet: a new one
    expect(arena.stats).toEqual({ created: 3, free: 0 });
    expect(ByteArena.read(first[1]!)).toBe('0123456789');
    const firstChunk = first[1]?.chunk;
    arena.release(first[1]!);
    expect(arena.stats.free).toBe(1);
    const reused = span();
    arena.write('w'.repeat(20), reused);
    expect(reused.chunk).toBe(firstChunk);
    expect(ByteArena.read(first[1]!)).toBe(''); // a released span reads nothing
  });

  it('keeps a bounded number of empty chunks and gives the memory of the others back at once', () => {
    const arena = new ByteArena({ chunkSize: 16, maxFreeChunks: 2 });
    const spans = Array.from({ length: 10 }, () => span());
    for (const s of spans) arena.write('0123456789abcd', s); // one chunk each
    const big = span();
    arena.write('x'.repeat(40), big); // a chunk of its own
    const chunks = [...spans, big].map((s) => s.chunk);
    for (const s of [...spans, big]) arena.release(s);
    expect(arena.stats).toEqual({ created: 10, free: 2 });
    // 9 sealed standard chunks: the first 2 emptied are kept, 7 freed; the last one is still being written to; the
    // big one is freed.
    expect(chunks.map((c) => c?.buf.length)).toEqual([16, 16, 0, 0, 0, 0, 0, 0, 0, 16, 0]);
  });

  it('never frees memory it shares with other Buffers', () => {
    const pooled = Buffer.from('shared pool'); // a slice of Node's Buffer pool
    const arena = new ByteArena({ chunkSize: 16 });
    const s = span();
    arena.write('0123456789', s);
    arena.reset();
    expect(pooled.toString()).toBe('shared pool');
  });
});

describe('compact MemoryQueue', () => {
  const decode = (e: string) => createRecord({ body: e });

  it('joins request bodies from its bytes, byte for byte', () => {
    const queue = new MemoryQueue(decode, { chunkSize: 64 });
    const texts = ['{"a":"é"}', '{"b":"☕"}', `{"c":"${'x'.repeat(100)}"}`, '{"d":1}'];
    queue.offerEncoded(texts);
    const items = queue.take(4);
    expect(joinItems(items, '[', ',', ']').toString()).toBe(`[${texts.join(',')}]`);
    expect(joinItems(items, '', '\n', '\n').toString()).toBe(`${texts.join('\n')}\n`);
    expect(joinItems([], '[', ',', ']').toString()).toBe('[]');
    expect(queue.recordOf(items[1]!).body).toBe('{"b":"☕"}');
  });

  it('reuses its memory as records are delivered: a long stream needs only a few chunks', () => {
    const queue = new MemoryQueue(decode, { chunkSize: 4096 });
    const text = JSON.stringify({ alert: 'x'.repeat(1000) });
    for (let round = 0; round < 1000; round++) {
      queue.offerEncoded(Array.from({ length: 20 }, () => text));
      const items = queue.take(20);
      expect(joinItems(items, '', '', '').length).toBe(20 * text.length);
      queue.ack(items);
    }
    // 20 MB went through; without reuse that would be ~5000 chunks.
    expect(queue.arenaStats?.created).toBeLessThanOrEqual(8);
  });
});

/** A detached ArrayBuffer: its memory was freed at once. */
const freed = (b: Buffer | undefined): boolean => b?.buffer.byteLength === 0;

describe('BodyPool', () => {
  it('hands a given-back buffer out again when it is large enough', () => {
    const pool = new BodyPool(2);
    const a = pool.take(1000);
    expect(a.length).toBeGreaterThanOrEqual(1000);
    pool.give(a);
    expect(pool.take(900)).toBe(a);
    expect(pool.take(10)).not.toBe(a); // a is out again
  });

  it('keeps at most `max` buffers, frees the smallest one over that, and frees oversized ones at once', () => {
    const pool = new BodyPool(2, 256 * 1024);
    const [small, mid, big, huge] = [10, 70_000, 140_000, 300_000].map((n) => pool.take(n));
    for (const b of [small, mid, big]) pool.give(b!);
    expect(freed(small)).toBe(true); // its memory is given back, not left to the garbage collector
    expect(freed(mid)).toBe(false);
    expect(pool.freeBytes).toBe((mid?.length ?? 0) + (big?.length ?? 0));
    pool.give(huge!);
    expect(freed(huge)).toBe(true);
    expect(pool.take(100_000)).toBe(big);
  });
});
