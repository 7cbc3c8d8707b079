/** How a message was delimited on the wire. */
export type Framing = 'newline' | 'octet-counting' | 'datagram';

/** A message longer than `maxMessageSize`, skipped without buffering it. */
export interface OversizeEvent {
  readonly framing: Framing;
  /** Declared length (octet counting) or observed length without the line terminator. */
  readonly length: number;
  /** The first bytes of the message, at most `oversizeHeadBytes`. */
  readonly head: Buffer;
  /** False when the connection ended before the declared length arrived. */
  readonly complete: boolean;
}

/** Options for {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest message accepted, in bytes. Defaults to {@link defaultMaxMessageSize}. */
  readonly maxMessageSize?: number;
  /** Receives each complete message. The buffer may share memory with a pushed chunk. */
  readonly onFrame: (frame: Buffer, framing: Framing) => void;
  /** Receives each skipped oversize message, once it has been skipped. */
  readonly onOversize?: (event: OversizeEvent) => void;
}

/** Default message size limit (Elastic uses 50 KiB; Darktrace breaches reach ~8.5 KB). */
export const defaultMaxMessageSize = 64 * 1024;

/** How many leading bytes of an oversize message are kept for diagnosis. */
export const oversizeHeadBytes = 1024;

// A 10-digit count is ~10 GB: far beyond any alert, so treat it as garbage, not as a length.
const maxCountDigits = 9;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;

const sStart = 0;
const sLine = 1;
const sCount = 2;
const sCountPeek = 3;
const sOctets = 4;
const sSkipLine = 5;
const sSkipOctets = 6;

const noop = (): void => undefined;

/**
 * Streaming TCP frame decoder. Framing is chosen per message from its first byte: a digit starts
 * RFC 6587 octet counting (`LEN SP MSG`), anything else is LF-terminated (a trailing CR is removed).
 * Memory per connection stays below `maxMessageSize` plus a small constant.
 */
export class FrameDecoder {
  readonly #max: number;
  readonly #onFrame: (frame: Buffer, framing: Framing) => void;
  readonly #onOversize: (event: OversizeEvent) => void;

  #state = sStart;
  // Newline mode: copies of the pieces of a line that straddles chunks.
  #parts: Buffer[] = [];
  #partsLen = 0;
  // Octet counting: the declared length, digits seen, and the body being filled.
  #count = 0;
  #digits = 0;
  #body: Buffer | undefined;
  #filled = 0;
  // Skipping an oversize message.
  #head: Buffer[] = [];
  #headLen = 0;
  #skipped = 0;
  #lastWasCR = false;

  constructor(options: FrameDecoderOptions) {
    const max = options.maxMessageSize ?? defaultMaxMessageSize;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxMessageSize must be a positive integer (got ${String(max)})`);
    }
    this.#max = max;
    this.#onFrame = options.onFrame;
    this.#onOversize = options.onOversize ?? noop;
  }

  /** Bytes currently held for an incomplete message (for tests and metrics). */
  get bufferedBytes(): number {
    return this.#partsLen + (this.#body === undefined ? 0 : this.#filled) + this.#headLen;
  }

  /** Feeds bytes from the connection; complete messages are delivered synchronously. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case sStart: {
          const b = chunk[i] ?? 0;
          if (b >= 0x30 && b <= 0x39) {
            this.#state = sCount;
            this.#count = 0;
            this.#digits = 0;
          } else {
            this.#state = sLine;
          }
          break;
        }
        case sLine: {
          const lf = chunk.indexOf(LF, i);
          if (lf === -1) {
            this.#appendLine(chunk, i, n);
            i = n;
          } else {
            this.#finishLine(chunk, i, lf);
            i = lf + 1;
          }
          break;
        }
        case sCount:
          i = this.#readCount(chunk, i);
          break;
        case sCountPeek: {
          // RFC 6587 frames hold a syslog message, which starts with `<PRI>`; we also accept bare
          // JSON or a letter (PRI-less header). Anything else (`1 2022-…`) is a digit-led line.
          const b = chunk[i] ?? 0;
          const letter = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
          if (b === 0x3c || b === 0x7b || letter) {
            this.#startOctets();
          } else {
            this.#fallBackToLine(true);
          }
          break;
        }
        case sOctets:
          i = this.#readOctets(chunk, i);
          break;
        case sSkipLine: {
          const lf = chunk.indexOf(LF, i);
          const end = lf === -1 ? n : lf;
          this.#keepHead(chunk, i, end);
          if (end > i) this.#lastWasCR = chunk[end - 1] === CR;
          this.#skipped += end - i;
          i = end;
          if (lf !== -1) {
            i++;
            this.#emitOversize('newline', this.#skipped - (this.#lastWasCR ? 1 : 0), true);
          }
          break;
        }
        case sSkipOctets: {
          const take = Math.min(n - i, this.#count - this.#skipped);
          this.#keepHead(chunk, i, i + take);
          this.#skipped += take;
          i += take;
          if (this.#skipped >= this.#count) this.#emitOversize('octet-counting', this.#count, true);
          break;
        }
      }
    }
  }

  /** Flushes what is left at end of stream: a final unterminated line, or a partial message. */
  end(): void {
    switch (this.#state) {
      case sLine:
        if (this.#partsLen > 0) this.#finishLine(Buffer.alloc(0), 0, 0);
        break;
      case sCount:
      case sCountPeek:
        this.#fallBackToLine(this.#state === sCountPeek);
        if (this.#partsLen > 0) this.#finishLine(Buffer.alloc(0), 0, 0);
        break;
      case sOctets:
        // Truncated by the peer: hand it on so the parser reports it rather than losing it silently.
        if (this.#body !== undefined && this.#filled > 0)
          this.#onFrame(this.#body.subarray(0, this.#filled), 'octet-counting');
        break;
      case sSkipLine:
        this.#emitOversize('newline', this.#skipped - (this.#lastWasCR ? 1 : 0), true);
        break;
      case sSkipOctets:
        this.#emitOversize('octet-counting', this.#count, false);
        break;
    }
    this.#reset();
  }

  #reset(): void {
    this.#state = sStart;
    this.#parts = [];
    this.#partsLen = 0;
    this.#body = undefined;
    this.#filled = 0;
    this.#head = [];
    this.#headLen = 0;
    this.#skipped = 0;
    this.#lastWasCR = false;
  }

  #appendLine(chunk: Buffer, from: number, to: number): void {
    const len = to - from;
    // +1 leaves room for a CR that the LF has not yet shown to be a terminator.
    if (this.#partsLen + len > this.#max + 1) {
      for (const part of this.#parts) this.#keepHead(part, 0, part.length);
      this.#keepHead(chunk, from, to);
      this.#skipped = this.#partsLen + len;
      this.#lastWasCR = chunk[to - 1] === CR;
      this.#parts = [];
      this.#partsLen = 0;
      this.#state = sSkipLine;
      return;
    }
    // Copy: a view would pin the whole socket chunk for a few bytes.
    this.#parts.push(Buffer.from(chunk.subarray(from, to)));
    this.#partsLen += len;
  }

  #finishLine(chunk: Buffer, from: number, lf: number): void {
    this.#state = sStart;
    let line: Buffer;
    if (this.#partsLen === 0) {
      line = chunk.subarray(from, lf);
    } else {
      const total = this.#partsLen + lf - from;
      if (total > this.#max + 1) {
        // Too long either way: report from the pieces instead of concatenating them.
        const last = lf > from ? chunk[lf - 1] : this.#parts[this.#parts.length - 1]?.at(-1);
        for (const part of this.#parts) this.#keepHead(part, 0, part.length);
        this.#keepHead(chunk, from, lf);
        this.#parts = [];
        this.#partsLen = 0;
        this.#emitOversize('newline', total - (last === CR ? 1 : 0), true);
        return;
      }
      this.#parts.push(chunk.subarray(from, lf));
      line = Buffer.concat(this.#parts, total);
      this.#parts = [];
      this.#partsLen = 0;
    }
    let len = line.length;
    if (len > 0 && line[len - 1] === CR) len--;
    if (len === 0) return; // blank keep-alive lines and stray LFs after octet frames
    if (len > this.#max) {
      const head = Buffer.from(line.subarray(0, Math.min(len, oversizeHeadBytes)));
      this.#onOversize({ framing: 'newline', length: len, head, complete: true });
      return;
    }
    this.#onFrame(len === line.length ? line : line.subarray(0, len), 'newline');
  }

  #readCount(chunk: Buffer, start: number): number {
    const n = chunk.length;
    let i = start;
    while (i < n) {
      const b = chunk[i] ?? 0;
      if (b >= 0x30 && b <= 0x39) {
        // RFC 6587: MSG-LEN = NONZERO-DIGIT *DIGIT.
        if ((b === 0x30 && this.#digits === 0) || this.#digits === maxCountDigits) {
          this.#fallBackToLine(false);
          return i;
        }
        this.#count = this.#count * 10 + (b - 0x30);
        this.#digits++;
        i++;
      } else if (b === SP) {
        this.#state = sCountPeek;
        return i + 1;
      } else {
        this.#fallBackToLine(false);
        return i;
      }
    }
    return i;
  }

  /** Not a valid count after all: the digits (and space) seen so far start a newline-framed line. */
  #fallBackToLine(withSpace: boolean): void {
    const prefix = Buffer.from(this.#digits > 0 ? `${this.#count}${withSpace ? ' ' : ''}` : '', 'latin1');
    this.#state = sLine;
    this.#digits = 0;
    if (prefix.length > 0) this.#appendLine(prefix, 0, prefix.length);
  }

  #startOctets(): void {
    this.#filled = 0;
    this.#body = undefined;
    this.#skipped = 0;
    this.#state = this.#count > this.#max ? sSkipOctets : sOctets;
  }

  #readOctets(chunk: Buffer, i: number): number {
    const len = this.#count;
    const avail = chunk.length - i;
    if (this.#body === undefined && avail >= len) {
      this.#state = sStart;
      this.#onFrame(chunk.subarray(i, i + len), 'octet-counting');
      return i + len;
    }
    this.#body ??= Buffer.allocUnsafe(len);
    const take = Math.min(avail, len - this.#filled);
    chunk.copy(this.#body, this.#filled, i, i + take);
    this.#filled += take;
    if (this.#filled === len) {
      const body = this.#body;
      this.#body = undefined;
      this.#filled = 0;
      this.#state = sStart;
      this.#onFrame(body, 'octet-counting');
    }
    return i + take;
  }

  #keepHead(buf: Buffer, from: number, to: number): void {
    const room = oversizeHeadBytes - this.#headLen;
    if (room <= 0 || to <= from) return;
    const piece = Buffer.from(buf.subarray(from, Math.min(to, from + room)));
    this.#head.push(piece);
    this.#headLen += piece.length;
  }

  #emitOversize(framing: Framing, length: number, complete: boolean): void {
    // The head of a short line may have picked up its CR; the length never counts it.
    const head = Buffer.concat(this.#head, Math.min(this.#headLen, length));
    this.#head = [];
    this.#headLen = 0;
    this.#skipped = 0;
    this.#lastWasCR = false;
    this.#state = sStart;
    this.#onOversize({ framing, length, head, complete });
  }
}

/** Outcome of {@link decodeDatagram}. */
export type DatagramResult =
  | { readonly kind: 'frame'; readonly frame: Buffer }
  | { readonly kind: 'oversize'; readonly event: OversizeEvent }
  | { readonly kind: 'empty' };

/** UDP: one datagram is one message. Trailing CR/LF (and NUL padding) are removed. */
export function decodeDatagram(datagram: Buffer, maxMessageSize = defaultMaxMessageSize): DatagramResult {
  let len = datagram.length;
  while (len > 0) {
    const b = datagram[len - 1];
    if (b !== LF && b !== CR && b !== 0) break;
    len--;
  }
  if (len === 0) return { kind: 'empty' };
  if (len > maxMessageSize) {
    const head = Buffer.from(datagram.subarray(0, Math.min(len, oversizeHeadBytes)));
    return { kind: 'oversize', event: { framing: 'datagram', length: len, head, complete: true } };
  }
  return { kind: 'frame', frame: len === datagram.length ? datagram : datagram.subarray(0, len) };
}
