// `dtcol send`: replays sample alerts (or an NDJSON file of alerts) to a syslog listener, formatted the way a
// Darktrace appliance sends them, newline-framed over TCP/TLS or one per datagram over UDP.
import { createSocket } from 'node:dgram';
import { once, type EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { connect as connectTcp, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as connectTls } from 'node:tls';
import { errorMessage } from '../../core/errors.js';
import { defaultEndpoint, splitEndpoint } from './config.js';
import { formatSyslogLine, type SyslogLineFormat } from './format.js';
import { loadSampleAlerts } from './samples/index.js';

/** Raw option values as `parseArgs` returns them. */
export interface SendArgs {
  endpoint?: string | undefined;
  protocol?: string | undefined;
  format?: string | undefined;
  count?: string | undefined;
  rate?: string | undefined;
  file?: string | undefined;
  hostname?: string | undefined;
  insecure?: boolean | undefined;
}

/** A checked `dtcol send` request. */
export interface SendPlan {
  host: string;
  port: number;
  protocol: 'tcp' | 'udp' | 'tls';
  format: SyslogLineFormat;
  /** Alerts to send in turn (repeated when `count` is larger). */
  alerts: readonly unknown[];
  count: number;
  /** Alerts per second; undefined sends as fast as the connection takes them. */
  rate: number | undefined;
  hostname: string;
  insecure: boolean;
}

/** What a send achieved. */
export interface SendSummary {
  sent: number;
  bytes: number;
  seconds: number;
}

/** Where `runSend` writes (the process streams by default). */
export interface SendIo {
  out(text: string): void;
  err(text: string): void;
  /** Draws the progress bar (set when stderr is a terminal). */
  progress: ((text: string) => void) | undefined;
}

/** A failure with the exit code it deserves (2: bad usage; 1: could not send). */
export class SendError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Check the options and load the alerts. Throws {@link SendError}. */
export function planSend(args: SendArgs): SendPlan {
  const endpoint = args.endpoint ?? defaultEndpoint;
  if (!/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(endpoint))
    throw new SendError(`--endpoint must be host:port (got "${endpoint}").`, 2);
  const { host, port } = splitEndpoint(endpoint);
  if (port < 1 || port > 65535) throw new SendError(`--endpoint port must be 1-65535 (got ${port}).`, 2);
  const protocol = args.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'tls')
    throw new SendError(`--protocol must be tcp, udp or tls (got "${protocol}").`, 2);
  const format = args.format ?? 'rfc5424';
  if (format !== 'rfc5424' && format !== 'rfc3164')
    throw new SendError(`--format must be rfc5424 or rfc3164 (got "${format}").`, 2);
  let rate: number | undefined;
  if (args.rate !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(args.rate);
    rate = m === null ? NaN : Number(m[1]);
    if (!(rate > 0))
      throw new SendError(`--rate must be a positive number per second, e.g. 50/s (got "${args.rate}").`, 2);
  }
  const alerts = args.file === undefined ? loadSampleAlerts().map((s) => s.alert) : readAlerts(args.file);
  if (alerts.length === 0) throw new SendError(`${args.file ?? 'the samples'} holds no alerts.`, 1);
  let count = alerts.length;
  if (args.count !== undefined) {
    if (!/^\d+$/.test(args.count) || Number(args.count) < 1)
      throw new SendError(`--count must be a positive integer (got "${args.count}").`, 2);
    count = Number(args.count);
  }
  return {
    host,
    port,
    protocol,
    format,
    alerts,
    count,
    rate,
    hostname: args.hostname ?? osHostname(),
    insecure: args.insecure === true,
  };
}

/** One JSON object per non-empty line. */
function readAlerts(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SendError(`Cannot read ${file}: ${errorMessage(err)}`, 1);
  }
  const alerts: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new SendError(`${file} line ${i + 1} is not a JSON object (expected one alert per line).`, 1);
    alerts.push(value);
  });
  return alerts;
}

interface Transport {
  write(message: string): Promise<void>;
  close(): Promise<void>;
}

/** Resolves on the first of `events` (never rejects, unlike `once` on 'error'). */
function firstOf(emitter: EventEmitter, events: readonly string[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      for (const e of events) emitter.off(e, done);
      resolve();
    };
    for (const e of events) emitter.on(e, done);
  });
}

function target(plan: SendPlan): string {
  const host = plan.host.includes(':') ? `[${plan.host}]` : plan.host;
  return `${plan.protocol}://${host}:${plan.port}`;
}

async function openStream(plan: SendPlan): Promise<Transport> {
  const socket: Socket =
    plan.protocol === 'tls'
      ? connectTls({
          host: plan.host,
          port: plan.port,
          rejectUnauthorized: !plan.insecure,
          // SNI must be a name, never an IP address (RFC 6066 §3).
          ...(/^[\d.]+$|:/.test(plan.host) ? {} : { servername: plan.host }),
        })
      : connectTcp({ host: plan.host, port: plan.port });
  const ready = plan.protocol === 'tls' ? 'secureConnect' : 'connect';
  try {
    await once(socket, ready);
  } catch (err) {
    socket.destroy();
    const hint =
      plan.protocol === 'tls' && !plan.insecure && /certificate/i.test(errorMessage(err))
        ? ' (use --insecure to skip certificate checks against a test listener)'
        : '';
    throw new SendError(`Could not connect to ${target(plan)}: ${errorMessage(err)}${hint}.`, 1);
  }
  let failure: Error | undefined;
  socket.on('error', (err) => (failure = err));
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async write(message) {
      check();
      if (!socket.write(`${message}\n`)) {
        await firstOf(socket, ['drain', 'close', 'error']);
        check();
        if (socket.destroyed) throw new Error('the listener closed the connection');
      }
    },
    async close() {
      socket.end();
      // Wait for the listener to close its side so nothing is lost to a reset; give up after 10 s.
      await Promise.race([firstOf(socket, ['close']), sleep(10_000, undefined, { ref: false })]);
      socket.destroy();
      check();
    },
  };
}

async function openDatagram(plan: SendPlan): Promise<Transport> {
  const socket = createSocket(plan.host.includes(':') ? 'udp6' : 'udp4');
  try {
    socket.connect(plan.port, plan.host);
    await once(socket, 'connect');
  } catch (err) {
    socket.close();
    throw new SendError(`Could not connect to ${target(plan)}: ${errorMessage(err)}.`, 1);
  }
  let failure: Error | undefined;
  socket.on('error', (err) => (failure = err));
  return {
    write(message) {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        socket.send(message, (err) => (err === null ? resolve() : reject(err)));
      });
    },
    close() {
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

function progressBar(done: number, total: number, bytes: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} alerts, ${bytes} bytes`;
}

/** Send the plan's alerts; `onProgress` is called after each one. Throws {@link SendError}. */
export async function sendAlerts(
  plan: SendPlan,
  onProgress: (sent: number, bytes: number) => void = () => undefined,
): Promise<SendSummary> {
  const started = performance.now();
  const transport = plan.protocol === 'udp' ? await openDatagram(plan) : await openStream(plan);
  let sent = 0;
  let bytes = 0;
  try {
    for (let i = 0; i < plan.count; i++) {
      if (plan.rate !== undefined) {
        const due = started + (i * 1000) / plan.rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const line = formatSyslogLine(plan.alerts[i % plan.alerts.length], {
        format: plan.format,
        hostname: plan.hostname,
      });
      await transport.write(line);
      sent++;
      bytes += Buffer.byteLength(line) + (plan.protocol === 'udp' ? 0 : 1);
      onProgress(sent, bytes);
    }
    await transport.close();
  } catch (err) {
    if (err instanceof SendError) throw err;
    await transport.close().catch(() => undefined);
    throw new SendError(`Sending to ${target(plan)} failed after ${sent} alerts: ${errorMessage(err)}.`, 1);
  }
  return { sent, bytes, seconds: (performance.now() - started) / 1000 };
}

const processIo: SendIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined,
};

/** `dtcol send`: returns the exit code (0 sent, 1 could not connect or send, 2 bad options). */
export async function runSend(args: SendArgs, io: SendIo = processIo): Promise<number> {
  let plan: SendPlan;
  try {
    plan = planSend(args);
  } catch (err) {
    io.err(errorMessage(err));
    return err instanceof SendError ? err.exitCode : 1;
  }
  let lastDraw = 0;
  const onProgress = (sent: number, bytes: number): void => {
    const now = performance.now();
    if (io.progress === undefined || (now - lastDraw < 100 && sent < plan.count)) return;
    lastDraw = now;
    io.progress(progressBar(sent, plan.count, bytes));
  };
  try {
    const summary = await sendAlerts(plan, onProgress);
    io.progress?.('\n');
    io.out(
      `Sent ${summary.sent} alerts (${summary.bytes} bytes, ${plan.format}) to ${target(plan)} in ${summary.seconds.toFixed(2)} s.`,
    );
    return 0;
  } catch (err) {
    io.progress?.('\n');
    io.err(errorMessage(err));
    return err instanceof SendError ? err.exitCode : 1;
  }
}
