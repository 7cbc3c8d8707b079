#!/usr/bin/env node
// Compiles the product's TypeScript to JavaScript in dist/ (one .js per .ts, types stripped, nothing bundled;
// other files copied), so that `dtcol` runs without a TypeScript loader in the process: less memory and a faster
// start. Runs on `npm ci` (prepare) and before start, test and bench; does nothing when dist/ is up to date
// (`--force` rebuilds). The launcher falls back to the sources under tsx while dist/ is stale, so an edit is
// never run from an old build.
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { distDir, packageRoot, sourceFiles, staleReason, stampFile } from './compiled.js';

/** How the product is compiled (the end-to-end bench compiles its minimal program with the same). */
export const compileOptions = { format: 'esm', platform: 'node', target: 'node22', logLevel: 'silent' };

/** Build dist/ under `root` if it is stale (or always with `force`). Returns what was done. */
export async function buildDist(root = packageRoot, { force = false } = {}) {
  const reason = force ? 'forced' : staleReason(root);
  if (reason === undefined) return { built: false };
  const files = sourceFiles(root);
  // Built beside dist/ and swapped in whole, so a process starting meanwhile never sees half a build.
  const tmp = join(root, `${distDir}.tmp-${String(process.pid)}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const ts = files.filter((f) => f.endsWith('.ts'));
    await build({
      absWorkingDir: root,
      entryPoints: ts,
      outdir: tmp,
      outbase: '.',
      bundle: false,
      ...compileOptions,
    });
    for (const f of files.filter((f) => !f.endsWith('.ts'))) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      copyFileSync(join(root, f), join(tmp, f));
    }
    writeFileSync(join(tmp, stampFile), `${JSON.stringify({ files }, null, 1)}\n`);
    const old = join(root, `${distDir}.old-${String(process.pid)}`);
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(join(root, distDir), old);
    } catch {
      // No previous build.
    }
    renameSync(tmp, join(root, distDir));
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { built: true, reason, files: files.length };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = await buildDist(packageRoot, { force: process.argv.includes('--force') });
    if (result.built && !process.argv.includes('--quiet'))
      process.stderr.write(
        `dtcol: compiled ${String(result.files)} files to ${distDir}/ (${result.reason})\n`,
      );
  } catch (err) {
    // Not fatal (nor for `npm ci`): dtcol runs from the TypeScript sources until a build succeeds.
    process.stderr.write(
      `dtcol: could not compile to ${distDir}/, running from the TypeScript sources: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
}
