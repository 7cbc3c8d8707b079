// Plugin loading against real fixture modules (test/fixtures/plugins), never a mocked loader.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigFile } from '../../../core/config/validate.js';
import { PluginLoadError } from '../../../core/errors.js';
import type { ProcessorFactory } from '../../../core/factory.js';
import { loadPlugin, resolvePlugin } from '../../../core/plugins/load.js';
import { createRecord } from '../../../core/records.js';
import { LogsSink, testSettings } from '../../../core/testing/index.js';
import { configFixtures, pluginFixtures } from '../config/support.js';

/** Plugins are resolved against the config file, so the tests pretend to be a config in the fixtures folder. */
const configFile = path.join(pluginFixtures, 'pipelines.yaml');
const fixture = (name: string): string => path.join(pluginFixtures, name);

async function loadError(specifier: string): Promise<PluginLoadError> {
  const error: unknown = await loadPlugin(specifier, configFile, builtinRegistry()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginLoadError);
  return error as PluginLoadError;
}

describe('resolvePlugin', () => {
  it('resolves a relative path against the config file, not the working directory', () => {
    expect(resolvePlugin('../plugins/good-plugin.ts', path.join(configFixtures, 'x.yaml'))).toBe(
      pathToFileURL(fixture('good-plugin.ts')).href,
    );
  });

  it('accepts absolute paths and file: URLs as they are', () => {
    const file = fixture('good-plugin.ts');
    expect(resolvePlugin(file, configFile)).toBe(pathToFileURL(file).href);
    expect(resolvePlugin(pathToFileURL(file).href, configFile)).toBe(pathToFileURL(file).href);
  });

  it('finds an installed package in the node_modules next to the config file', () => {
    expect(resolvePlugin('dtcol-plugin-stamp', configFile)).toBe(
      pathToFileURL(fixture('node_modules/dtcol-plugin-stamp/index.js')).href,
    );
  });
});

describe('loadPlugin', () => {
  it('adds the factories of a good plugin to the registry with their source', async () => {
    const registry = builtinRegistry();
    const loaded = await loadPlugin('./good-plugin.ts', configFile, registry);
    expect(loaded).toMatchObject({ specifier: './good-plugin.ts', file: fixture('good-plugin.ts') });
    expect(loaded.manifest.name).toBe('fixture-good');
    expect(registry.get('processor', 'add-tag')?.source).toEqual({
      origin: 'plugin',
      plugin: 'fixture-good',
      file: fixture('good-plugin.ts'),
    });
    expect(registry.get('exporter', 'probe-sink')?.factory.stability).toBe('development');
  });

  it.each([
    ['./missing-plugin.ts', 'ERR_PLUGIN_NOT_FOUND', fixture('missing-plugin.ts')],
    ['./wrong-shape.ts', 'ERR_PLUGIN_SHAPE', fixture('wrong-shape.ts')],
    ['./throws-on-import.ts', 'ERR_PLUGIN_IMPORT', fixture('throws-on-import.ts')],
    ['./wrong-api-version.ts', 'ERR_PLUGIN_API_VERSION', fixture('wrong-api-version.ts')],
    ['./duplicate-type.ts', 'ERR_PLUGIN_DUPLICATE_TYPE', fixture('duplicate-type.ts')],
  ])('refuses %s with %s, naming the specifier and the resolved file', async (specifier, code, file) => {
    const error = await loadError(specifier);
    expect(error.code).toBe(code);
    expect(error.specifier).toBe(specifier);
    expect(error.resolved).toBe(file);
    expect(error.message).toContain(`"${specifier}"`);
    expect(error.message).toContain(file);
  });

  it('says why a plugin threw while loading', async () => {
    const error = await loadError('./throws-on-import.ts');
    expect(error.message).toContain('fixture plugin could not read its settings file');
  });

  it('says which API version a plugin wanted and which one this dtcol has', async () => {
    const error = await loadError('./wrong-api-version.ts');
    expect(error.message).toContain('needs plugin API ^2.0.0, but this dtcol provides 1.0.0');
  });

  it('refuses a package that is not installed, naming the config file it was looked up from', async () => {
    const error = await loadError('dtcol-plugin-not-installed');
    expect(error.code).toBe('ERR_PLUGIN_NOT_FOUND');
    expect(error.resolved).toBeUndefined();
    expect(error.message).toContain(configFile);
  });

  it('hints at ./ when a file path was written like a package name', async () => {
    const error = await loadError('plugins/owner-tags.ts');
    expect(error.message).toContain('for a file, write "./plugins/owner-tags.ts"');
  });

  it('registers nothing from a plugin that clashes with a built-in type', async () => {
    const registry = builtinRegistry();
    await expect(loadPlugin('./duplicate-type.ts', configFile, registry)).rejects.toThrow(
      'defines exporter type "stdout", already defined by a built-in type',
    );
    expect(registry.get('exporter', 'discard')).toBeUndefined();
    expect(registry.get('exporter', 'stdout')?.source.origin).toBe('built-in');
  });

  it('names both sources when two plugins define the same type', async () => {
    const registry = builtinRegistry();
    await loadPlugin('./good-plugin.ts', configFile, registry);
    const error: unknown = await loadPlugin(fixture('good-plugin.ts'), configFile, registry).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_PLUGIN_DUPLICATE_TYPE' });
    expect((error as Error).message).toBe(
      `plugin "${fixture('good-plugin.ts')}" (${fixture('good-plugin.ts')}) defines processor type "add-tag", ` +
        `already defined by plugin "fixture-good" (${fixture('good-plugin.ts')})`,
    );
  });
});

describe('plugins in a configuration', () => {
  it('turn every failing plugin into its own issue at the line of its entry, and keep the good one', async () => {
    const result = await validateConfigFile(path.join(configFixtures, 'bad-plugins.yaml'), {
      registry: builtinRegistry(),
    });
    expect(result.issues.map((i) => [i.component, i.path, i.location?.line])).toEqual([
      ['plugins', '[1]', 4],
      ['plugins', '[2]', 5],
      ['plugins', '[3]', 6],
      ['plugins', '[4]', 7],
      ['plugins', '[5]', 8],
      ['plugins', '[6]', 9],
      ['plugins', '[7]', 10],
    ]);
    expect(result.registry.get('processor', 'add-tag')).toBeDefined();
  });

  it('are skipped when loadPlugins is false, so their types are unknown', async () => {
    const result = await validateConfigFile(path.join(configFixtures, 'valid.yaml'), {
      registry: builtinRegistry(),
      loadPlugins: false,
    });
    expect(result.issues.map((i) => i.code)).toEqual(['ERR_UNKNOWN_TYPE']);
  });

  it('give a processor written with defineRecordProcessor that changes records without touching the input', async () => {
    const result = await validateConfigFile(path.join(configFixtures, 'valid.yaml'), {
      registry: builtinRegistry(),
    });
    const entry = result.config?.components.processor.get('add-tag/site');
    expect(entry?.config).toEqual({ key: 'site', value: 'lab' });
    const sink = new LogsSink();
    const factory = entry?.factory as ProcessorFactory;
    const processor = factory.create(testSettings('add-tag/site', 'processor'), entry?.config, sink);
    const input = createRecord({ time: 1_700_000_000_000, body: { pbid: 1 }, attributes: { seq: 1 } });
    await processor.consume([input]);
    await processor.shutdown(AbortSignal.timeout(1000));
    expect(sink.records.map((r) => r.attributes)).toEqual([{ seq: 1, site: 'lab' }]);
    expect(sink.records[0]?.body).toEqual({ pbid: 1 });
    expect(input.attributes).toEqual({ seq: 1 });
  });
});
