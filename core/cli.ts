// dtcol's command line. The only module that reads argv, handles signals and calls process.exit.
// `send` and `backfill` import their code when they run: a module, once loaded, stays in memory for the
// life of `dtcol run`, and theirs bring sockets, TLS, undici and the REST client.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtinRegistry } from './builtins.js';
import { releaseCompiledSchemas } from './config/ajv.js';
import { runningCompiled } from './compiled.js';
import { formatIssues, summarise } from './config/format.js';
import { configKeys, validateConfigFile, type ServiceConfig } from './config/validate.js';
import { editorSchema } from './config/editor-schema.js';
import { errorMessage } from './errors.js';
import { Service } from './graph/service.js';
import { readDeadLetterFile } from './helpers/dead-letter.js';
import { QueuedExporter } from './helpers/exporter-helper.js';
import { LazyConsumer } from './helpers/lazy.js';
import { createLogger } from './log.js';
import { backfillOptions } from '../receivers/darktrace-rest/backfill-options.js';
import { sendOptions } from '../receivers/darktrace-syslog/send-options.js';

const usage = `Usage: dtcol <command> [options]

Commands:
  run [-c FILE]                 Run the pipelines in FILE (default ./pipelines.yaml) until SIGINT/SIGTERM.
  validate [-c FILE]            Check FILE and print every problem; start nothing.
  components [--json] [-c FILE] List component types (with plugins from FILE when given).
  dlq replay -c FILE --exporter ID [--file PATH]
                                Send the records of a dead-letter file again through an exporter.
  schema                        Print the JSON Schema of pipelines.yaml (for editors).
  backfill -c FILE --receiver ID --from TIME --to TIME
                                Pull a past range once through a darktrace-rest receiver's pipelines.
  send [--endpoint HOST:PORT] [--protocol tcp|udp|tls] [--format rfc5424|rfc3164] [--count N]
       [--rate N/s] [--file ALERTS.ndjson] [--hostname NAME] [--insecure]
                                Replay sample Darktrace alerts (or a file) to a syslog listener.

Options:
  -c, --config FILE   Configuration file (default ./pipelines.yaml)
  --log-level LEVEL   Override service.telemetry.logs.level
  -h, --help          Show this help
`;

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function err(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function loadValid(file: string, quietWarnings = false): Promise<ServiceConfig | undefined> {
  const result = await validateConfigFile(file, { registry: builtinRegistry() });
  const errors = result.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    err(formatIssues(result.issues, file));
    return undefined;
  }
  if (!quietWarnings && result.issues.length > 0) err(formatIssues(result.issues, file));
  return result.config;
}

async function cmdValidate(file: string): Promise<number> {
  const result = await validateConfigFile(file, { registry: builtinRegistry() });
  if (result.issues.length > 0) err(formatIssues(result.issues, file));
  if (result.config === undefined) return 1;
  out(summarise(result.config, file));
  return 0;
}

async function cmdComponents(file: string | undefined, json: boolean): Promise<number> {
  let registry = builtinRegistry();
  let pluginsFailed = false;
  if (file !== undefined) {
    const result = await validateConfigFile(file, { registry });
    registry = result.registry;
    // Only plugin problems matter here: without them the list is incomplete. The rest is `validate`'s job.
    const pluginIssues = result.issues.filter(
      (i) => i.component === 'plugins' || i.code === 'ERR_CONFIG_READ',
    );
    if (pluginIssues.length > 0) err(formatIssues(pluginIssues, file));
    pluginsFailed = pluginIssues.some((i) => i.severity === 'error');
  }
  const list = registry.list().map(({ factory, source }) => ({
    kind: factory.kind,
    type: factory.type,
    stability: factory.stability,
    description: factory.description,
    // Structured for --json: `source` is built-in or plugin, with the plugin's name and resolved file.
    source: source.origin,
    ...(source.origin === 'plugin' && { plugin: source.plugin ?? '', file: source.file ?? '' }),
    config_keys: configKeys(factory.configSchema),
  }));
  if (json) {
    out(JSON.stringify(list, null, 2));
    return pluginsFailed ? 1 : 0;
  }
  for (const c of list) {
    const from = 'plugin' in c ? `plugin ${c.plugin} (${c.file})` : c.source;
    out(`${c.kind.padEnd(9)} ${c.type.padEnd(26)} ${c.stability.padEnd(11)} ${from}`);
    out(`          ${c.description}`);
    out(`          keys: ${c.config_keys.join(', ') || '(none)'}`);
  }
  return pluginsFailed ? 1 : 0;
}

async function cmdRun(file: string, logLevel: string | undefined): Promise<number> {
  const config = await loadValid(file);
  if (config === undefined) return 1;
  // Validation is over for the life of the process: let the compiled validators be collected.
  releaseCompiledSchemas();
  const logger = createLogger(logLevel ?? config.logLevel, config.secrets);
  let service: Service;
  const stopped = Promise.withResolvers<number>();
  try {
    service = new Service(config, {
      logger,
      onFatal: () => {
        void service.shutdown().then(() => stopped.resolve(1));
      },
    });
    await service.start();
  } catch (e) {
    logger.error({ err: errorMessage(e) }, `Could not start: ${errorMessage(e)}`);
    return 1;
  }
  logger.info(
    {
      pipelines: config.pipelines.map((p) => p.id),
      // Which Node and which V8 memory flags (see core/bin/dtcol.js): what a memory question starts from.
      runtime: [
        `node ${process.version}`,
        ...process.execArgv.filter((a) => /^--(max|heap|external)-/.test(a)),
        ...['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'].flatMap((k) =>
          process.env[k] === undefined ? [] : [`${k}=${process.env[k]}`],
        ),
      ].join(' '),
      // dist: the compiled JavaScript (core/bin/build.js); source: the TypeScript under tsx.
      code: runningCompiled ? 'dist' : 'source',
    },
    `dtcol is running ${config.pipelines.length} pipeline(s) from ${file}.`,
  );
  // Receivers may go quiet (a finished generator, an idle poller between polls with unref'd timers): keep
  // the process alive until a signal says stop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  void stopped.promise.then(() => clearInterval(keepAlive));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn(`Second ${signal}: exiting without draining.`);
      process.exit(1);
    }
    logger.info(
      `Received ${signal}: stopping receivers and draining (up to ${config.shutdownTimeoutMs} ms).`,
    );
    void service.shutdown().then(() => {
      logger.info('Shutdown complete.');
      stopped.resolve(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stopped.promise;
}

async function cmdDlqReplay(
  file: string,
  exporterId: string | undefined,
  dlqFile: string | undefined,
): Promise<number> {
  if (exporterId === undefined) {
    err('dlq replay needs --exporter ID (the exporter whose dead letters to resend).');
    return 2;
  }
  const config = await loadValid(file, true);
  if (config === undefined) return 1;
  const logger = createLogger(config.logLevel, config.secrets);
  const service = new Service(config, { logger, exportersOnly: [exporterId] });
  const built = service.exporter(exporterId);
  if (built === undefined) {
    err(`No exporter "${exporterId}" in any pipeline of ${file}.`);
    return 1;
  }
  await service.start();
  // Some exporters load their code on start (LazyComponent): look through to the queued exporter.
  const exporter: unknown = built instanceof LazyConsumer ? (built.target as unknown) : built;
  if (!(exporter instanceof QueuedExporter)) {
    err(`Exporter "${exporterId}" does not keep dead letters.`);
    await service.shutdown();
    return 1;
  }
  const source = dlqFile ?? exporter.deadLetterPath;
  if (source === undefined || !existsSync(source)) {
    out(`Nothing to replay: ${source ?? 'dead-lettering is off for this exporter'} does not exist.`);
    await service.shutdown();
    return 0;
  }
  // Move the file aside first: records that fail again are written to a fresh dead-letter file.
  const working = `${source}.replaying-${Date.now()}`;
  renameSync(source, working);
  const { records, badLines } = readDeadLetterFile(working);
  if (badLines.length > 0)
    err(`Skipping ${badLines.length} unreadable lines of ${source}: ${badLines.slice(0, 10).join(', ')}.`);
  const chunk = 500;
  for (let i = 0; i < records.length; i += chunk) await exporter.consume(records.slice(i, i + chunk));
  await service.shutdown();
  const sent = await service.telemetry.recordCount(exporterId, 'sent');
  const failed = records.length - sent;
  if (badLines.length === 0) rmSync(working);
  else renameSync(working, `${source}.unreadable-${Date.now()}`);
  out(
    `Replayed ${records.length} records through "${exporterId}": ${sent} sent, ${failed} failed again${failed > 0 ? ` (back in ${source})` : ''}.`,
  );
  return failed > 0 ? 1 : 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...sendOptions,
        ...backfillOptions,
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        exporter: { type: 'string' },
        file: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`${errorMessage(e)}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined) {
    out(usage);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const file =
    values.config ?? (command === 'validate' || command === 'run' ? rest[0] : undefined) ?? 'pipelines.yaml';
  switch (command) {
    case 'validate':
      return cmdValidate(file);
    case 'run':
      return cmdRun(file, values['log-level']);
    case 'components':
      return cmdComponents(values.config, values.json === true);
    case 'schema':
      out(JSON.stringify(editorSchema(builtinRegistry()), null, 2));
      return 0;
    case 'send': {
      const { runSend } = await import('../receivers/darktrace-syslog/send.js');
      return runSend(values);
    }
    case 'backfill': {
      const interrupt = new AbortController();
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => interrupt.abort());
      const { receiver, from, to, 'log-level': logLevel } = values;
      const { runBackfill } = await import('../receivers/darktrace-rest/backfill.js');
      return runBackfill({ file, receiver, from, to, logLevel, signal: interrupt.signal });
    }
    case 'dlq':
      if (rest[0] !== 'replay') {
        err(`Unknown dlq command "${rest[0] ?? ''}"; try: dtcol dlq replay -c FILE --exporter ID`);
        return 2;
      }
      return cmdDlqReplay(file, values.exporter, values.file);
    default:
      err(`Unknown command "${command}".\n\n${usage}`);
      return 2;
  }
}

const code = await main(process.argv.slice(2)).catch((e: unknown) => {
  err(`dtcol: ${errorMessage(e)}`);
  return 1;
});
process.exitCode = code;
// Exit explicitly after run/replay: sockets of stopped components must not keep the process alive.
if (['run', 'dlq', 'backfill'].includes(process.argv[2] ?? '')) process.exit(code);
