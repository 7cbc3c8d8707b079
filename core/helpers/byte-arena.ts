// Where a compact memory queue keeps its records' encodings: as UTF-8 bytes in a few reused chunks, outside the
// V8 heap. Queued text waits long enough (a batch filling, a request in flight, a retry) to be copied into V8's
// old generation, where it paced the full collections; bytes in a chunk are never copied or traced, and a chunk
// goes back into use once every record in it is delivered, so there is no stream of freed buffers either.

/** A fixed-size buffer that spans point into; reused once none of them is live. */
export interface ArenaChunk {
  readonly buf: Buffer;
  /** Spans written here and not yet released. */
  live: number;
  /** True once the arena writes elsewhere (only a sealed chunk can go back to the free list). */
  sealed: boolean;
}

/** Where one encoding sits. `chunk` is undefined once released (a second release does nothing). */
export interface ArenaSpan {
  chunk: ArenaChunk | undefined;
  offset: number;
  bytes: number;
}

export interface ByteArenaOptions {
  /** Bytes per chunk (default 256 KiB). A longer encoding gets a chunk of its own, never reused. */
  chunkSize?: number;
  /** Most empty chunks kept for reuse (default 8); the memory of the others is given back at once. */
  maxFreeChunks?: number;
}

export class ByteArena {
  readonly #chunkSize: number;
  readonly #maxFree: number;
  readonly #free: ArenaChunk[] = [];
  #current: ArenaChunk | undefined;
  #pos = 0;
  #created = 0;

  constructor(options: ByteArenaOptions = {}) {
    this.#chunkSize = options.chunkSize ?? 256 * 1024;
    this.#maxFree = options.maxFreeChunks ?? 8;
  }

  /** Chunks of the standard size made so far, and how many wait empty for reuse (for tests and diagnostics). */
  get stats(): { created: number; free: number } {
    return { created: this.#created, free: this.#free.length };
  }

  /** Copy `text` in as UTF-8 and point `span` at it. */
  write(text: string, span: ArenaSpan): void {
    const size = this.#chunkSize;
    let chunk = this.#current;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length is counted only when that bound does not fit.
    if (chunk === undefined || this.#pos + text.length * 3 > size) {
      const exact = Buffer.byteLength(text);
      if (exact > size) {
        const buf = Buffer.allocUnsafeSlow(exact); // its own memory, so that it can be given back alone
        span.chunk = { buf, live: 1, sealed: true };
        span.offset = 0;
        span.bytes = buf.write(text, 0);
        return;
      }
      if (chunk === undefined || this.#pos + exact > size) chunk = this.#next();
    }
    const offset = this.#pos;
    const bytes = chunk.buf.write(text, offset);
    this.#pos = offset + bytes;
    chunk.live++;
    span.chunk = chunk;
    span.offset = offset;
    span.bytes = bytes;
  }

  /** The text a span holds ('' once released). */
  static read(span: ArenaSpan): string {
    return span.chunk?.buf.toString('utf8', span.offset, span.offset + span.bytes) ?? '';
  }

  /** Copy a span's bytes into `target` at `at`; returns how many. */
  static copy(span: ArenaSpan, target: Buffer, at: number): number {
    return span.chunk?.buf.copy(target, at, span.offset, span.offset + span.bytes) ?? 0;
  }

  /** The span's bytes are no longer needed: its chunk is reused once nothing else in it is live. */
  release(span: ArenaSpan): void {
    const chunk = span.chunk;
    if (chunk === undefined) return;
    span.chunk = undefined;
    if (--chunk.live > 0) return;
    if (chunk === this.#current)
      this.#pos = 0; // nothing in it is live: write from the start again
    else if (chunk.sealed) this.#recycle(chunk);
  }

  /** Give back the free chunks and stop writing to the current one (live spans keep theirs until released). */
  reset(): void {
    if (this.#current !== undefined) this.#current.sealed = true;
    this.#current = undefined;
    this.#pos = 0;
    for (const chunk of this.#free.splice(0)) freeNow(chunk.buf);
  }

  /** An empty sealed chunk: kept for reuse, or its memory given back. */
  #recycle(chunk: ArenaChunk): void {
    if (chunk.buf.length === this.#chunkSize && this.#free.length < this.#maxFree) {
      chunk.sealed = false;
      this.#free.push(chunk);
    } else {
      freeNow(chunk.buf);
    }
  }

  #next(): ArenaChunk {
    const old = this.#current;
    if (old !== undefined) {
      old.sealed = true;
      if (old.live === 0) this.#recycle(old);
    }
    let chunk = this.#free.pop();
    if (chunk === undefined) {
      chunk = { buf: Buffer.allocUnsafeSlow(this.#chunkSize), live: 0, sealed: false };
      this.#created++;
    }
    this.#current = chunk;
    this.#pos = 0;
    return chunk;
  }
}

/**
 * Frees a buffer's memory now, if it owns it alone (never a slice of Node's shared Buffer pool). Left to the garbage
 * collector, dropped chunks and bodies (old objects by then) waited for the next full collection, and after a
 * backlog that was tens of MB of resident memory for nothing.
 */
function freeNow(buf: Buffer): void {
  const buffer: ArrayBufferLike = buf.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return;
  if (buf.byteOffset !== 0 || buf.length !== buffer.byteLength) return;
  buffer.transfer(0); // ES2024: detaching the ArrayBuffer frees its memory
}

/**
 * Request bodies of an exporter whose `push` is done with its body once it resolves (`ExporterSpec.reuseBodies`):
 * up to `max` buffers are handed out again to later batches, the others are freed as soon as their request is
 * over. Left to the garbage collector, a body outlives the request round trip, is old by then, and waits for the
 * next full collection: under a sustained load that was 10 to 15 MB of finished bodies held at once.
 */
export class BodyPool {
  readonly #free: Buffer[] = [];
  readonly #max: number;
  readonly #maxKeep: number;

  /** `max` bodies kept for reuse (one per request in flight), none larger than `maxKeepBytes`. */
  constructor(max: number, maxKeepBytes = 1024 * 1024) {
    this.#max = max;
    this.#maxKeep = maxKeepBytes;
  }

  /** Bytes held for reuse (for tests and diagnostics). */
  get freeBytes(): number {
    return this.#free.reduce((sum, b) => sum + b.length, 0);
  }

  /** A buffer of at least `size` bytes, the caller's alone until it is given back. */
  take(size: number): Buffer {
    const i = this.#free.findIndex((b) => b.length >= size);
    const reused = i < 0 ? undefined : this.#free.splice(i, 1)[0];
    if (reused !== undefined) return reused;
    // Rounded up, so that a slightly larger batch next time fits too.
    return Buffer.allocUnsafeSlow(Math.ceil(Math.max(size, 1) / 65536) * 65536);
  }

  /** The request that used `buf` is over: keep it for reuse (in place of a smaller one) or free it now. */
  give(buf: Buffer): void {
    let dropped = buf;
    if (buf.length <= this.#maxKeep) {
      this.#free.push(buf);
      if (this.#free.length <= this.#max) return;
      this.#free.sort((x, y) => y.length - x.length); // one too many: the smallest goes
      dropped = this.#free.pop() ?? buf;
    }
    freeNow(dropped);
  }
}
