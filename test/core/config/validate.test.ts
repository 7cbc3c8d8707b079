// What `dtcol validate` promises beyond the per-fixture goldens: positions, defaults, freezing, format.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { formatIssue, formatIssues } from '../../../core/config/format.js';
import { validateConfigFile, validateConfigText } from '../../../core/config/validate.js';
import type { ConfigIssue } from '../../../core/errors.js';
import { configFixtures, textAt, validateFixture } from './support.js';

async function validateText(text: string): Promise<Awaited<ReturnType<typeof validateConfigText>>> {
  return validateConfigText('inline.yaml', path.join(configFixtures, 'inline.yaml'), text, {
    registry: builtinRegistry(),
    env: {},
  });
}

describe('validateConfigText', () => {
  it('points every issue of the five-mistakes file at the offending key or value', async () => {
    const { result, text } = await validateFixture('test/fixtures/configs/five-mistakes.yaml', {});
    const at = result.issues.map((i) => textAt(text, i.location?.line ?? 0, i.location?.col ?? 0));
    expect(at).toEqual([
      'batch_sise: 10',
      "'3'",
      'stdot:',
      '${env:DTCOL_FIXTURE_UNSET_URL}',
      'stdout/debug]',
    ]);
  });

  it('applies schema defaults and deep-freezes the config components receive', async () => {
    const { result } = await validateFixture('test/fixtures/configs/valid.yaml');
    const generator = result.config?.components.receiver.get('generator')?.config as Record<string, unknown>;
    expect(generator).toEqual({
      interval: '1s',
      count: 3,
      batch_size: 1,
      bodies: [{ message: 'hello from dtcol' }],
    });
    const stdout = result.config?.components.exporter.get('stdout')?.config as {
      sending_queue: { queue_size: number };
    };
    expect(stdout.sending_queue.queue_size).toBe(5000);
    expect(Object.isFrozen(stdout)).toBe(true);
    expect(Object.isFrozen(stdout.sending_queue)).toBe(true);
    expect(Object.isFrozen(generator['bodies'])).toBe(true);
  });

  it('describes the graph of a valid file and the service defaults', async () => {
    const { result } = await validateFixture('test/fixtures/configs/valid.yaml');
    expect(result.config?.pipelines).toEqual([
      { id: 'logs', receivers: ['generator'], processors: ['add-tag/site'], exporters: ['stdout'] },
    ]);
    expect(result.config?.shutdownTimeoutMs).toBe(30_000);
    expect(result.config?.dataDir).toBe(path.join(configFixtures, '.dtcol'));
    expect(result.config?.plugins.map((p) => p.manifest.name)).toEqual(['fixture-good']);
  });

  it('keeps going after the first problem and reports problems in every section', async () => {
    const { result } = await validateFixture('test/fixtures/configs/component-schema.yaml');
    expect(new Set(result.issues.map((i) => i.component))).toEqual(new Set(['generator', 'stdout', 'http']));
    expect(result.config).toBeUndefined();
  });

  it('treats unused components as warnings: the file stays valid', async () => {
    const { result } = await validateFixture('test/fixtures/configs/unused-component.yaml');
    expect(result.issues.every((i) => i.severity === 'warning')).toBe(true);
    expect(result.config?.components.receiver.has('generator/spare')).toBe(true);
  });

  it('survives empty sections and empty pipelines instead of crashing', async () => {
    const result = await validateText(
      'receivers:\nprocessors:\nexporters:\n  stdout:\nservice:\n  pipelines:\n    logs:\n',
    );
    expect(result.issues.map((i) => [i.code, i.path, i.location?.line])).toEqual([
      ['ERR_TYPE', 'receivers', 1],
      ['ERR_TYPE', 'processors', 2],
      ['WARN_UNUSED_COMPONENT', '', 4],
      ['ERR_TYPE', 'pipelines.logs', 7],
    ]);
  });

  it('reports a missing service section and a file without pipelines', async () => {
    const missing = await validateText('receivers:\n  generator: {}\n');
    expect(missing.issues.map((i) => i.code)).toEqual(['ERR_MISSING_KEY', 'WARN_UNUSED_COMPONENT']);
    const none = await validateText('service:\n  pipelines: {}\n');
    expect(none.issues.map((i) => i.code)).toEqual(['ERR_NO_PIPELINES']);
  });

  it('reports an unreadable file as one issue rather than throwing', async () => {
    const result = await validateConfigFile(path.join(configFixtures, 'does-not-exist.yaml'), {
      registry: builtinRegistry(),
    });
    expect(result.issues.map((i) => i.code)).toEqual(['ERR_CONFIG_READ']);
    expect(result.config).toBeUndefined();
  });

  it('does not change the registry it was given (plugins go into a clone)', async () => {
    const registry = builtinRegistry();
    const before = registry.list().length;
    const result = await validateConfigFile(path.join(configFixtures, 'valid.yaml'), { registry });
    expect(registry.list()).toHaveLength(before);
    expect(result.registry.get('processor', 'add-tag')).toBeDefined();
  });
});

describe('formatIssue', () => {
  const base: ConfigIssue = {
    code: 'ERR_TYPE',
    severity: 'error',
    component: 'stdout',
    path: 'batch.max_records',
    message: 'must be integer',
    location: { file: 'p.yaml', line: 7, col: 20 },
  };

  it('prints FILE:LINE:COL: <component id> <path>: <message>', () => {
    expect(formatIssue(base, 'p.yaml')).toBe('p.yaml:7:20: stdout batch.max_records: must be integer');
  });

  it('marks warnings, appends suggestions and falls back to the file name without a location', () => {
    const { location: _location, ...noLocation } = base;
    expect(
      formatIssue(
        { ...noLocation, severity: 'warning', path: '', suggestion: 'did you mean "x"?' },
        'p.yaml',
      ),
    ).toBe('p.yaml: warning: stdout: must be integer; did you mean "x"?');
  });

  it('ends the list with a count of errors and warnings', () => {
    const text = formatIssues([base, { ...base, severity: 'warning' }, base], 'p.yaml');
    expect(text.split('\n').at(-1)).toBe('2 errors, 1 warning in p.yaml');
  });
});
