// Fakes for tests, ours and plugin authors': sinks, gates, failing consumers, settings, generated records.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ComponentKind, Settings } from '../component.js';
import { parseComponentId } from '../component.js';
import type { Capabilities, LogBatch, LogRecord, LogsConsumer } from '../consumer.js';
import { createRecord } from '../records.js';
import { ServiceTelemetry } from '../telemetry.js';

/** Records every batch it is given. */
export class LogsSink implements LogsConsumer {
  readonly capabilities: Capabilities;
  readonly batches: LogBatch[] = [];

  constructor(options: { mutatesData?: boolean } = {}) {
    this.capabilities = { mutatesData: options.mutatesData ?? false };
  }

  consume(batch: LogBatch): Promise<void> {
    this.batches.push(batch);
    return Promise.resolve();
  }

  /** Every record received, in order. */
  get records(): LogRecord[] {
    return this.batches.flat();
  }
}

/** Always rejects with `err`. */
export function errConsumer(err: Error): LogsConsumer {
  return { capabilities: { mutatesData: false }, consume: () => Promise.reject(err) };
}

/** Holds every `consume` open until `release()` (to test backpressure without sleeping). */
export class GateConsumer implements LogsConsumer {
  readonly capabilities: Capabilities = { mutatesData: false };
  readonly sink = new LogsSink();
  #open = false;
  #waiting: (() => void)[] = [];
  /** How many consume calls are held right now. */
  held = 0;

  async consume(batch: LogBatch): Promise<void> {
    if (!this.#open) {
      this.held++;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.held--;
    }
    await this.sink.consume(batch);
  }

  release(): void {
    this.#open = true;
    for (const r of this.#waiting.splice(0)) r();
  }
}

/** `n` records with fixed timestamps; body `{ seq, message }`, attribute `seq`. */
export function generateLogs(n: number, start = 0): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = start; i < start + n; i++) {
    out.push(
      createRecord({
        time: 1_700_000_000_000 + i,
        observedTime: 1_700_000_000_000 + i,
        body: { seq: i, message: `record ${i}` },
        attributes: { seq: i },
      }),
    );
  }
  return out;
}

/** Settings for a component under test; `telemetry` is a real ServiceTelemetry you can query. */
export function testSettings(
  id = 'test',
  kind: ComponentKind = 'exporter',
  options: { dataDir?: string; configDir?: string; telemetry?: ServiceTelemetry } = {},
): Settings & { service: ServiceTelemetry } {
  const parsed = parseComponentId(id);
  if (parsed === undefined) throw new TypeError(`bad component id "${id}"`);
  const service = options.telemetry ?? new ServiceTelemetry({ processMetrics: false });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dtcol-test-'));
  return {
    id: parsed,
    kind,
    logger: pino({ level: 'silent' }),
    telemetry: service.forComponent(parsed, kind),
    clock: { now: () => Date.now() },
    dataDir,
    configDir: options.configDir ?? dataDir,
    pipelines: ['logs'],
    service,
  };
}
