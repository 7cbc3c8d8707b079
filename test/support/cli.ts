// Run the real dtcol CLI as a child process (Node 24 + tsx), collecting its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { onTestFinished, vi } from 'vitest';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Parsed JSON log lines from stderr. */
  logs: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start `dtcol <args>` from the repo root: the CLI module under tsx, or with `launcher` the way users start it
 * (`npm start`, `npx dtcol`: core/bin/dtcol.js, which also sets the memory flags for `run`).
 */
export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { launcher?: boolean; nodeArgs?: readonly string[] } = {},
): RunningCli {
  const entry =
    options.launcher === true
      ? [resolve(repoRoot, 'core/bin/dtcol.js')]
      : ['--import', 'tsx', resolve(repoRoot, 'core/cli.ts')];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
  };
}

/** Run `dtcol <args>` to completion. */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Fetch a Prometheus counter value from /metrics text (summing label sets that match). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Start `dtcol run -c file`, killed (SIGKILL) when the test finishes if still running. */
export function runManaged(file: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const cli = startCli(['run', '-c', file], env);
  onTestFinished(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return cli;
}

/** The /metrics base URL a running CLI logged (needs `service.telemetry.metrics.address`). */
export async function metricsUrl(cli: RunningCli): Promise<string> {
  let url = '';
  await vi.waitFor(
    () => {
      const line = cli.logs().find((l) => typeof l['url'] === 'string');
      if (line === undefined) throw new Error(`no metrics url yet; stderr: ${cli.stderr()}`);
      url = line['url'] as string;
    },
    { timeout: 20_000, interval: 50 },
  );
  return url;
}

/** A pipelines.yaml with `yaml` in a fresh temp directory. */
export function writeConfig(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dtcol-e2e-'));
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}
