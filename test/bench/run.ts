// `npm run bench`: every benchmark, each scenario in its own process (so peak RSS is its own), as a table.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './core.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

function scenario(file: string, options: object): BenchResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, file), JSON.stringify(options)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as BenchResult;
}

const n = quick ? 20_000 : 200_000;
const results: BenchResult[] = [
  scenario('core.ts', { records: n, storage: 'memory' }),
  scenario('core.ts', { records: quick ? 5000 : 50_000, storage: 'sqlite-nofsync' }),
  scenario('core.ts', { records: quick ? 5000 : 50_000, storage: 'sqlite-fsync' }),
  scenario('core.ts', { records: quick ? 5000 : 50_000, storage: 'segments-nofsync' }),
  scenario('core.ts', { records: quick ? 5000 : 50_000, storage: 'segments-fsync' }),
];

const fmt = (x: number, d = 0): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
process.stdout.write(`Node ${process.version}, ${String((await import('node:os')).cpus().length)} CPUs\n\n`);
process.stdout.write(
  '| benchmark | records | records/s | records per CPU-s | CPU s | peak RSS MB |\n|---|---|---|---|---|---|\n',
);
for (const r of results) {
  process.stdout.write(
    `| ${r.name} | ${fmt(r.records)} | ${fmt(r.recordsPerSec)} | ${fmt(r.recordsPerCpuSec)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.peakRssMB)} |\n`,
  );
}
