// Loading plugins listed in pipelines.yaml: resolve relative to that file, import, check the manifest.
import { isAbsolute } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { resolve as resolveSpecifier } from 'import-meta-resolve';
import semver from 'semver';
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
    throw new PluginLoadError(
      'ERR_PLUGIN_NOT_FOUND',
      `plugin "${specifier}" could not be resolved from ${configFile}: ${errorMessage(err)}`,
      specifier,
      undefined,
      { cause: err },
    );
  }
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  let mod: unknown;
  try {
    mod = await import(url);
  } catch (err) {
    const notFound = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    throw new PluginLoadError(
      notFound ? 'ERR_PLUGIN_NOT_FOUND' : 'ERR_PLUGIN_IMPORT',
      notFound
        ? `plugin "${specifier}" not found (looked for ${file})`
        : `plugin "${specifier}" (${file}) threw while loading: ${errorMessage(err)}`,
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
    throw new PluginLoadError(
      'ERR_PLUGIN_API_VERSION',
      `plugin "${manifest.name}" (${file}) needs plugin API ${manifest.apiVersion}, but this dtcol provides ${API_VERSION}`,
      specifier,
      file,
    );
  }
  for (const factory of manifest.factories) {
    const clash = registry.add(factory, { origin: 'plugin', plugin: manifest.name, file });
    if (clash !== undefined) {
      const other =
        clash.source.origin === 'built-in'
          ? 'a built-in type'
          : `plugin "${clash.source.plugin ?? ''}" (${clash.source.file ?? ''})`;
      throw new PluginLoadError(
        'ERR_PLUGIN_DUPLICATE_TYPE',
        `plugin "${manifest.name}" (${file}) defines ${factory.kind} type "${factory.type}", already defined by ${other}`,
        specifier,
        file,
      );
    }
  }
  return { specifier, file, manifest };
}
