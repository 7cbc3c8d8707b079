import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CursorStore,
  cursorFilePath,
  writeFileAtomic,
} from '../../../receivers/darktrace-rest/cursor-store.js';
import { createCursor, type CursorState } from '../../../receivers/darktrace-rest/window.js';

const T = Date.UTC(2024, 4, 1, 12, 0, 0);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dtcol-cursor-'));
}

function store(dir: string, id = 'darktrace-rest'): CursorStore {
  return new CursorStore(cursorFilePath(dir, id), { receiverId: id, appliance: 'dt.example.com' });
}

describe('cursorFilePath', () => {
  it('names one file per receiver id under cursors/', () => {
    expect(cursorFilePath('/data', 'darktrace-rest')).toBe('/data/cursors/darktrace-rest.json');
    expect(cursorFilePath('/data', 'darktrace-rest/eu-1')).toBe('/data/cursors/darktrace-rest_eu-1.json');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temporary file behind', async () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'state.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('rejects and cleans up when the target cannot be replaced', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    mkdirSync(join(file, 'in-the-way'), { recursive: true });
    await expect(writeFileAtomic(file, 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});

describe('CursorStore', () => {
  it('loads nothing on a first start', async () => {
    expect(await store(tempDir()).load()).toEqual({ states: {}, problems: [] });
  });

  it('saves the feeds into one file and loads them back', async () => {
    const dir = tempDir();
    const s = store(dir);
    const breaches: CursorState = { ...createCursor('model_breach', T), seen: [['5@1', 'abc', T]] };
    const events = createCursor('ai_analyst', T + 1);
    await Promise.all([s.save(breaches), s.save(events)]);
    const loaded = await store(dir).load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.states).toEqual({ model_breach: breaches, ai_analyst: events });
    const doc = JSON.parse(readFileSync(s.path, 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({ version: 1, receiver: 'darktrace-rest', appliance: 'dt.example.com' });
  });

  it('ends with the latest state when saves overlap', async () => {
    const dir = tempDir();
    const s = store(dir);
    const saves = [1, 2, 3, 4, 5].map((n) => s.save({ ...createCursor('model_breach', T), cursor: T + n }));
    await Promise.all(saves);
    expect((await store(dir).load()).states.model_breach?.cursor).toBe(T + 5);
  });

  it('keeps the cursor of a feed this run does not poll', async () => {
    const dir = tempDir();
    await store(dir).save(createCursor('ai_analyst', T));
    const second = store(dir);
    await second.load();
    await second.save(createCursor('model_breach', T + 7));
    const loaded = await store(dir).load();
    expect(loaded.states.ai_analyst?.cursor).toBe(createCursor('ai_analyst', T).cursor);
    expect(loaded.states.model_breach?.cursor).toBe(createCursor('model_breach', T + 7).cursor);
  });

  it('removes temporary files a crash left behind, and only its own', async () => {
    const dir = tempDir();
    const s = store(dir);
    mkdirSync(join(dir, 'cursors'));
    writeFileSync(join(dir, 'cursors', '.darktrace-rest.json.0123abcd.tmp'), '{"half":');
    writeFileSync(join(dir, 'cursors', '.darktrace-rest_eu.json.0123abcd.tmp'), '{"other":');
    await s.load();
    expect(readdirSync(join(dir, 'cursors'))).toEqual(['.darktrace-rest_eu.json.0123abcd.tmp']);
  });

  it('moves an unreadable file aside and reports it', async () => {
    const dir = tempDir();
    const s = store(dir);
    mkdirSync(join(dir, 'cursors'));
    writeFileSync(s.path, 'not json');
    const loaded = await s.load();
    expect(loaded.states).toEqual({});
    expect(loaded.problems[0]).toMatch(/not a cursor file of version 1/);
    expect(loaded.movedTo).toMatch(/darktrace-rest\.json\.corrupt-\d+$/);
    expect(readFileSync(loaded.movedTo!, 'utf8')).toBe('not json');
  });

  it('drops only the feed whose entry cannot be decoded', async () => {
    const dir = tempDir();
    const s = store(dir);
    await s.save(createCursor('model_breach', T));
    const doc = JSON.parse(readFileSync(s.path, 'utf8')) as { feeds: Record<string, unknown> };
    doc.feeds['ai_analyst'] = { version: 1, kind: 'ai_analyst', cursor: 'soon', seen: [] };
    writeFileSync(s.path, JSON.stringify(doc));
    const loaded = await store(dir).load();
    expect(Object.keys(loaded.states)).toEqual(['model_breach']);
    expect(loaded.problems).toEqual([expect.stringMatching(/^ai_analyst: .*numeric "cursor"/)]);
  });
});
