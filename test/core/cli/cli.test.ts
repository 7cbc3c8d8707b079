// The real CLI as a child process (tsx core/cli.ts …), all runs started at once in beforeAll: each costs
// about a second of start-up, so they overlap instead of queueing.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenDir, repoRoot } from '../config/support.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx core/cli.ts <args>` from the repository root, on the Node running the tests (Node 24 via npx). */
function dtcol(args: readonly string[]): Promise<Run> {
  // The child must not inherit test-only loaders or fixture variables.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS' && !key.startsWith('DTCOL_')),
  );
  env['NO_COLOR'] = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'node_modules/.bin/tsx'), 'core/cli.ts', ...args],
      {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runs = {
  fiveMistakes: ['validate', '-c', 'test/fixtures/configs/five-mistakes.yaml'],
  repoConfig: ['validate', '-c', 'pipelines.yaml'],
  validPositional: ['validate', 'test/fixtures/configs/valid.yaml'],
  jsFilePlugin: ['validate', '-c', 'test/fixtures/plugins/js-file-plugin.yaml'],
  componentsText: ['components', '-c', 'test/fixtures/configs/valid.yaml'],
  componentsJson: ['components', '--json', '-c', 'test/fixtures/plugins/npm-plugin.yaml'],
  componentsBadPlugins: ['components', '--json', '-c', 'test/fixtures/configs/bad-plugins.yaml'],
  schema: ['schema'],
} as const;

const results = {} as Record<keyof typeof runs, Run>;

beforeAll(async () => {
  const entries = Object.entries(runs) as [keyof typeof runs, readonly string[]][];
  const done = await Promise.all(entries.map(async ([name, args]) => [name, await dtcol(args)] as const));
  for (const [name, run] of done) results[name] = run;
}, 60_000);

describe('dtcol validate', () => {
  it('prints all five mistakes of a file at once with their line and column, and exits 1', () => {
    const run = results.fiveMistakes;
    const file = 'test/fixtures/configs/five-mistakes.yaml';
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(
      `${file}:5:5: generator batch_sise: unknown key "batch_sise" (allowed: interval, batch_size, count, bodies); did you mean "batch_size"?`,
    );
    expect(lines[1]).toBe(`${file}:6:12: generator count: must be integer (got "3")`);
    // The list of known types grows with the built-ins; the position and the suggestion must not change.
    expect(lines[2]).toMatch(
      /^test\/fixtures\/configs\/five-mistakes\.yaml:8:3: exporters::stdot: unknown exporter type "stdot" \(known: [^)]*\); did you mean "stdout"\?$/,
    );
    expect(lines[3]).toBe(
      `${file}:11:15: (env) exporters.http.endpoint: environment variable DTCOL_FIXTURE_UNSET_URL is not set and has no default (write \${env:DTCOL_FIXTURE_UNSET_URL:-default} to give one).`,
    );
    expect(lines[4]).toBe(
      `${file}:16:32: service pipelines.logs.exporters[2]: exporter "stdout/debug" is not defined under exporters`,
    );
    expect(lines[5]).toBe(`5 errors in ${file}`);
  });

  it('prints the same text as the golden file of the library (apart from the list of known types)', () => {
    const known = (text: string): string => text.replace(/\(known: [^)]*\)/g, '(known: …)');
    expect(known(results.fiveMistakes.stderr)).toBe(
      known(readFileSync(path.join(goldenDir, 'five-mistakes.txt'), 'utf8')),
    );
  });

  it("accepts the repository's pipelines.yaml with a one-line graph summary and exit code 0", () => {
    expect(results.repoConfig).toEqual({
      code: 0,
      stdout:
        'pipelines.yaml is valid: 1 pipeline, 1 receiver, 2 processors, 1 exporter ' +
        '(logs: darktrace-syslog → darktrace-filter → darktrace-map → stdout)\n',
      stderr: '',
    });
  });

  it('takes the file as a positional argument and loads a local TypeScript plugin', () => {
    expect(results.validPositional.code).toBe(0);
    expect(results.validPositional.stdout).toBe(
      'test/fixtures/configs/valid.yaml is valid: 1 pipeline, 1 receiver, 1 processor, 1 exporter ' +
        '(logs: generator → add-tag/site → stdout)\n',
    );
  });

  it('loads a plugin named by the path of a .js file relative to the config', () => {
    expect(results.jsFilePlugin.stderr).toBe('');
    expect(results.jsFilePlugin.code).toBe(0);
    expect(results.jsFilePlugin.stdout).toContain('(logs: generator → stamp/file → stdout)');
  });
});

describe('dtcol components', () => {
  it('lists every type with kind, stability, source and config keys, plugins included', () => {
    const run = results.componentsText;
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const entry = (type: string): string[] => {
      const i = lines.findIndex((l) => l.split(/\s+/)[1] === type);
      return i < 0 ? [] : lines.slice(i, i + 3);
    };
    expect(entry('generator')[0]).toMatch(/^receiver\s+generator\s+beta\s+built-in$/);
    expect(entry('generator')[2]?.trim()).toBe('keys: interval, batch_size, count, bodies');
    expect(entry('stdout')[0]).toMatch(/^exporter\s+stdout\s+stable\s+built-in$/);
    expect(entry('add-tag')[0]).toMatch(
      /^processor\s+add-tag\s+alpha\s+plugin fixture-good \(.*test\/fixtures\/plugins\/good-plugin\.ts\)$/,
    );
    expect(entry('add-tag')[1]?.trim()).toBe('Sets one attribute on every record (fixture).');
    expect(entry('add-tag')[2]?.trim()).toBe('keys: key, value');
    expect(entry('probe-sink')[2]?.trim()).toBe('keys: api_key, port');
  });

  it('prints machine-readable JSON with --json, including a plugin installed as an npm package', () => {
    const run = results.componentsJson;
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(list.find((c) => c['type'] === 'stamp')).toEqual({
      kind: 'processor',
      type: 'stamp',
      stability: 'beta',
      description: 'Adds the attribute `stamp` with a fixed value.',
      source: 'plugin',
      plugin: 'dtcol-plugin-stamp',
      file: path.join(repoRoot, 'test/fixtures/plugins/node_modules/dtcol-plugin-stamp/index.js'),
      config_keys: ['value'],
    });
    expect(list.find((c) => c['type'] === 'generator')).toMatchObject({
      kind: 'receiver',
      stability: 'beta',
      source: 'built-in',
      config_keys: ['interval', 'batch_size', 'count', 'bodies'],
    });
    expect(list.every((c) => typeof c['kind'] === 'string' && Array.isArray(c['config_keys']))).toBe(true);
  });

  it('reports plugins that failed to load and exits 1, still listing what did load', () => {
    const run = results.componentsBadPlugins;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bad-plugins.yaml:6:5: plugins [3]: plugin "../plugins/wrong-shape.ts"');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      '7 errors in test/fixtures/configs/bad-plugins.yaml',
    );
    const types = (JSON.parse(run.stdout) as { type: string }[]).map((c) => c.type);
    expect(types).toContain('add-tag');
    expect(types).not.toContain('discard');
  });
});

describe('dtcol schema', () => {
  it('prints the JSON of the committed pipelines.schema.json', () => {
    expect(results.schema.code).toBe(0);
    expect(JSON.parse(results.schema.stdout)).toEqual(
      JSON.parse(readFileSync(path.join(repoRoot, 'pipelines.schema.json'), 'utf8')),
    );
  });
});
