// `dtcol backfill`: pull a past range once through the configured pipeline, then drain and exit.
import { builtinRegistry } from '../../core/builtins.js';
import type { Settings } from '../../core/component.js';
import { formatIssues } from '../../core/config/format.js';
import { validateConfigFile, type ComponentConfig, type ServiceConfig } from '../../core/config/validate.js';
import type { LogsConsumer } from '../../core/consumer.js';
import { errorMessage } from '../../core/errors.js';
import { defineReceiver } from '../../core/factory.js';
import { Service } from '../../core/graph/service.js';
import { createLogger } from '../../core/log.js';
import { parseDuration } from '../../core/units.js';
import { epochMsFromValue } from '../darktrace-syslog/time.js';
import type { DarktraceRestConfig } from './config.js';
import { darktraceRestReceiverFactory } from './index.js';
import { DarktraceRestReceiver, type BackfillProgress, type BackfillRange } from './receiver.js';

/** Where the progress bar goes: stderr, drawn only when it is a terminal. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Arguments and I/O of {@link runBackfill}. */
export interface BackfillOptions {
  readonly file: string;
  readonly receiver: string | undefined;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly logLevel?: string | undefined;
  /** Aborting stops fetching; what was fetched is still drained. */
  readonly signal?: AbortSignal;
  readonly stdout?: (line: string) => void;
  readonly stderr?: ProgressStream;
  readonly now?: () => number;
}

/** Exporters get at least this long to drain after the last window (their retries run meanwhile). */
const minDrainMs = 10 * 60_000;

/**
 * A time given on the command line: `now`, `now-2h` (or `-2h`), an ISO 8601 date or time (UTC when
 * no zone is given), or epoch seconds or milliseconds. Undefined when it is none of these.
 */
export function parseTimeArg(text: string, now: number): number | undefined {
  const t = text.trim();
  if (t === 'now') return now;
  const relative = /^(?:now)?-(.+)$/.exec(t);
  if (relative !== null) {
    try {
      return now - parseDuration(relative[1] ?? '');
    } catch {
      return undefined;
    }
  }
  return epochMsFromValue(t);
}

/** One line of the progress bar, e.g. `[######------] 50% 3/6 windows, 42 alerts`. */
export function renderProgress(
  p: Pick<BackfillProgress, 'windowsDone' | 'windowsTotal' | 'emitted'>,
): string {
  const width = 24;
  const ratio = p.windowsTotal === 0 ? 1 : Math.min(1, p.windowsDone / p.windowsTotal);
  const filled = Math.round(ratio * width);
  const percent = String(Math.floor(ratio * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}% ${p.windowsDone}/${p.windowsTotal} windows, ${p.emitted} alerts`;
}

/**
 * The service config of a backfill: only the pipelines that use `receiverId`, with that receiver
 * alone, in backfill mode. No metrics server and in-memory exporter queues, because a live collector
 * on the same config may be running and owns the port and the persistent queues.
 */
export function backfillServiceConfig(
  config: ServiceConfig,
  receiverId: string,
  create: (settings: Settings, config: DarktraceRestConfig, next: LogsConsumer) => DarktraceRestReceiver,
): ServiceConfig {
  const entry = config.components.receiver.get(receiverId);
  if (entry === undefined) throw new Error(`internal: receiver "${receiverId}" is not configured`);
  const factory = defineReceiver<DarktraceRestConfig>({
    type: darktraceRestReceiverFactory.type,
    stability: darktraceRestReceiverFactory.stability,
    description: darktraceRestReceiverFactory.description,
    configSchema: darktraceRestReceiverFactory.configSchema,
    create,
  });
  const pipelines = config.pipelines
    .filter((p) => p.receivers.includes(receiverId))
    .map((p) => ({ ...p, receivers: [receiverId] }));
  const exporters = new Map<string, ComponentConfig>();
  for (const [id, exporter] of config.components.exporter) {
    exporters.set(id, { ...exporter, config: withoutQueueStorage(exporter.config) });
  }
  return {
    ...config,
    components: {
      receiver: new Map([[receiverId, { ...entry, factory }]]),
      processor: config.components.processor,
      exporter: exporters,
    },
    pipelines,
    metricsAddress: undefined,
    shutdownTimeoutMs: Math.max(config.shutdownTimeoutMs, minDrainMs),
  };
}

function withoutQueueStorage(config: unknown): unknown {
  if (typeof config !== 'object' || config === null) return config;
  const queue = (config as { sending_queue?: unknown }).sending_queue;
  if (typeof queue !== 'object' || queue === null || !('storage' in queue)) return config;
  const { storage: _storage, ...memory } = queue as Record<string, unknown>;
  return { ...config, sending_queue: memory };
}

/** Runs `dtcol backfill`; resolves with the exit code (0 done, 1 failed, 2 bad arguments). */
export async function runBackfill(options: BackfillOptions): Promise<number> {
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = options.stderr ?? process.stderr;
  const say = (line: string): void => {
    stderr.write(`${line}\n`);
  };
  const now = (options.now ?? Date.now)();
  if (options.receiver === undefined || options.from === undefined || options.to === undefined) {
    say('backfill needs --receiver ID --from TIME --to TIME (TIME: ISO 8601, epoch ms, now or now-24h).');
    return 2;
  }
  const from = parseTimeArg(options.from, now);
  let to = parseTimeArg(options.to, now);
  if (from === undefined || to === undefined) {
    say(
      `Cannot read --${from === undefined ? 'from' : 'to'} "${from === undefined ? options.from : options.to}": use ISO 8601 (2024-05-01T00:00:00Z), epoch ms, now or now-24h.`,
    );
    return 2;
  }
  // Alerts from the future cannot exist yet; the rest of the range is still worth pulling.
  to = Math.min(to, now);
  if (from >= to) {
    say(`--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()}).`);
    return 2;
  }

  const result = await validateConfigFile(options.file, { registry: builtinRegistry() });
  if (result.config === undefined) {
    say(formatIssues(result.issues, options.file));
    return 1;
  }
  const config = result.config;
  const receiverId = options.receiver;
  const entry = config.components.receiver.get(receiverId);
  if (entry?.factory.type !== darktraceRestReceiverFactory.type) {
    const candidates = [...config.components.receiver.values()]
      .filter((r) => r.factory.type === darktraceRestReceiverFactory.type)
      .map((r) => `"${r.id.id}"`);
    say(
      entry === undefined
        ? `No receiver "${receiverId}" in ${options.file}; darktrace-rest receivers there: ${candidates.join(', ') || 'none'}.`
        : `Receiver "${receiverId}" is a ${entry.factory.type} receiver; only darktrace-rest receivers can backfill.`,
    );
    return 2;
  }
  if (!config.pipelines.some((p) => p.receivers.includes(receiverId))) {
    say(
      `Receiver "${receiverId}" is in no pipeline of ${options.file}, so there is nowhere to send a backfill.`,
    );
    return 2;
  }

  const range: BackfillRange = { from, to };
  const logger = createLogger(options.logLevel ?? config.logLevel, config.secrets);
  const tty = stderr.isTTY === true;
  const built: { receiver?: DarktraceRestReceiver } = {};
  const derived = backfillServiceConfig(config, receiverId, (settings, restConfig, next) => {
    const receiver = new DarktraceRestReceiver(settings, restConfig, next, {
      backfill: {
        range,
        onProgress: (p) => {
          if (tty) stderr.write(`\r${renderProgress(p)}\x1b[K`);
        },
      },
    });
    built.receiver = receiver;
    return receiver;
  });
  const service = new Service(derived, { logger });
  const backfilling = built.receiver;
  if (backfilling === undefined) throw new Error('internal: the backfill receiver was not built');
  // Every timer in the graph is unref'd; this keeps the process up until the drain is over.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    try {
      await service.start();
    } catch (err) {
      say(`Could not start the backfill: ${errorMessage(err)}`);
      return 1;
    }
    const interrupted = new Promise<Error>((resolve) => {
      const signal = options.signal;
      if (signal === undefined) return;
      const stop = (): void => {
        resolve(new Error('Backfill interrupted; records fetched so far are being delivered.'));
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    const outcome = await Promise.race([backfilling.finished, interrupted]).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
    if (tty) stderr.write('\rDraining exporters...\x1b[K');
    await service.shutdown();
    if (tty) stderr.write('\r\x1b[K');

    const exporterIds = [...new Set(derived.pipelines.flatMap((p) => p.exporters))];
    let undelivered = 0;
    const parts: string[] = [];
    for (const id of exporterIds) {
      const sent = await service.telemetry.recordCount(id, 'sent');
      const failed =
        (await service.telemetry.recordCount(id, 'failed')) +
        (await service.telemetry.recordCount(id, 'dropped'));
      undelivered += failed;
      parts.push(`exporter "${id}": ${sent} sent, ${failed} failed`);
    }
    const span = `from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;
    if (outcome instanceof Error) {
      say(`Backfill failed: ${outcome.message}`);
      stdout(`Backfill of "${receiverId}" ${span} did not complete; ${parts.join('; ')}.`);
      return 1;
    }
    stdout(
      `Backfilled "${receiverId}" ${span}: ${outcome.windows} windows, ${outcome.fetched} alerts fetched, ` +
        `${outcome.emitted} sent downstream (${outcome.duplicates} duplicates, ${outcome.malformed} malformed); ${parts.join('; ')}.`,
    );
    return undelivered > 0 ? 1 : 0;
  } finally {
    clearInterval(keepAlive);
  }
}
