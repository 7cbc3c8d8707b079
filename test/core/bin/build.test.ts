// dist/: what build.js compiles and copies, and when the launcher may use it (compiled.js).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDist } from '../../../core/bin/build.js';
import { compiledCli, sourceFiles, staleReason } from '../../../core/bin/compiled.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A small package tree: a CLI, a component with a data file, a test, and a stray folder that is not source. */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'dtcol-build-'));
  roots.push(root);
  const files: Record<string, string> = {
    'core/cli.ts': "import { kind } from '../receivers/x/kind.js';\nexport const cli: string = kind;\n",
    'core/bin/dtcol.js': 'launcher, never compiled\n',
    'receivers/x/kind.ts': "export type Kind = 'a' | 'b';\nexport const kind: Kind = 'a';\n",
    'receivers/x/samples.json': '[1, 2]\n',
    'receivers/x/kind.test.ts': 'not part of the product\n',
    'examples/e.ts': 'not part of the product\n',
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
    // Written a minute ago: an edit made now is newer than any build made since.
    const before = new Date(Date.now() - 60_000);
    utimesSync(join(root, f), before, before);
  }
  return root;
}

/** Make the build look 10 s old, so that a file written now is newer than it, as an edit after a build is. */
function ageBuild(root: string): void {
  const earlier = new Date(Date.now() - 10_000);
  utimesSync(join(root, 'dist/.build.json'), earlier, earlier);
}

describe('dist/ (core/bin/build.js)', () => {
  it('compiles every product .ts to runnable JavaScript and copies the other files', async () => {
    const root = tree();
    expect(sourceFiles(root)).toEqual(['core/cli.ts', 'receivers/x/kind.ts', 'receivers/x/samples.json']);
    expect(staleReason(root)).toBe('not built');
    expect(compiledCli(root)).toBeUndefined();

    expect(await buildDist(root)).toEqual({ built: true, reason: 'not built', files: 3 });
    const cli = compiledCli(root);
    expect(cli).toBe(pathToFileURL(join(root, 'dist/core/cli.js')).href);
    const mod = (await import(cli ?? '')) as { cli: string };
    expect(mod.cli).toBe('a');
    expect(readFileSync(join(root, 'dist/receivers/x/kind.js'), 'utf8')).not.toContain('Kind');
    expect(readFileSync(join(root, 'dist/receivers/x/samples.json'), 'utf8')).toBe('[1, 2]\n');
    for (const absent of ['dist/receivers/x/kind.test.js', 'dist/core/bin/dtcol.js', 'dist/examples/e.js'])
      expect(existsSync(join(root, absent)), absent).toBe(false);
    // Up to date: nothing to do.
    expect(await buildDist(root)).toEqual({ built: false });
  });

  it('is stale after a source changes, or a file is added, removed or renamed, until rebuilt', async () => {
    const root = tree();
    await buildDist(root);
    expect(staleReason(root)).toBeUndefined();

    ageBuild(root);
    writeFileSync(join(root, 'receivers/x/kind.ts'), "export const kind = 'b';\n");
    expect(staleReason(root)).toBe('receivers/x/kind.ts changed since the build');
    expect(compiledCli(root)).toBeUndefined();
    await buildDist(root);
    expect(staleReason(root)).toBeUndefined();
    expect(readFileSync(join(root, 'dist/receivers/x/kind.js'), 'utf8')).toContain('"b"');

    writeFileSync(join(root, 'core/extra.ts'), 'export {};\n');
    utimesSync(join(root, 'core/extra.ts'), new Date(0), new Date(0));
    expect(staleReason(root)).toBe('source files added or removed');
    await buildDist(root);
    expect(existsSync(join(root, 'dist/core/extra.js'))).toBe(true);

    // A rename keeps the mtime: only the file list shows it.
    renameSync(join(root, 'core/extra.ts'), join(root, 'core/renamed.ts'));
    expect(staleReason(root)).toBe('source files added or removed');
    rmSync(join(root, 'core/renamed.ts'));
    expect(staleReason(root)).toBe('source files added or removed');
    await buildDist(root);
    expect(staleReason(root)).toBeUndefined();
    expect(existsSync(join(root, 'dist/core/extra.js'))).toBe(false);
  });

  it('leaves the previous build in place when compiling fails', async () => {
    const root = tree();
    await buildDist(root);
    writeFileSync(join(root, 'core/broken.ts'), 'export const = ;\n');
    await expect(buildDist(root)).rejects.toThrow();
    expect(existsSync(join(root, 'dist/core/cli.js'))).toBe(true);
    expect(staleReason(root)).toBe('source files added or removed');
    expect(compiledCli(root)).toBeUndefined();
    expect(existsSync(join(root, 'dist.tmp-' + String(process.pid)))).toBe(false);
  });
});
