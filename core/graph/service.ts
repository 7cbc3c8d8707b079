// The running graph: built from a validated ServiceConfig in reverse topological order, started
// exporters → processors → receivers, stopped receivers → processors → exporters under one deadline.
import type { Logger } from 'pino';
import type { Component, ComponentKind, Host, Settings } from '../component.js';
import type { LogsConsumer } from '../consumer.js';
import type { ServiceConfig } from '../config/validate.js';
import { errorMessage } from '../errors.js';
import type { ExporterFactory, ProcessorFactory, ReceiverFactory } from '../factory.js';
import { ServiceTelemetry, serveTelemetry } from '../telemetry.js';
import { FanoutConsumer } from './fanout.js';
import type { Server } from 'node:http';

interface Node {
  key: string;
  kind: ComponentKind;
  id: string;
  component: Component;
}

/** Options for building a service. */
export interface ServiceOptions {
  logger: Logger;
  telemetry?: ServiceTelemetry;
  /** Per-component start timeout (ms). */
  startTimeoutMs?: number;
  /** Called when a component reports a fatal error; the caller decides how to stop. */
  onFatal?: (id: string, err: Error) => void;
  /** Only build these exporters and no receivers (used by `dtcol dlq replay`). */
  exportersOnly?: readonly string[];
}

export class Service {
  readonly telemetry: ServiceTelemetry;
  readonly config: ServiceConfig;
  readonly #logger: Logger;
  readonly #nodes: Node[] = [];
  readonly #exporters = new Map<string, Component & LogsConsumer>();
  readonly #options: ServiceOptions;
  #server: Server | undefined;
  #metricsUrl: string | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(config: ServiceConfig, options: ServiceOptions) {
    this.config = config;
    this.#options = options;
    this.#logger = options.logger;
    this.telemetry = options.telemetry ?? new ServiceTelemetry();
    this.#build();
  }

  /** URL of the /metrics and /healthz server, once started (when configured). */
  get metricsUrl(): string | undefined {
    return this.#metricsUrl;
  }

  /** A built exporter by id (for `dlq replay` and tests). */
  exporter(id: string): (Component & LogsConsumer) | undefined {
    return this.#exporters.get(id);
  }

  #settings(kind: ComponentKind, idText: string, pipelines: readonly string[]): Settings {
    const entry = this.config.components[kind].get(idText);
    if (entry === undefined) throw new Error(`internal: ${kind} "${idText}" was not validated`);
    return {
      id: entry.id,
      kind,
      logger: this.#logger.child({ component: idText, kind }),
      telemetry: this.telemetry.forComponent(entry.id, kind),
      clock: { now: () => Date.now() },
      dataDir: this.config.dataDir,
      configDir: this.config.configDir,
      pipelines,
    };
  }

  #build(): void {
    const cfg = this.config;
    const only = this.#options.exportersOnly;
    const pipelinesOf = (kind: 'receivers' | 'exporters', id: string): string[] =>
      cfg.pipelines.filter((p) => p[kind].includes(id)).map((p) => p.id);

    // Exporters first: one instance per id, shared by every pipeline that names it.
    for (const p of cfg.pipelines) {
      for (const id of p.exporters) {
        if (this.#exporters.has(id) || (only !== undefined && !only.includes(id))) continue;
        const entry = cfg.components.exporter.get(id);
        if (entry === undefined) continue;
        const factory = entry.factory as ExporterFactory;
        const exporter = factory.create(
          this.#settings('exporter', id, pipelinesOf('exporters', id)),
          entry.config,
        );
        this.#exporters.set(id, exporter);
        this.#nodes.push({ key: `exporter:${id}`, kind: 'exporter', id, component: exporter });
      }
    }
    if (only !== undefined) return;

    // Processors per pipeline, built from the last one back so each gets its next consumer.
    const entries = new Map<string, LogsConsumer[]>();
    for (const p of cfg.pipelines) {
      let next: LogsConsumer = new FanoutConsumer(
        p.exporters
          .map((id) => this.#exporters.get(id))
          .filter((e): e is Component & LogsConsumer => e !== undefined),
      );
      const built: Node[] = [];
      for (const id of [...p.processors].reverse()) {
        const entry = cfg.components.processor.get(id);
        if (entry === undefined) continue;
        const factory = entry.factory as ProcessorFactory;
        const processor = factory.create(this.#settings('processor', id, [p.id]), entry.config, next);
        built.unshift({ key: `processor:${p.id}:${id}`, kind: 'processor', id, component: processor });
        next = processor;
      }
      this.#nodes.push(...built);
      for (const id of p.receivers) {
        const list = entries.get(id) ?? [];
        list.push(next);
        entries.set(id, list);
      }
    }

    // Receivers last: one instance per id, feeding every pipeline that names it.
    for (const [id, consumers] of entries) {
      const entry = cfg.components.receiver.get(id);
      if (entry === undefined) continue;
      const factory = entry.factory as ReceiverFactory;
      const next = new FanoutConsumer(consumers);
      const receiver = factory.create(
        this.#settings('receiver', id, pipelinesOf('receivers', id)),
        entry.config,
        next,
      );
      this.#nodes.push({ key: `receiver:${id}`, kind: 'receiver', id, component: receiver });
      if (factory.deliveryNote !== undefined) {
        this.#logger.warn({ component: id }, `Receiver "${id}": ${factory.deliveryNote}`);
      }
    }
  }

  /** Start everything; on any failure, stop what started and reject (nothing is left listening). */
  async start(): Promise<void> {
    const host: Host = {
      reportFatalError: (id, err) => {
        this.#logger.error(
          { component: id, err: errorMessage(err) },
          `Component "${id}" failed: ${errorMessage(err)}.`,
        );
        this.#options.onFatal?.(id, err);
      },
    };
    const started: Node[] = [];
    const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
    try {
      if (this.config.metricsAddress !== undefined && this.#options.exportersOnly === undefined) {
        const { host: h, port } = this.config.metricsAddress;
        const served = await serveTelemetry(this.telemetry, h, port);
        this.#server = served.server;
        this.#metricsUrl = served.url;
        this.#logger.info({ url: served.url }, `Serving /metrics and /healthz on ${served.url}.`);
      }
      // #nodes is in build order: exporters, processors (per pipeline, first to last), receivers.
      // Processors start last-to-first within a pipeline so each one's consumer is running first.
      const order = [
        ...this.#nodes.filter((n) => n.kind === 'exporter'),
        ...this.#nodes.filter((n) => n.kind === 'processor').reverse(),
        ...this.#nodes.filter((n) => n.kind === 'receiver'),
      ];
      for (const node of order) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), timeoutMs);
        try {
          await Promise.race([
            node.component.start(host, ac.signal),
            new Promise((_, reject) =>
              ac.signal.addEventListener(
                'abort',
                () => reject(new Error(`did not start within ${timeoutMs} ms`)),
                {
                  once: true,
                },
              ),
            ),
          ]);
        } catch (err) {
          throw new Error(`${node.kind} "${node.id}" failed to start: ${errorMessage(err)}`, { cause: err });
        } finally {
          clearTimeout(timer);
        }
        started.push(node);
      }
    } catch (err) {
      await this.#stopNodes(started, AbortSignal.timeout(this.config.shutdownTimeoutMs));
      this.#server?.close();
      throw err;
    }
  }

  /** Stop in order under the configured deadline; idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      const deadline = AbortSignal.timeout(this.config.shutdownTimeoutMs);
      await this.#stopNodes(this.#nodes, deadline);
      this.#server?.close();
    })();
    return this.#shutdown;
  }

  async #stopNodes(nodes: readonly Node[], signal: AbortSignal): Promise<void> {
    const order: ComponentKind[] = ['receiver', 'processor', 'exporter'];
    const errors: string[] = [];
    for (const kind of order) {
      // Within a kind, stop in parallel: receivers are independent, and so are exporters.
      const results = await Promise.allSettled(
        nodes.filter((n) => n.kind === kind).map((n) => n.component.shutdown(signal)),
      );
      results.forEach((r, i) => {
        if (r.status === 'rejected')
          errors.push(
            `${kind} "${nodes.filter((n) => n.kind === kind)[i]?.id ?? ''}": ${errorMessage(r.reason)}`,
          );
      });
    }
    if (errors.length > 0)
      this.#logger.error({ errors }, `Shutdown finished with ${errors.length} errors: ${errors.join('; ')}.`);
  }
}
