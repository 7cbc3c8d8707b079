// `npm run bench`: every benchmark, each scenario in its own process (so peak RSS is its own), as tables.
// `npm run bench -- --quick` runs smaller sizes.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './core.js';
import type { E2eResult } from './syslog-e2e.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

function run(file: string, options: object): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, file), JSON.stringify(options)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['));
}

const fmt = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

print(`Node ${process.version}, ${String(cpus().length)} CPUs${quick ? ' (quick sizes)' : ''}\n`);

// 1. The main job end to end, against a minimal hand-written program doing the same job.
const alerts = quick ? 20_000 : 200_000;
const e2e = run('syslog-e2e.ts', { records: alerts, rounds: quick ? 1 : 5 }).map(
  (l) => JSON.parse(l) as E2eResult,
);
print(
  '## Syslog end to end (RFC 5424 over TCP → darktrace-filter → darktrace-map sentinel-legacy → HTTP JSON arrays)\n',
);
print('| program | alerts | kept | alerts/s | alerts per CPU-s | CPU s | peak RSS MB | RSS when ready MB |');
print('|---|---|---|---|---|---|---|---|');
for (const r of e2e) {
  print(
    `| ${r.name} | ${fmt(r.alerts)} | ${fmt(r.kept)} | ${fmt(r.alertsPerSec)} | ${fmt(r.alertsPerCpuSec)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.peakRssMB)} | ${fmt(r.baselineRssMB)} |`,
  );
}
const [dt, minimal] = e2e;
if (dt !== undefined && minimal !== undefined) {
  print(
    `\nMedians of ${String(dt.runs ?? 1)} rounds (peak RSS: the highest of any round). ` +
      `dtcol / minimal, alerts per CPU-second: ${(dt.ratioToMinimal ?? dt.alertsPerCpuSec / minimal.alertsPerCpuSec).toFixed(2)}× (target ≥ 0.8×); ` +
      `dtcol peak RSS ${fmt(dt.peakRssMB)} MB (target < 150 MB)\n`,
  );
}

// 2. Core overhead and the persistent-queue engines.
const n = quick ? 20_000 : 200_000;
const pq = quick ? 5000 : 50_000;
const core: BenchResult[] = [
  run('core.ts', { records: n, storage: 'memory' }),
  run('core.ts', { records: pq, storage: 'sqlite-nofsync' }),
  run('core.ts', { records: pq, storage: 'sqlite-fsync' }),
  run('core.ts', { records: pq, storage: 'segments-nofsync' }),
  run('core.ts', { records: pq, storage: 'segments-fsync' }),
].map((lines) => JSON.parse(lines[0] ?? '{}') as BenchResult);
print('## Core overhead (trivial receiver → 2 processors → 2 exporters, in-process)\n');
print(
  '| benchmark | records | records/s | records per CPU-s | CPU s | peak RSS MB |\n|---|---|---|---|---|---|',
);
for (const r of core) {
  print(
    `| ${r.name} | ${fmt(r.records)} | ${fmt(r.recordsPerSec)} | ${fmt(r.recordsPerCpuSec)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.peakRssMB)} |`,
  );
}

// 3. Exporters against loopback sinks.
const exporters = [
  ...run('exporters-sentinel.ts', { records: quick ? 2000 : 20_000 }),
  ...run('exporter-otlp.ts', { records: quick ? 2000 : 20_000 }),
].flatMap((l) => JSON.parse(l) as { name: string; recordsPerSec: number; cpuMicrosPerRecord: number }[]);
print('\n## Exporters (loopback fakes in the same process: CPU per record is an upper bound)\n');
print('| exporter | records/s | CPU µs per record |\n|---|---|---|');
for (const r of exporters) print(`| ${r.name} | ${fmt(r.recordsPerSec)} | ${fmt(r.cpuMicrosPerRecord, 1)} |`);
