// `dtcol run` refusing a bad config before listening, and `dtcol dlq replay` resending dead letters.
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildDist } from '../../core/bin/build.js';
import { readDeadLetterFile } from '../../core/helpers/dead-letter.js';
import { repoRoot, runCli, startCli, writeConfig } from '../support/cli.js';
import { startHttpSink } from '../support/http-sink.js';

describe('dtcol run', () => {
  it('exits 1 on a config error, printing it, before anything listens', async () => {
    // A port we know is free: if dtcol listened on it before validating, connecting would succeed.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const { file } = writeConfig(`
receivers:
  darktrace-syslog: { endpoint: "127.0.0.1:${port}" }
exporters:
  stdout: { format: yaml }
service:
  pipelines:
    logs: { receivers: [darktrace-syslog], exporters: [stdout] }
`);
    const { code, stderr, stdout } = await runCli(['run', '-c', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}:5:21: stdout format: must be one of "ndjson", "pretty"`);
    expect(stderr).not.toContain('listening');
  });
});

describe('dtcol launcher (npm start, npx dtcol)', () => {
  // What `npm ci`, `npm start` and `npm test` do first (nothing when dist/ is already up to date).
  beforeAll(() => buildDist(), 60_000);

  const config = (): string =>
    writeConfig(`
receivers:
  darktrace-syslog: { endpoint: "127.0.0.1:0" }
exporters:
  stdout: {}
service:
  pipelines:
    logs: { receivers: [darktrace-syslog], exporters: [stdout] }
`).file;

  async function runtimeOf(
    env: NodeJS.ProcessEnv,
    nodeArgs: string[] = [],
  ): Promise<{ runtime: string; code: string; samePid: boolean }> {
    const cli = startCli(['run', '-c', config()], env, { launcher: true, nodeArgs });
    onTestFinished(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    let line: Record<string, unknown> | undefined;
    await vi.waitFor(
      () => {
        line = cli.logs().find((l) => String(l['msg']).startsWith('dtcol is running'));
        expect(line, cli.stderr()).toBeDefined();
      },
      { timeout: 20_000, interval: 50 },
    );
    const samePid = line?.['pid'] === cli.child.pid;
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    return { runtime: String(line?.['runtime']), code: String(line?.['code']), samePid };
  }

  it('runs `run` with the memory flags, restarted in place (same PID), and logs them', async () => {
    const { runtime, samePid } = await runtimeOf({});
    expect(runtime).toMatch(/^node v\d+/);
    expect(runtime).toContain('--max-semi-space-size=8');
    expect(runtime).toContain('--heap-growing-percent=75');
    expect(runtime).toContain('MALLOC_ARENA_MAX=2');
    expect(runtime).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    // Only on the V8 the flag was tried on (Node 24); later V8s behave so by default and no longer know it.
    if (process.versions.v8.startsWith('13.'))
      expect(runtime).toContain('--external-memory-accounted-in-global-limit');
    else expect(runtime).not.toContain('--external-memory');
    expect(samePid).toBe(true);
  });

  it('leaves a flag the user gave alone, and DTCOL_V8_FLAGS="" keeps V8 defaults', async () => {
    const own = await runtimeOf({}, ['--max-semi-space-size=32']);
    expect(own.runtime).toContain('--max-semi-space-size=32');
    expect(own.runtime).not.toContain('--max-semi-space-size=8');
    expect(own.runtime).toContain('--heap-growing-percent=75');
    const none = await runtimeOf({ DTCOL_V8_FLAGS: '', MALLOC_ARENA_MAX: '4' });
    expect(none.runtime).not.toContain('--');
    expect(none.runtime).toContain('MALLOC_ARENA_MAX=4');
    expect(none.runtime).toContain('MALLOC_MMAP_THRESHOLD_=131072');
  });

  it('runs the compiled JavaScript when dist/ is up to date, the TypeScript with DTCOL_FROM_SOURCE=1', async () => {
    expect((await runtimeOf({})).code).toBe('dist');
    expect((await runtimeOf({ DTCOL_FROM_SOURCE: '1' })).code).toBe('source');
  });

  it.each([
    ['dist', {}],
    ['source', { DTCOL_FROM_SOURCE: '1' }],
  ])(
    'gives a TypeScript plugin the same darktrace-collector modules as dtcol (%s)',
    async (code, env) => {
      const plugin = join(repoRoot, 'test/fixtures/plugins/busy-once.ts');
      const { file } = writeConfig(`
plugins: ["${plugin}"]
receivers:
  generator: { interval: 0s, batch_size: 3, count: 3 }
processors:
  busy-once: {}
exporters:
  stdout: {}
service:
  pipelines:
    logs: { receivers: [generator], processors: [busy-once], exporters: [stdout] }
`);
      const cli = startCli(['run', '-c', file], env, { launcher: true });
      onTestFinished(() => {
        if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      });
      // The plugin's RetryableError is dtcol's own class: the receiver retries the batch, and all 3 records
      // come out (a class from a second copy would be an unknown error, and the batch refused).
      await vi.waitFor(() => expect(cli.stdout().trim().split('\n')).toHaveLength(3), { timeout: 20_000 });
      expect(cli.stderr()).not.toContain('refused downstream');
      const running = cli.logs().find((l) => String(l['msg']).startsWith('dtcol is running'));
      expect(running?.['code']).toBe(code);
      cli.child.kill('SIGTERM');
      expect((await cli.exited).code).toBe(0);
    },
    40_000,
  );
});

describe('dtcol dlq replay', () => {
  it('resends an exporter’s dead letters once the destination accepts them, and clears the file', async () => {
    let accept = false;
    const sink = await startHttpSink({ status: () => (accept ? 200 : 400) });
    onTestFinished(() => sink.close());
    const { dir, file } = writeConfig(`
receivers:
  generator: { interval: 0s, batch_size: 5, count: 5 }
exporters:
  http: { endpoint: "${sink.url}", content: record }
service:
  data_dir: ./state
  pipelines:
    logs: { receivers: [generator], exporters: [http] }
`);
    const dlq = join(dir, 'state/dead-letter/http.ndjson');
    const cli = startCli(['run', '-c', file]);
    onTestFinished(() => {
      cli.child.kill('SIGKILL');
    });
    await vi.waitFor(() => expect(readDeadLetterFile(dlq).entries).toHaveLength(5), { timeout: 20_000 });
    expect(readDeadLetterFile(dlq).entries[0]).toMatchObject({ component: 'http', status: 400, attempts: 1 });
    cli.child.kill('SIGTERM');
    await cli.exited;

    accept = true;
    const replay = await runCli(['dlq', 'replay', '-c', file, '--exporter', 'http']);
    expect(replay.stdout).toContain('Replayed 5 records through "http": 5 sent, 0 failed again.');
    expect(replay.code).toBe(0);
    expect(sink.docs).toHaveLength(5);
    expect(
      (sink.docs as { attributes: Record<string, number> }[])
        .map((d) => d.attributes['generator.seq'])
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(dlq)).toBe(false);
    expect(readdirSync(join(dir, 'state/dead-letter'))).toEqual([]);
  });
});
