/**
 * Plugins: ESM modules that add component types at run time.
 *
 * A plugin default-exports `definePlugin({ name, apiVersion, factories })`. `apiVersion` is a semver range
 * that must include {@link API_VERSION}, the version of the contracts in `core/` (component, consumer,
 * factory, errors). Plugins are trusted and run in-process; they import only from the package root
 * (`darktrace-collector`), which re-exports `core/index.ts`.
 */
import type { Factory } from './factory.js';
import { isFactory } from './factory.js';

/** Version of the plugin API. Bumped in major when a contract breaks. */
export const API_VERSION = '1.0.0';

/** Brand that marks manifests made by {@link definePlugin}. */
export const pluginBrand: unique symbol = Symbol.for('darktrace-collector.plugin') as never;

/** What a plugin module default-exports. */
export interface PluginManifest {
  /** Human name, shown by `dtcol components`. */
  readonly name: string;
  /** Semver range of the plugin API it was written for, e.g. `^1.0.0`. */
  readonly apiVersion: string;
  /** The component types it adds; each made with a define* helper. */
  readonly factories: readonly Factory[];
}

/** Make a plugin manifest. Throws a TypeError when a factory was not made by a define* helper. */
export function definePlugin(manifest: PluginManifest): PluginManifest {
  manifest.factories.forEach((factory, i) => {
    if (!isFactory(factory)) {
      throw new TypeError(
        `Plugin "${manifest.name}": factories[${i}] was not made by defineReceiver/defineProcessor/defineExporter.`,
      );
    }
  });
  const out = { ...manifest, factories: Object.freeze([...manifest.factories]) };
  Object.defineProperty(out, pluginBrand, { value: true, enumerable: false });
  return Object.freeze(out);
}

/** True for manifests made by {@link definePlugin}. */
export function isPluginManifest(value: unknown): value is PluginManifest {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[pluginBrand] === true
  );
}
