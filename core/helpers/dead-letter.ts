// Dead-letter files: NDJSON, one line per record that could not be delivered, replayable with
// `dtcol dlq replay`. Written (and fsynced) before the records leave the queue, so nothing is lost between.
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogRecord } from '../consumer.js';
import { fromStoredRecord, toStoredRecord, type StoredRecord } from '../records.js';

/** One dead-letter line. */
export interface DeadLetterEntry {
  /** When it was written (ISO 8601). */
  time: string;
  /** The component that gave up on it. */
  component: string;
  /** Why, in one sentence (server message included when there was one; never secrets). */
  reason: string;
  /** HTTP status or protocol code, when there was one. */
  status?: number;
  /** How many delivery attempts were made. */
  attempts: number;
  /** The record (for malformed input: a record whose body holds the raw text). */
  record: StoredRecord;
}

/** The NDJSON lines for `records`, one entry each, sharing one time, reason and details. */
function entryLines(
  component: string,
  records: readonly LogRecord[],
  reason: string,
  details: { status?: number; attempts?: number },
): string {
  const time = new Date().toISOString();
  let text = '';
  for (const record of records) {
    const entry: DeadLetterEntry = {
      time,
      component,
      reason,
      ...(details.status !== undefined && { status: details.status }),
      attempts: details.attempts ?? 0,
      record: toStoredRecord(record),
    };
    text += `${JSON.stringify(entry)}\n`;
  }
  return text;
}

/** Default dead-letter file of a component inside the data directory. */
export function defaultDeadLetterPath(dataDir: string, componentId: string): string {
  return join(dataDir, 'dead-letter', `${componentId.replace(/[^A-Za-z0-9_.-]/g, '_')}.ndjson`);
}

/** Appends entries to one dead-letter file. */
export class DeadLetterFile {
  readonly path: string;
  readonly #component: string;

  constructor(path: string, component: string) {
    this.path = path;
    this.#component = component;
  }

  /** Append records with one reason; synchronous and fsynced so callers can acknowledge right after. */
  write(
    records: readonly LogRecord[],
    reason: string,
    details: { status?: number; attempts?: number } = {},
  ): void {
    if (records.length === 0) return;
    const text = entryLines(this.#component, records, reason, details);
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Asynchronous, group-committed appends for the exporters' hot paths: concurrent appends are written together
 * with one write and one fsync on the thread pool, so a dead-lettering exporter never blocks the event loop
 * (and with it the other exporters). Each promise resolves only once its lines are on disk.
 */
export class DeadLetterWriter {
  readonly #file: DeadLetterFile;
  readonly #component: string;
  #pending: { text: string; resolve: () => void; reject: (err: Error) => void }[] = [];
  #flushing: Promise<void> | undefined;

  constructor(file: DeadLetterFile, component: string) {
    this.#file = file;
    this.#component = component;
  }

  get path(): string {
    return this.#file.path;
  }

  append(
    records: readonly LogRecord[],
    reason: string,
    details: { status?: number; attempts?: number } = {},
  ): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const text = entryLines(this.#component, records, reason, details);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ text, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Resolves when everything appended so far is on disk (or failed). */
  async idle(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #flush(): Promise<void> {
    const { mkdir, open } = await import('node:fs/promises');
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        await mkdir(dirname(this.#file.path), { recursive: true });
        const handle = await open(this.#file.path, 'a');
        try {
          await handle.writeFile(batch.map((b) => b.text).join(''));
          await handle.sync();
        } finally {
          await handle.close();
        }
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.#flushing = undefined;
  }
}

/** Read a dead-letter file: the records, plus the lines that could not be read (by line number). */
export function readDeadLetterFile(path: string): {
  entries: DeadLetterEntry[];
  records: LogRecord[];
  badLines: number[];
} {
  const entries: DeadLetterEntry[] = [];
  const records: LogRecord[] = [];
  const badLines: number[] = [];
  if (!existsSync(path)) return { entries, records, badLines };
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const entry = JSON.parse(line) as DeadLetterEntry;
      entries.push(entry);
      records.push(fromStoredRecord(entry.record));
    } catch {
      badLines.push(i + 1);
    }
  });
  return { entries, records, badLines };
}
