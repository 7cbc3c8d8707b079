// The main job end to end on loopback: N alerts (RFC 5424 over TCP) → darktrace-filter (about half kept) →
// darktrace-map sentinel-legacy → JSON array POSTs to a local sink; dtcol and the minimal program in turn.
// CPU and peak RSS are read from /proc for the child alone, from just before the first alert is sent.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildDist, compileOptions } from '../../core/bin/build.js';
import { compileDarktraceFilter } from '../../processors/darktrace-filter/predicate.js';
import { createMapper, isMapFailure } from '../../processors/darktrace-map/map.js';
import { formatSyslogLine } from '../../receivers/darktrace-syslog/format.js';
import { detectAlertKind } from '../../receivers/darktrace-syslog/kind.js';
import { loadSampleAlerts } from '../../receivers/darktrace-syslog/samples/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ticks = 100; // CLK_TCK on Linux

export interface E2eResult {
  name: string;
  alerts: number;
  kept: number;
  seconds: number;
  alertsPerSec: number;
  cpuSeconds: number;
  alertsPerCpuSec: number;
  peakRssMB: number;
  /** RSS when ready, before the first alert. */
  baselineRssMB: number;
  /** How many runs the figures summarise. */
  runs?: number;
  /** dtcol only: the median over rounds of (dtcol alerts per CPU-second / the minimal program's). */
  ratioToMinimal?: number;
}

const filter = {
  model_breach: { min_score: 50 },
  ai_analyst: { min_event_score: 50 },
  system_status: { min_priority: 50 },
};

/**
 * Realistic alert lines: our samples with scores spread evenly, so about half pass the filter. `kept` is how many
 * pass the filter and map (worked out here with the same code, so neither program is polled while measured).
 */
function makeLines(n: number): { chunks: Buffer[]; kept: number } {
  const samples = loadSampleAlerts().map((s) => s.alert);
  const keep = compileDarktraceFilter(filter);
  const map = createMapper({ schema: 'sentinel-legacy' });
  let kept = 0;
  const chunks: Buffer[] = [];
  let text = '';
  const time = new Date('2026-11-23T10:00:00Z');
  for (let i = 0; i < n; i++) {
    const alert = structuredClone(samples[i % samples.length])!;
    const r = ((i * 7919) % 1000) / 1000;
    if ('pbid' in alert) {
      alert['pbid'] = 100000 + i;
      alert['score'] = r;
    } else if ('aiaScore' in alert) {
      alert['aiaScore'] = Math.round(r * 100);
    } else if ('priority' in alert) {
      alert['priority'] = Math.round(r * 100);
    }
    const kind = detectAlertKind(alert);
    if (keep(kind, alert) === undefined && !isMapFailure(map(kind, alert))) kept++;
    text += `${formatSyslogLine(alert, { format: 'rfc5424', hostname: 'dt-bench.example.com', time })}\n`;
    if (text.length > 1 << 20) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  chunks.push(Buffer.from(text));
  return { chunks, kept };
}

/**
 * With two or more CPUs, the program under test gets the last CPU to itself and this process (the sender and the
 * sink) the others, so the two do not steal each other's time slices and the figures repeat better.
 */
function pinToOwnCpu(pid: number): void {
  const n = cpus().length;
  if (n < 2 || process.platform !== 'linux') return;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(n - 1), String(pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', `0-${String(n - 2)}`, String(process.pid)], {
      stdio: 'ignore',
    });
  } catch {
    // No taskset: run unpinned.
  }
}

function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function procPeakRssMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function startSink(): Promise<{ url: string; count: () => number; close: () => void }> {
  let count = 0;
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      count += (JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown[]).length;
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    count: () => count,
    close: () => server.close(),
  };
}

async function freePort(): Promise<number> {
  const s = createHttpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const on = (c: Buffer): void => {
      seen += c.toString();
      if (pattern.test(seen)) resolvePromise();
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) =>
      reject(new Error(`exited with ${String(code)} before ready: ${seen.slice(-2000)}`)),
    );
  });
}

async function send(port: number, chunks: Buffer[]): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', r));
  for (const c of chunks) if (!socket.write(c)) await new Promise((r) => socket.once('drain', r));
  await new Promise<void>((r) => socket.end(r));
}

async function measure(
  name: string,
  child: ChildProcess,
  ready: RegExp,
  port: number,
  lines: Buffer[],
  n: number,
  sink: { count: () => number },
  expected: number,
): Promise<E2eResult> {
  await waitForOutput(child, ready);
  const pid = child.pid ?? 0;
  pinToOwnCpu(pid);
  const cpu0 = procCpuSeconds(pid);
  const baselineRssMB =
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const t0 = performance.now();
  await send(port, lines);
  while (sink.count() < expected) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = procCpuSeconds(pid) - cpu0;
  const peakRssMB = procPeakRssMB(pid);
  if (process.env['DTCOL_BENCH_SIGUSR2'] !== undefined) {
    // Profiling runs: a preloaded profiler writes its file on SIGUSR2.
    child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 1000));
  }
  // With node arguments (--cpu-prof and the like) stop cleanly so the profile is written.
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(process.env['DTCOL_BENCH_NODE_ARGS'] === undefined ? 'SIGKILL' : 'SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  return {
    name,
    alerts: n,
    kept: sink.count(),
    seconds,
    alertsPerSec: n / seconds,
    cpuSeconds,
    alertsPerCpuSec: n / cpuSeconds,
    peakRssMB,
    baselineRssMB,
  };
}

/** Extra node arguments for both programs (profiling, GC tracing): DTCOL_BENCH_NODE_ARGS="--cpu-prof …". */
const nodeArgs = (process.env['DTCOL_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

async function runDtcol(lines: Buffer[], n: number, kept: number): Promise<E2eResult> {
  const sink = await startSink();
  const port = await freePort();
  const metricsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dtcol-bench-e2e-'));
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(
    file,
    `receivers:
  darktrace-syslog: { protocol: tcp, endpoint: "127.0.0.1:${port}"${process.env['DTCOL_BENCH_SYSLOG'] ?? ''} }
processors:
  darktrace-filter: ${JSON.stringify(filter)}
  darktrace-map: { schema: sentinel-legacy }
exporters:
  http: { endpoint: "${sink.url}", batch: { max_records: 500 }${process.env['DTCOL_BENCH_HTTP'] ?? ''} }
service:
  telemetry: { metrics: { address: "127.0.0.1:${metricsPort}" }, logs: { level: info } }
  pipelines:
    logs: { receivers: [darktrace-syslog], processors: [darktrace-filter, darktrace-map], exporters: [http] }
`,
  );
  // Started as users start it (npm start, npx dtcol): through the launcher, with its memory flags.
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'core/bin/dtcol.js'), 'run', '-c', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (process.env['DTCOL_BENCH_STDERR'] !== undefined) {
    child.stderr.pipe(process.stderr);
    child.stdout.pipe(process.stderr);
  }
  try {
    return await measure(
      'dtcol (syslog TCP → filter → sentinel-legacy → HTTP)',
      child,
      /dtcol is running/,
      port,
      lines,
      n,
      sink,
      kept,
    );
  } finally {
    sink.close();
  }
}

/**
 * Both programs run as compiled JavaScript, as users run dtcol (dist/): the minimal program is compiled by the
 * same esbuild into one file (its shared parse, filter and map code included), so neither pays for tsx.
 */
async function compileMinimal(): Promise<string> {
  // Inside node_modules/, so that its imports of packages (undici) resolve.
  const out = join(root, 'node_modules/.cache/dtcol-bench/minimal.mjs');
  await build({
    entryPoints: [join(root, 'test/bench/minimal.ts')],
    outfile: out,
    bundle: true,
    packages: 'external',
    ...compileOptions,
  });
  return out;
}

async function runMinimal(program: string, lines: Buffer[], n: number, kept: number): Promise<E2eResult> {
  const sink = await startSink();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, program, String(port), sink.url, JSON.stringify(filter)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    return await measure(
      'minimal hand-written program, same job',
      child,
      /listening/,
      port,
      lines,
      n,
      sink,
      kept,
    );
  } finally {
    sink.close();
  }
}

/** The run with the median alerts per CPU-second, with the highest peak RSS of all runs (the honest peak). */
function summarise(runs: E2eResult[]): E2eResult {
  const sorted = [...runs].sort((a, b) => a.alertsPerCpuSec - b.alertsPerCpuSec);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? sorted[0];
  if (median === undefined) throw new Error('no runs');
  return { ...median, runs: runs.length, peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)) };
}

/**
 * dtcol and the minimal program in turn, `rounds` times each (figures on a shared machine vary from run to run;
 * the median is reported).
 */
export async function runSyslogE2e(n: number, rounds = 3): Promise<E2eResult[]> {
  const { chunks: lines, kept } = makeLines(n);
  await buildDist();
  const minimalProgram = await compileMinimal();
  const dt: E2eResult[] = [];
  const minimal: E2eResult[] = [];
  for (let i = 0; i < rounds; i++) {
    dt.push(await runDtcol(lines, n, kept));
    minimal.push(await runMinimal(minimalProgram, lines, n, kept));
    if (process.env['DTCOL_BENCH_EACH'] !== undefined) {
      const [d, m] = [dt.at(-1), minimal.at(-1)];
      if (d !== undefined && m !== undefined)
        process.stderr.write(
          `round ${String(i + 1)}: dtcol ${d.alertsPerCpuSec.toFixed(0)}/CPU-s ${d.peakRssMB.toFixed(0)} MB, minimal ${m.alertsPerCpuSec.toFixed(0)}/CPU-s ${m.peakRssMB.toFixed(0)} MB\n`,
        );
    }
  }
  // Each round's dtcol/minimal ratio is taken from two runs close in time, so it varies less than either figure.
  const ratios = dt
    .map((d, i) => d.alertsPerCpuSec / (minimal[i]?.alertsPerCpuSec ?? NaN))
    .sort((a, b) => a - b);
  const ratio = ratios[Math.floor((ratios.length - 1) / 2)] ?? NaN;
  return [{ ...summarise(dt), ratioToMinimal: ratio }, summarise(minimal)];
}

if (process.argv[1]?.endsWith('syslog-e2e.ts') === true) {
  const options = JSON.parse(process.argv[2] ?? '{}') as { records?: number; rounds?: number };
  for (const r of await runSyslogE2e(options.records ?? 200_000, options.rounds ?? 3))
    process.stdout.write(`${JSON.stringify(r)}\n`);
}
