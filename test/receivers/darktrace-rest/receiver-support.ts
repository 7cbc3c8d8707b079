// Shared set-up for the darktrace-rest receiver tests: a defaulted config, settings whose logs and
// health changes can be read back, and a receiver wired to a fake appliance.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { pino } from 'pino';
import type { HealthStatus, Settings } from '../../../core/component.js';
import { compileSchema } from '../../../core/config/ajv.js';
import type { LogsConsumer } from '../../../core/consumer.js';
import { LogsSink, testSettings } from '../../../core/testing/index.js';
import {
  darktraceRestConfigSchema,
  type DarktraceRestConfig,
} from '../../../receivers/darktrace-rest/config.js';
import {
  DarktraceRestReceiver,
  type DarktraceRestReceiverOptions,
} from '../../../receivers/darktrace-rest/receiver.js';
import {
  startFakeDarktrace,
  type FakeDarktrace,
  type FakeDarktraceOptions,
} from '../../support/fake-darktrace.js';

/** A config as validation would hand it over: schema defaults applied; throws if invalid. */
export function restConfig(input: Record<string, unknown>): DarktraceRestConfig {
  const value = structuredClone(input);
  const validate = compileSchema(darktraceRestConfigSchema);
  if (!validate(value)) throw new Error(JSON.stringify(validate.errors));
  return value as unknown as DarktraceRestConfig;
}

/** Settings that keep every log line (parsed) and every health change. */
export function recordingSettings(
  id = 'darktrace-rest',
  dataDir = mkdtempSync(join(tmpdir(), 'dtcol-rest-')),
): Settings & {
  logs: Record<string, unknown>[];
  health: { status: HealthStatus; message: string | undefined }[];
} {
  const base = testSettings(id, 'receiver', { dataDir });
  const logs: Record<string, unknown>[] = [];
  const health: { status: HealthStatus; message: string | undefined }[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return {
    ...base,
    logger,
    telemetry: {
      ...base.telemetry,
      setHealth(status, message) {
        health.push({ status, message });
        base.telemetry.setHealth(status, message);
      },
    },
    logs,
    health,
  };
}

/** Messages of the log lines carrying `code`. */
export function logsWithCode(logs: readonly Record<string, unknown>[], code: string): string[] {
  return logs.filter((l) => l['code'] === code).map((l) => String(l['msg']));
}

/** Polling fast enough for tests: windows end now, the first one reaches an hour back. */
export const fastTiming = {
  poll_interval: '100ms',
  settle: '0s',
  overlap: '1m',
  initial_lookback: '1h',
  timeout: '2s',
} as const;

export interface RestSetup {
  fake: FakeDarktrace;
  settings: ReturnType<typeof recordingSettings>;
  sink: LogsSink;
  config: DarktraceRestConfig;
  receiver: DarktraceRestReceiver;
  /** A second receiver on the same data directory, as after a restart. */
  restart(next?: LogsConsumer): DarktraceRestReceiver;
}

/** A fake appliance (no alerts unless given) and a receiver pointed at it, stopped after the test. */
export async function setupReceiver(
  options: {
    config?: Record<string, unknown>;
    fake?: FakeDarktraceOptions;
    next?: LogsConsumer;
    receiver?: DarktraceRestReceiverOptions;
    settings?: ReturnType<typeof recordingSettings>;
  } = {},
): Promise<RestSetup> {
  const fake = await startFakeDarktrace({ corpus: false, generate: false, ...options.fake });
  const settings = options.settings ?? recordingSettings();
  const sink = new LogsSink();
  const config = restConfig({
    url: fake.url,
    public_token: fake.publicToken,
    private_token: fake.privateToken,
    ...fastTiming,
    ...options.config,
  });
  const receivers: DarktraceRestReceiver[] = [];
  const make = (next: LogsConsumer): DarktraceRestReceiver => {
    const receiver = new DarktraceRestReceiver(settings, config, next, options.receiver);
    receivers.push(receiver);
    return receiver;
  };
  const receiver = make(options.next ?? sink);
  onTestFinished(async () => {
    await Promise.all(receivers.map((r) => r.shutdown(AbortSignal.timeout(5_000))));
    await fake.close();
  });
  return { fake, settings, sink, config, receiver, restart: (next = sink) => make(next) };
}

/** A no-op host for `start`. */
export const host = { reportFatalError: (): void => undefined };
