// Loading plugins listed in pipelines.yaml: resolve relative to that file, import, check the manifest.
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { resolve as resolveSpecifier } from 'import-meta-resolve';
import semver from 'semver';
import { runningCompiled } from '../compiled.js';
import { PluginLoadError, errorMessage } from '../errors.js';
import { API_VERSION, isPluginManifest, type PluginManifest } from '../plugin.js';
import type { Registry } from '../registry.js';

/** A plugin that loaded. */
export interface LoadedPlugin {
  specifier: string;
  file: string;
  manifest: PluginManifest;
}

/** Resolve a `plugins:` entry against the configuration file. */
export function resolvePlugin(specifier: string, configFile: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  return resolveSpecifier(specifier, pathToFileURL(configFile).href);
}

let tsx: Promise<void> | undefined;

/**
 * Running from the compiled JavaScript (dist/) there is no TypeScript loader in the process: a plugin written in
 * TypeScript gets tsx, registered once, on first use. Under tsx or vitest this module is itself TypeScript and
 * there is nothing to do.
 */
function typeScriptLoader(url: string): Promise<void> {
  if (!/\.[cm]?ts$/.test(url) || !runningCompiled) return Promise.resolve();
  tsx ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return tsx;
}

/** Import one plugin and add its factories to `registry`. Throws PluginLoadError with a code. */
export async function loadPlugin(
  specifier: string,
  configFile: string,
  registry: Registry,
): Promise<LoadedPlugin> {
  let url: string;
  try {
    url = resolvePlugin(specifier, configFile);
  } catch (err) {
    // `plugins/x.ts` is a package name to Node; users usually mean a file next to the config.
    const hint = /^[^./][^:]*\.[cm]?[jt]s$/.test(specifier) ? ` (for a file, write "./${specifier}")` : '';
    throw new PluginLoadError(
      'ERR_PLUGIN_NOT_FOUND',
      `plugin "${specifier}" could not be resolved from ${configFile}: ${errorMessage(err)}${hint}`,
      specifier,
      undefined,
      { cause: err },
    );
  }
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  // Resolution does not check that a relative file exists. Checking here keeps "not found" apart from a
  // plugin whose own imports fail (that is an import error of the plugin, not a missing plugin).
  if (url.startsWith('file:') && !existsSync(file)) {
    throw new PluginLoadError(
      'ERR_PLUGIN_NOT_FOUND',
      `plugin "${specifier}" not found (looked for ${file})`,
      specifier,
      file,
    );
  }
  let mod: unknown;
  try {
    await typeScriptLoader(url);
    mod = await import(url);
  } catch (err) {
    throw new PluginLoadError(
      'ERR_PLUGIN_IMPORT',
      `plugin "${specifier}" (${file}) threw while loading: ${errorMessage(err)}`,
      specifier,
      file,
      { cause: err },
    );
  }
  let manifest = (mod as { default?: unknown }).default;
  // A CommonJS or transpiled module may wrap the default export once more.
  if (
    !isPluginManifest(manifest) &&
    typeof manifest === 'object' &&
    manifest !== null &&
    'default' in manifest
  ) {
    manifest = manifest.default;
  }
  if (!isPluginManifest(manifest)) {
    throw new PluginLoadError(
      'ERR_PLUGIN_SHAPE',
      `plugin "${specifier}" (${file}) must default-export definePlugin({ name, apiVersion, factories })`,
      specifier,
      file,
    );
  }
  if (
    semver.validRange(manifest.apiVersion) === null ||
    !semver.satisfies(API_VERSION, manifest.apiVersion)
  ) {
    const wanted =
      semver.validRange(manifest.apiVersion) === null
        ? `has apiVersion "${manifest.apiVersion}", which is not a semver range such as "^1.0.0"`
        : `needs plugin API ${manifest.apiVersion}, but this dtcol provides ${API_VERSION}`;
    throw new PluginLoadError(
      'ERR_PLUGIN_API_VERSION',
      `plugin "${specifier}" (${file}) ${wanted}`,
      specifier,
      file,
    );
  }
  // Check every factory before adding any, so a rejected plugin leaves no types behind.
  const source = { origin: 'plugin', plugin: manifest.name, file } as const;
  const staged = registry.clone();
  for (const factory of manifest.factories) {
    const clash = staged.add(factory, source);
    if (clash !== undefined) {
      const other =
        clash.source.origin === 'built-in'
          ? 'a built-in type'
          : `plugin "${clash.source.plugin ?? ''}" (${clash.source.file ?? ''})`;
      throw new PluginLoadError(
        'ERR_PLUGIN_DUPLICATE_TYPE',
        `plugin "${specifier}" (${file}) defines ${factory.kind} type "${factory.type}", already defined by ${other}`,
        specifier,
        file,
      );
    }
  }
  for (const factory of manifest.factories) registry.add(factory, source);
  return { specifier, file, manifest };
}
