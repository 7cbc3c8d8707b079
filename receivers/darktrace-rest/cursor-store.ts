import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DarktraceCursorError } from './errors.js';
import type { AlertKind } from './normalise.js';
import { CURSOR_VERSION, decodeCursor, encodeCursor, type CursorState } from './window.js';

/** The cursors of one receiver, per feed. */
export type CursorStates = Partial<Record<AlertKind, CursorState>>;

/** What {@link CursorStore.load} found. */
export interface LoadedCursors {
  readonly states: CursorStates;
  /** Why (part of) the file could not be used; the feeds concerned start afresh. */
  readonly problems: readonly string[];
  /** Where an unreadable file was moved, so nobody loses it silently. */
  readonly movedTo?: string;
}

/** `<data_dir>/cursors/<id>.json`; the `/` of `type/name` becomes `_` (types cannot contain `_`). */
export function cursorFilePath(dataDir: string, receiverId: string): string {
  return join(dataDir, 'cursors', `${receiverId.replace(/\//g, '_')}.json`);
}

/** Temporary files of `file` start with this, so a crash's leftovers can be found and removed. */
function tempPrefix(file: string): string {
  return `.${basename(file)}.`;
}

/** Removes temporary files a crash left behind while writing `file`; only its own writer may call it. */
export async function removeStaleTemps(file: string): Promise<void> {
  const dir = dirname(file);
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
      .map((n) => rm(join(dir, n), { force: true })),
  );
}

/**
 * Replaces `file` with `text` so that a crash at any moment leaves either the old or the new content:
 * write a temporary file in the same directory, fsync it, rename it over the target, fsync the
 * directory (the rename itself must survive a power loss).
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${tempPrefix(file)}${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Directories cannot be opened for fsync on every platform (Windows); the rename is still atomic.
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The persisted polling state of one receiver: one JSON file holding the cursor of each feed. Saves
 * are serialised and atomic; feeds not touched in this run (a feed switched off) keep their state.
 */
export class CursorStore {
  readonly path: string;
  readonly #receiverId: string;
  readonly #appliance: string;
  #states: CursorStates = {};
  #writing: Promise<void> = Promise.resolve();

  constructor(file: string, meta: { receiverId: string; appliance: string }) {
    this.path = file;
    this.#receiverId = meta.receiverId;
    this.#appliance = meta.appliance;
  }

  /**
   * Reads the file. A missing file is a first start. A file that cannot be read as a whole is moved
   * aside (`.corrupt-<time>`) and every feed starts afresh; a feed entry that cannot be decoded
   * starts that feed afresh. Both are reported in `problems`, never thrown.
   */
  async load(): Promise<LoadedCursors> {
    await removeStaleTemps(this.path);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { states: {}, problems: [] };
      return { states: {}, problems: [`cannot read ${this.path}: ${(err as Error).message}`] };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!isRecord(value) || value['version'] !== CURSOR_VERSION || !isRecord(value['feeds'])) {
      const movedTo = `${this.path}.corrupt-${Date.now()}`;
      await rename(this.path, movedTo).catch(() => undefined);
      return {
        states: {},
        problems: [`${this.path} is not a cursor file of version ${CURSOR_VERSION}`],
        movedTo,
      };
    }
    const problems: string[] = [];
    const states: CursorStates = {};
    for (const kind of ['model_breach', 'ai_analyst'] as const) {
      const entry = value['feeds'][kind];
      if (entry === undefined) continue;
      try {
        states[kind] = decodeCursor(JSON.stringify(entry), kind);
      } catch (err) {
        if (!(err instanceof DarktraceCursorError)) throw err;
        problems.push(`${kind}: ${err.message}`);
      }
    }
    this.#states = { ...states };
    return { states, problems };
  }

  /** The last state saved (or loaded) per feed. */
  get states(): CursorStates {
    return { ...this.#states };
  }

  /**
   * Records `state` for its feed and writes the whole file. Resolves once this state (or a later
   * one) is on disk; rejects when the write failed (the previous file is then intact).
   */
  save(state: CursorState): Promise<void> {
    this.#states = { ...this.#states, [state.kind]: state };
    const snapshot = this.#states;
    // Chained so two feeds never write at once and the file always ends with the latest snapshot.
    const write = this.#writing.catch(() => undefined).then(() => this.#write(snapshot));
    this.#writing = write;
    return write;
  }

  async #write(states: CursorStates): Promise<void> {
    const feeds: Record<string, unknown> = {};
    for (const [kind, state] of Object.entries(states)) feeds[kind] = JSON.parse(encodeCursor(state));
    const doc = {
      version: CURSOR_VERSION,
      receiver: this.#receiverId,
      appliance: this.#appliance,
      saved_at: new Date().toISOString(),
      feeds,
    };
    await writeFileAtomic(this.path, `${JSON.stringify(doc)}\n`);
  }
}
