// The minimal hand-written program the end-to-end bench compares dtcol with: the same job (syslog over TCP →
// filter → sentinel-legacy map → JSON array POSTs), the same parsing, filter and mapping code, and none of the
// runtime (no queue, no retry, no dead letters, no metrics). Usage: tsx minimal.ts PORT SINK_URL FILTER_JSON
import { createServer } from 'node:net';
import { request } from 'undici';
import { compileDarktraceFilter } from '../../processors/darktrace-filter/predicate.js';
import type { DarktraceFilterConfig } from '../../processors/darktrace-filter/options.js';
import { createMapper, isMapFailure } from '../../processors/darktrace-map/map.js';
import { detectAlertKind } from '../../receivers/darktrace-syslog/kind.js';

const [portText, sink, filterJson] = process.argv.slice(2);
const keep = compileDarktraceFilter(JSON.parse(filterJson ?? '{}') as DarktraceFilterConfig);
const map = createMapper({ schema: 'sentinel-legacy' });
let batch: string[] = [];
let inFlight = 0;

async function post(docs: string[]): Promise<void> {
  inFlight++;
  const res = await request(sink ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `[${docs.join(',')}]`,
  });
  await res.body.text();
  inFlight--;
}

function flush(): void {
  if (batch.length === 0) return;
  const docs = batch;
  batch = [];
  void post(docs);
}
setInterval(flush, 200);

const server = createServer((socket) => {
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const brace = line.indexOf('{');
      if (brace < 0) continue;
      let alert: unknown;
      try {
        alert = JSON.parse(line.slice(brace));
      } catch {
        continue;
      }
      const kind = detectAlertKind(alert as Record<string, unknown>);
      if (keep(kind, alert) !== undefined) continue;
      const mapped = map(kind, alert);
      if (isMapFailure(mapped)) continue;
      batch.push(JSON.stringify(mapped.body));
      if (batch.length >= 500) flush();
    }
    // The least backpressure that keeps memory bounded: stop reading while many requests are out.
    if (inFlight > 8) {
      socket.pause();
      const wait = setInterval(() => {
        if (inFlight <= 2) {
          clearInterval(wait);
          socket.resume();
        }
      }, 1);
    }
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('listening\n'));
// A clean exit on SIGINT, so profilers (--cpu-prof) write their files.
process.on('SIGINT', () => process.exit(0));
