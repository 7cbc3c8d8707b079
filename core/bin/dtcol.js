#!/usr/bin/env node
// Runs the CLI from the compiled JavaScript in dist/ when it is up to date with the sources (build.js makes it on
// `npm ci`, `npm start`, `npm test`), else from the TypeScript sources through tsx, so `npx dtcol …` always runs
// the code as it is now. DTCOL_FROM_SOURCE=1 forces the sources.
//
// `dtcol run` is a long-running service that allocates fast and keeps little: V8's defaults (a 64 MB young
// generation, an old generation allowed to grow to several times what is live) add about a third to its resident
// memory under load for no gain. So `run` restarts itself once, in place (process.execve: same PID, nothing
// spawned), with the flags below, unless the user chose their own (README "Memory").
import { registerHooks } from 'node:module';
import { compiledCli } from './compiled.js';

/**
 * V8 flags for `dtcol run`: DTCOL_V8_FLAGS replaces them ("" for V8's defaults). On V8 13 (Node 24) also
 * --external-memory-accounted-in-global-limit: memory outside the heap (request bodies in flight) counts towards
 * the limit that starts a full collection, instead of piling up for tens of MB before one. Later V8s do this by
 * default and drop the flag, and an unknown flag would stop Node from starting: so only on the V8 it was tried on.
 */
const v8Major = Number(process.versions.v8.split('.')[0]);
const defaultFlags = [
  '--max-semi-space-size=8',
  '--heap-growing-percent=75',
  ...(v8Major === 13 ? ['--external-memory-accounted-in-global-limit'] : []),
];

/**
 * glibc malloc settings for `dtcol run` (no effect with other C libraries); a value already in the environment wins.
 * - MALLOC_ARENA_MAX: glibc gives each thread that allocates its own arena; two are plenty for one event loop and its
 *   helper threads, and keep freed memory from being stranded.
 * - MALLOC_MMAP_THRESHOLD_: blocks of 128 KiB and more (request bodies, socket buffers) get their own mapping, returned
 *   to the system when freed. By default glibc raises this threshold each time such a block is freed, after which
 *   large blocks come from the arenas and their memory stays resident: peaks 20–30 MB higher in some benchmark rounds.
 */
const mallocDefaults = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

function tuneAndRestart() {
  if (process.argv[2] !== 'run' || process.env.DTCOL_V8_TUNED === '1') return;
  if (typeof process.execve !== 'function' || process.platform === 'win32') return;
  const wanted = (process.env.DTCOL_V8_FLAGS ?? defaultFlags.join(' ')).split(/\s+/).filter((f) => f !== '');
  // A flag the user already gave (on the command line or in NODE_OPTIONS) wins over ours.
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  const add = wanted.filter((f) => !given.includes(f.split('=')[0]));
  const mallocUnset = Object.keys(mallocDefaults).some((k) => process.env[k] === undefined);
  if (add.length === 0 && !mallocUnset) return;
  process.execve(
    process.execPath,
    [process.execPath, ...add, ...process.execArgv, ...process.argv.slice(1)],
    { ...mallocDefaults, ...process.env, DTCOL_V8_TUNED: '1' },
  );
}

tuneAndRestart();
const compiled = process.env.DTCOL_FROM_SOURCE === '1' ? undefined : compiledCli();
if (compiled !== undefined) {
  // Plugins import `darktrace-collector`: they must get these same compiled modules (one copy of each class and
  // registry), not the TypeScript sources the package exports by default.
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'darktrace-collector' || specifier.startsWith('darktrace-collector/')
        ? next(specifier, { ...context, conditions: [...context.conditions, 'dtcol-compiled'] })
        : next(specifier, context),
  });
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli.ts');
}
