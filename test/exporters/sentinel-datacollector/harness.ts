/**
 * Shared set-up for the Sentinel exporter tests: configs validated with schema defaults (as `dtcol`
 * does), a logger whose lines the test can read, exporters started in-process, records built like the
 * receivers build them, and pipelines.yaml files for the real CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { onTestFinished, vi } from 'vitest';
import type { Settings } from '../../../core/component.js';
import type { LogRecord } from '../../../core/consumer.js';
import { compileSchema } from '../../../core/config/ajv.js';
import type { ExporterFactory } from '../../../core/factory.js';
import { LazyConsumer } from '../../../core/helpers/lazy.js';
import { QueuedExporter } from '../../../core/helpers/exporter-helper.js';
import { createRecord, sharedResource } from '../../../core/records.js';
import { testSettings } from '../../../core/testing/index.js';
import type { ServiceTelemetry } from '../../../core/telemetry.js';
import type { RunningCli } from '../../support/cli.js';
import { startCli } from '../../support/cli.js';

/** `raw` with the schema's defaults applied; throws with ajv's errors when it does not validate. */
export function configFor<C>(factory: ExporterFactory<C>, raw: Record<string, unknown>): C {
  const value = structuredClone(raw);
  const validate = compileSchema(factory.configSchema);
  if (!validate(value)) throw new Error(JSON.stringify(validate.errors));
  return value as C;
}

/** A pino logger at debug level whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Settings['logger']; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A running exporter with its settings, telemetry and log lines; shut down when the test ends. */
export interface Running {
  readonly exporter: QueuedExporter;
  readonly settings: Settings & { service: ServiceTelemetry };
  readonly lines: Record<string, unknown>[];
  /** Log messages, in order. */
  messages(): string[];
  count(outcome: string): Promise<number>;
}

/** Creates and starts an exporter from `factory` with `raw` config (defaults applied). */
export async function startExporter<C>(
  factory: ExporterFactory<C>,
  raw: Record<string, unknown>,
  id: string = factory.type,
): Promise<Running> {
  const { logger, lines } = captureLogger();
  const settings = { ...testSettings(id), logger };
  const created = factory.create(settings, configFor(factory, raw));
  // Exporters with heavy SDKs load their code on start (LazyConsumer): look through to the queued exporter.
  const exporter = created instanceof LazyConsumer ? await created.load() : created;
  if (!(exporter instanceof QueuedExporter)) throw new TypeError(`${factory.type} is not a queued exporter`);
  onTestFinished(() => exporter.shutdown(AbortSignal.timeout(5000)));
  await exporter.start({ reportFatalError: () => undefined }, AbortSignal.timeout(5000));
  return {
    exporter,
    settings,
    lines,
    messages: () => lines.map((l) => String(l['msg'])),
    count: (outcome) => settings.service.recordCount(id, outcome),
  };
}

/** Waits until every one of `total` records is sent or failed, then returns both counts. */
export async function settled(
  running: Running,
  total: number,
  timeout = 15_000,
): Promise<{ sent: number; failed: number }> {
  let counts = { sent: 0, failed: 0 };
  await vi.waitFor(
    async () => {
      counts = { sent: await running.count('sent'), failed: await running.count('failed') };
      if (counts.sent + counts.failed < total) throw new Error(`settled ${JSON.stringify(counts)}`);
    },
    { timeout, interval: 20 },
  );
  return counts;
}

const resource = sharedResource({
  'service.name': 'darktrace-collector',
  'darktrace.appliance': 'dt.example.net',
});

/** A record as the receivers and darktrace-map build it: body untouched, kind and optional stream. */
export function alertRecord(
  body: unknown,
  kind = 'model_breach',
  extra: Record<string, string> = {},
): LogRecord {
  return createRecord({
    time: Date.UTC(2024, 4, 1, 12, 34, 56),
    body,
    attributes: { 'darktrace.alert.kind': kind, 'darktrace.source': 'syslog', ...extra },
    eventName: `darktrace.${kind}`,
    resource,
  });
}

/** Writes `yaml` as pipelines.yaml in a new temp dir. */
export function writePipelines(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dtcol-sentinel-'));
  const file = path.join(dir, 'pipelines.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

/** Starts `dtcol run -c file`; SIGKILLed when the test ends if still running. */
export function runCli(file: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const cli = startCli(['run', '-c', file], env);
  onTestFinished(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return cli;
}

/** Waits for the "running" log line, so the exporters have started. */
export async function whenRunning(cli: RunningCli): Promise<void> {
  await vi.waitFor(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`dtcol exited: ${cli.stderr()}`);
      if (!cli.logs().some((l) => String(l['msg']).startsWith('dtcol is running')))
        throw new Error(`not running yet: ${cli.stderr()}`);
    },
    { timeout: 20_000, interval: 50 },
  );
}

/**
 * `count` distinct flat alerts cycling over `templates`, each with its own `threatID`, as a YAML flow
 * list for the generator's `bodies` (JSON is valid YAML).
 */
export function numberedBodies(
  templates: readonly Readonly<Record<string, unknown>>[],
  count: number,
): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ ...templates[i % templates.length], threatID: i }));
}

/** A TCP proxy in front of a fake: it can play an endpoint that is down, and slow down its answers. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` or `https://…` (the fakes' certificate names 127.0.0.1, so TLS passes through). */
  url(scheme: 'http' | 'https'): string;
  /** While down, every connection is reset at once and open ones are cut. */
  setDown(down: boolean): void;
  /** Connections refused while down. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 port 0 to `targetUrl`'s host and port; `latencyMs` delays each answer chunk. */
export async function startTcpProxy(
  targetUrl: string,
  options: { down?: boolean; latencyMs?: number } = {},
): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let down = options.down ?? false;
  let refused = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (down) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    const latency = options.latencyMs ?? 0;
    if (latency === 0) upstream.pipe(client);
    else {
      // Pausing keeps the order: the next chunk waits until this one was forwarded.
      upstream.on('data', (chunk: Buffer) => {
        upstream.pause();
        setTimeout(() => {
          client.write(chunk);
          upstream.resume();
        }, latency);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    setDown(value) {
      down = value;
      if (value) for (const socket of sockets) socket.resetAndDestroy();
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Values of `key` in `records`, with how many arrived more than once. */
export function arrivals(
  records: readonly Record<string, unknown>[],
  key = 'threatID',
): { ids: Set<number>; duplicates: number } {
  const ids = new Set<number>();
  let duplicates = 0;
  for (const record of records) {
    const id = Number(record[key]);
    if (ids.has(id)) duplicates += 1;
    ids.add(id);
  }
  return { ids, duplicates };
}

/** 0 … n-1, for comparing with {@link arrivals}. */
export const range = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i));
