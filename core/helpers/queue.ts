// Exporter queues: a memory queue and a persistent one on node:sqlite. Both hand out items in order, keep
// taken items "in flight" until acknowledged, and count capacity in records (pending + in flight).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { createRequire } from 'node:module';
import type { LogRecord } from '../consumer.js';
import { fromStoredRecord, toStoredRecord, type StoredRecord } from '../records.js';
import { ByteArena, type ArenaChunk, type ArenaSpan, type ByteArenaOptions } from './byte-arena.js';

/**
 * One record in a queue. `encoded` caches the exporter's encoding once computed, `bytes` its UTF-8 length. A
 * compact memory queue keeps only the encoding, as bytes in its arena (`record` and `encoded` undefined, `chunk`
 * and `offset` set): see {@link MemoryQueue}.
 */
export interface QueueItem {
  readonly seq: number;
  readonly record: LogRecord | undefined;
  encoded?: string;
  /** UTF-8 byte length of the encoding, computed with it. */
  bytes?: number;
  chunk?: ArenaChunk | undefined;
  offset?: number;
}

/** An item of a compact memory queue. */
type ArenaItem = QueueItem & ArenaSpan;

/** An item's encoding as a string ('' before it is encoded). */
export function encodingOf(item: QueueItem): string {
  return item.chunk !== undefined ? ByteArena.read(item as ArenaItem) : (item.encoded ?? '');
}

/**
 * The encodings of `items` joined into one UTF-8 body: `open` e1 `separator` e2 … `close`. Written straight into
 * one buffer (from `alloc`, which may give more room than asked; the body is the exact length): no joined string
 * is built, and a compact queue's bytes are copied as they are.
 */
export function joinItems(
  items: readonly QueueItem[],
  open: string,
  separator: string,
  close: string,
  alloc: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
): Buffer {
  const sepBytes = Buffer.byteLength(separator);
  let total = Buffer.byteLength(open) + Buffer.byteLength(close) + sepBytes * Math.max(0, items.length - 1);
  for (const item of items) total += item.bytes ?? Buffer.byteLength(encodingOf(item));
  const room = alloc(total);
  const out = room.length === total ? room : room.subarray(0, total);
  let at = out.write(open, 0);
  let first = true;
  for (const item of items) {
    if (!first && sepBytes > 0) at += out.write(separator, at);
    first = false;
    at +=
      item.chunk !== undefined ? ByteArena.copy(item as ArenaItem, out, at) : out.write(encodingOf(item), at);
  }
  out.write(close, at);
  return out;
}

/** What the exporter helper needs from a queue. */
export interface ExportQueue {
  readonly persistent: boolean;
  /** Records pending (not yet taken). */
  readonly pending: number;
  /** Records pending plus in flight. */
  readonly size: number;
  /** Add records; once this returns they are in the queue (on disk for a persistent queue). */
  offer(records: readonly LogRecord[]): void;
  /** Look at up to `max` pending items in order without taking them. */
  peek(max: number): readonly QueueItem[];
  /** Take the first `count` pending items (as returned by peek). */
  take(count: number): QueueItem[];
  /** Delivered or dead-lettered: forget them for good. */
  ack(items: readonly QueueItem[]): void;
  close(): void;
}

/** An in-memory FIFO of queue items with O(1) amortised take (the array is compacted now and then). */
class ItemFifo {
  #items: QueueItem[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: QueueItem): void {
    this.#items.push(item);
  }

  peek(max: number): QueueItem[] {
    return this.#items.slice(this.#head, this.#head + max);
  }

  take(count: number): QueueItem[] {
    const out = this.#items.slice(this.#head, this.#head + count);
    this.#head += out.length;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  clear(): QueueItem[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

/**
 * In-memory queue. Lost on a crash; the exporter dead-letters what it cannot send by shutdown.
 *
 * With `decode` it is compact: each record is encoded as it is offered and only the encoding is kept, as UTF-8
 * bytes in a {@link ByteArena}, instead of an object graph or a string. Records wait in a busy exporter's queue
 * (a batch filling, a request in flight) long enough for V8 to copy them into its old generation, and the full
 * collections they then caused were most of the runtime's CPU and memory overhead on the benchmark. Bytes in
 * the arena are never copied or traced, and its chunks are reused as records are delivered, so they do not pile
 * up between collections either (plain Buffers did). Requests are assembled from those bytes ({@link joinItems});
 * a record is rebuilt from its encoding only for a dead letter or an exporter that asks for records.
 */
export class MemoryQueue implements ExportQueue {
  readonly persistent = false;
  readonly #items = new ItemFifo();
  readonly #decode: ((encoded: string) => LogRecord) | undefined;
  readonly #arena: ByteArena | undefined;
  #inFlight = 0;
  #seq = 0;

  /** `decode` makes the queue compact: records are offered encoded ({@link offerEncoded}) and rebuilt with it. */
  constructor(decode?: (encoded: string) => LogRecord, arena?: ByteArenaOptions) {
    this.#decode = decode;
    if (decode !== undefined) this.#arena = new ByteArena(arena);
  }

  /** The arena's chunk counts (compact queue; for tests and diagnostics). */
  get arenaStats(): { created: number; free: number } | undefined {
    return this.#arena?.stats;
  }

  get compact(): boolean {
    return this.#decode !== undefined;
  }

  get pending(): number {
    return this.#items.length;
  }

  get size(): number {
    return this.pending + this.#inFlight;
  }

  offer(records: readonly LogRecord[]): void {
    for (const record of records) this.#items.push({ seq: ++this.#seq, record });
  }

  /** Compact queue: add records as their encodings. */
  offerEncoded(encoded: readonly string[]): void {
    const arena = this.#arena;
    if (arena === undefined) throw new Error('internal: offerEncoded on a queue that is not compact');
    for (const e of encoded) {
      const item: ArenaItem = { seq: ++this.#seq, record: undefined, bytes: 0, chunk: undefined, offset: 0 };
      arena.write(e, item);
      this.#items.push(item);
    }
  }

  /** The record of an item (rebuilt from its encoding in a compact queue). */
  recordOf(item: QueueItem): LogRecord {
    if (item.record !== undefined) return item.record;
    if (this.#decode === undefined) throw new Error('internal: item without a record');
    return this.#decode(encodingOf(item));
  }

  peek(max: number): readonly QueueItem[] {
    return this.#items.peek(max);
  }

  take(count: number): QueueItem[] {
    const out = this.#items.take(count);
    this.#inFlight += out.length;
    return out;
  }

  ack(items: readonly QueueItem[]): void {
    this.#inFlight -= items.length;
    const arena = this.#arena;
    if (arena !== undefined) for (const item of items) arena.release(item as ArenaItem);
  }

  /** Everything not yet acknowledged is lost with a memory queue; the helper takes it out at shutdown. */
  drainAll(): LogRecord[] {
    const records = this.#items.clear().map((i) => this.recordOf(i));
    this.#arena?.reset();
    return records;
  }

  close(): void {
    this.#items.clear();
    this.#arena?.reset();
  }
}

const requireNode = createRequire(import.meta.url);

/**
 * Persistent queue in one SQLite file (WAL). A row is written (in one transaction per offer) before the
 * offer returns, and deleted only when acknowledged, so records survive a crash and are sent again after a
 * restart: at least once, duplicates at most the batches that were in flight.
 */
export class SqliteQueue implements ExportQueue {
  readonly persistent = true;
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #read: StatementSync;
  readonly #delete: StatementSync;
  #count: number;
  #inFlight = 0;
  /** Highest seq handed out (taken) or buffered in #ahead. */
  #readCursor = 0;
  #ahead: QueueItem[] = [];

  constructor(directory: string, name: string, options: { fsync: boolean }) {
    mkdirSync(directory, { recursive: true });
    // Loaded lazily: node:sqlite prints an experimental warning on some Node lines, and memory-only
    // services should not pay for it.
    const { DatabaseSync: Database } = requireNode('node:sqlite') as typeof import('node:sqlite');
    this.#db = new Database(join(directory, `${name}.sqlite`));
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec(`PRAGMA synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)',
    );
    this.#insert = this.#db.prepare('INSERT INTO queue (data) VALUES (?)');
    this.#read = this.#db.prepare('SELECT seq, data FROM queue WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#delete = this.#db.prepare('DELETE FROM queue WHERE seq = ?');
    const row = this.#db.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number };
    this.#count = row.n;
  }

  get pending(): number {
    return this.#count - this.#inFlight;
  }

  get size(): number {
    return this.#count;
  }

  offer(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    this.#db.exec('BEGIN');
    try {
      for (const record of records) this.#insert.run(JSON.stringify(toStoredRecord(record)));
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
    this.#count += records.length;
  }

  peek(max: number): readonly QueueItem[] {
    if (this.#ahead.length < max) {
      const rows = this.#read.all(this.#readCursor, max - this.#ahead.length) as {
        seq: number;
        data: string;
      }[];
      for (const row of rows) {
        this.#ahead.push({ seq: row.seq, record: fromStoredRecord(JSON.parse(row.data) as StoredRecord) });
        this.#readCursor = row.seq;
      }
    }
    return this.#ahead.slice(0, max);
  }

  take(count: number): QueueItem[] {
    if (this.#ahead.length < count) this.peek(count);
    const out = this.#ahead.splice(0, count);
    this.#inFlight += out.length;
    return out;
  }

  ack(items: readonly QueueItem[]): void {
    if (items.length === 0) return;
    this.#db.exec('BEGIN');
    try {
      for (const item of items) this.#delete.run(item.seq);
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
    this.#inFlight -= items.length;
    this.#count -= items.length;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

interface Segment {
  n: number;
  lines: number;
  acked: Set<number>;
  firstSeq: number;
}

/**
 * Persistent queue as append-only segment files: `<n>.log` holds `seq\tjson` lines, `<n>.ack` the acknowledged
 * seqs. A segment is deleted once every line in it is acknowledged. Written as a second candidate engine to
 * measure against SQLite (see README, "Benchmarks").
 */
export class SegmentQueue implements ExportQueue {
  readonly persistent = true;
  readonly #dir: string;
  readonly #fsync: boolean;
  readonly #segmentRecords: number;
  /** Segments in order: their number, line count and what is acknowledged. */
  readonly #segments: Segment[] = [];
  readonly #pending = new ItemFifo();
  #count = 0;
  #inFlight = 0;
  #seq = 0;
  #fd: number | undefined;
  #current: Segment | undefined;
  readonly #fs = requireNode('node:fs') as typeof import('node:fs');

  constructor(directory: string, name: string, options: { fsync: boolean; segmentRecords?: number }) {
    this.#dir = join(directory, `${name}.segments`);
    this.#fsync = options.fsync;
    this.#segmentRecords = options.segmentRecords ?? 10_000;
    this.#fs.mkdirSync(this.#dir, { recursive: true });
    const numbers = this.#fs
      .readdirSync(this.#dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => Number(f.slice(0, -4)))
      .sort((a, b) => a - b);
    for (const n of numbers) this.#recover(n);
  }

  #recover(n: number): void {
    const text = this.#fs.readFileSync(join(this.#dir, `${n}.log`), 'utf8');
    const ackPath = join(this.#dir, `${n}.ack`);
    // Only whole lines count: a torn last line (crash mid-write) could read as another record's seq.
    const ackText = this.#fs.existsSync(ackPath) ? this.#fs.readFileSync(ackPath, 'utf8') : '';
    const acked = new Set<number>(
      ackText
        .slice(0, ackText.lastIndexOf('\n') + 1)
        .split('\n')
        .filter((l) => l !== '')
        .map(Number),
    );
    let lines = 0;
    let firstSeq = Infinity;
    for (const line of text.split('\n')) {
      const tab = line.indexOf('\t');
      // A line cut short by a crash has no newline after it and fails to parse: it was never acknowledged to
      // the sender (offer had not returned), so dropping it loses nothing that was accepted.
      if (tab < 0) continue;
      const seq = Number(line.slice(0, tab));
      let stored: StoredRecord;
      try {
        stored = JSON.parse(line.slice(tab + 1)) as StoredRecord;
      } catch {
        continue;
      }
      lines++;
      firstSeq = Math.min(firstSeq, seq);
      this.#seq = Math.max(this.#seq, seq);
      if (acked.has(seq)) continue;
      this.#pending.push({ seq, record: fromStoredRecord(stored) });
      this.#count++;
    }
    this.#segments.push({ n, lines, acked, firstSeq });
  }

  get pending(): number {
    return this.#count - this.#inFlight;
  }

  get size(): number {
    return this.#count;
  }

  offer(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    let seg = this.#current;
    if (seg === undefined || seg.lines >= this.#segmentRecords) {
      if (this.#fd !== undefined) this.#fs.closeSync(this.#fd);
      const last = this.#segments[this.#segments.length - 1];
      seg = { n: (last?.n ?? 0) + 1, lines: 0, acked: new Set(), firstSeq: this.#seq + 1 };
      this.#segments.push(seg);
      this.#current = seg;
      this.#fd = this.#fs.openSync(join(this.#dir, `${seg.n}.log`), 'a');
    }
    let text = '';
    const items: QueueItem[] = [];
    for (const record of records) {
      const seq = ++this.#seq;
      text += `${seq}\t${JSON.stringify(toStoredRecord(record))}\n`;
      items.push({ seq, record });
    }
    const fd = this.#fd;
    if (fd === undefined) throw new Error('segment queue is closed');
    this.#fs.writeSync(fd, text);
    if (this.#fsync) this.#fs.fsyncSync(fd);
    seg.lines += records.length;
    for (const item of items) this.#pending.push(item);
    this.#count += records.length;
  }

  peek(max: number): readonly QueueItem[] {
    return this.#pending.peek(max);
  }

  take(count: number): QueueItem[] {
    const out = this.#pending.take(count);
    this.#inFlight += out.length;
    return out;
  }

  ack(items: readonly QueueItem[]): void {
    if (items.length === 0) return;
    const bySegment = new Map<Segment, number[]>();
    for (const item of items) {
      // Segments are in seq order: the last one whose firstSeq <= seq holds it.
      let seg = this.#segments[0];
      for (const s of this.#segments) if (s.firstSeq <= item.seq) seg = s;
      if (seg === undefined) continue;
      const list = bySegment.get(seg) ?? [];
      list.push(item.seq);
      bySegment.set(seg, list);
    }
    for (const [seg, seqs] of bySegment) {
      for (const s of seqs) seg.acked.add(s);
      if (seg !== this.#current && seg.acked.size >= seg.lines) {
        this.#fs.rmSync(join(this.#dir, `${seg.n}.log`), { force: true });
        this.#fs.rmSync(join(this.#dir, `${seg.n}.ack`), { force: true });
        this.#segments.splice(this.#segments.indexOf(seg), 1);
        continue;
      }
      const fd = this.#fs.openSync(join(this.#dir, `${seg.n}.ack`), 'a');
      try {
        this.#fs.writeSync(fd, `${seqs.join('\n')}\n`);
        if (this.#fsync) this.#fs.fsyncSync(fd);
      } finally {
        this.#fs.closeSync(fd);
      }
    }
    this.#inFlight -= items.length;
    this.#count -= items.length;
  }

  close(): void {
    if (this.#fd !== undefined) this.#fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}
