// Where the compiled JavaScript lives (dist/, built by build.js) and whether it is up to date with the
// TypeScript sources. Plain JavaScript with no dependencies: the launcher reads it before anything else.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root (this file is core/bin/compiled.js). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The folders whose files make up the product (tests and examples stay TypeScript, run by tsx or vitest). */
export const sourceDirs = ['core', 'receivers', 'processors', 'exporters'];

/** Output folder, and the file build.js writes last (its mtime and file list are what freshness is judged by). */
export const distDir = 'dist';
export const stampFile = '.build.json';

/** Source files under `root`, relative with `/`, sorted: everything but tests, declaration files, node_modules and core/bin. */
export function sourceFiles(root = packageRoot) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        // core/bin holds these launcher scripts: they run as they are and are never compiled.
        if (entry.name !== 'node_modules' && path !== join(root, 'core', 'bin')) walk(path);
      } else if (entry.isFile() && !/\.(test|d)\.ts$/.test(entry.name)) {
        out.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  for (const dir of sourceDirs) {
    try {
      walk(join(root, dir));
    } catch {
      // A folder that does not exist has no sources.
    }
  }
  return out.sort();
}

/**
 * Why dist/ cannot be used as it is (missing, or older than a source, or built from another set of files), or
 * undefined when it is up to date.
 */
export function staleReason(root = packageRoot) {
  let stamp;
  try {
    const file = join(root, distDir, stampFile);
    stamp = { mtimeMs: statSync(file).mtimeMs, ...JSON.parse(readFileSync(file, 'utf8')) };
  } catch {
    return 'not built';
  }
  const files = sourceFiles(root);
  if (!Array.isArray(stamp.files) || stamp.files.join('\n') !== files.join('\n'))
    return 'source files added or removed';
  for (const file of [...files, 'core/bin/build.js']) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(root, file)).mtimeMs;
    } catch {
      continue;
    }
    if (mtimeMs > stamp.mtimeMs) return `${file} changed since the build`;
  }
  return undefined;
}

/** URL of the compiled CLI when dist/ is up to date, else undefined. */
export function compiledCli(root = packageRoot) {
  return staleReason(root) === undefined ? pathToFileURL(join(root, distDir, 'core/cli.js')).href : undefined;
}
