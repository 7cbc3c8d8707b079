/**
 * What every component is and what the runtime hands it.
 *
 * Lifecycle (the runtime guarantees the order; components may rely on it):
 * 1. `create(settings, config, next?)` from the factory: no I/O, no timers, no listening sockets.
 * 2. `start(host, signal)`: exporters first, then processors, then receivers. Must return quickly; long
 *    work (listening, polling) hangs off the component's own AbortController. A rejection aborts the whole
 *    startup (startup is all or nothing) and the components already started are shut down.
 * 3. `shutdown(signal)`: receivers first, then processors, then exporters, under one deadline carried by
 *    `signal`. Stop taking new data, flush what is buffered downstream, release resources. Runs once: a
 *    second call returns the same promise. Safe to call without `start`. When `signal` aborts, give up on
 *    flushing; an exporter with a persistent queue leaves the rest on disk, otherwise dead-letters it.
 */
import type { Logger } from 'pino';

/** The three kinds of component a pipeline is made of. */
export type ComponentKind = 'receiver' | 'processor' | 'exporter';

/** All kinds, in pipeline order. */
export const componentKinds: readonly ComponentKind[] = ['receiver', 'processor', 'exporter'];

/** Stability of a component type, as the OTel Collector grades them. */
export type Stability = 'development' | 'alpha' | 'beta' | 'stable' | 'deprecated';

/** A component id `type[/name]`, parsed. */
export interface ComponentId {
  readonly type: string;
  readonly name: string | undefined;
  /** The id as written: `type` or `type/name`. */
  readonly id: string;
}

/** Type strings: kebab-case, a letter first, at most 63 characters. */
export const typePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Parse `type[/name]`. Returns undefined when the text is not a valid id. */
export function parseComponentId(text: string): ComponentId | undefined {
  const slash = text.indexOf('/');
  const type = slash < 0 ? text : text.slice(0, slash);
  const name = slash < 0 ? undefined : text.slice(slash + 1);
  if (type.length > 63 || !typePattern.test(type)) return undefined;
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) return undefined;
  return { type, name, id: text };
}

/** Health a component reports; `/healthz` is 200 only while every component is `ok`. */
export type HealthStatus = 'ok' | 'degraded' | 'failed';

/**
 * Self-metrics for one component. Methods are cheap (one counter add); call them per batch, not per record.
 * Every count lands in `/metrics` labelled with the component id and kind.
 */
export interface ComponentTelemetry {
  /** Records this component took in (receivers: received and accepted downstream; others: consumed). */
  accepted(count: number): void;
  /** Records refused by the next consumer (backpressure or permanent refusal), so not taken in. */
  refused(count: number): void;
  /** Records dropped on purpose or by policy, with a short reason label (`filtered`, `queue_full`, ...). */
  dropped(count: number, reason: string): void;
  /** Records an exporter delivered. */
  sent(count: number): void;
  /** Records that failed for good (dead-lettered or lost), with a reason label. */
  failed(count: number, reason: string): void;
  /** One retry of a request by an exporter. */
  retried(): void;
  /** Records that could not be read at all (malformed input), with a reason label. */
  malformed(count: number, reason: string): void;
  /** Report queue occupancy: the gauge is read lazily from these functions at scrape time. */
  observeQueue(size: () => number, capacity: () => number): void;
  /** Report health; the message explains a non-ok status (no secrets, no payloads). */
  setHealth(status: HealthStatus, message?: string): void;
}

/** Injectable time source, for tests. */
export interface Clock {
  now(): number;
}

/** What the runtime gives each component at creation. */
export interface Settings {
  /** The component's id, e.g. `darktrace-filter/critical`. */
  readonly id: ComponentId;
  readonly kind: ComponentKind;
  /** Structured logger tagged with the component id. Never log payloads or secrets. */
  readonly logger: Logger;
  readonly telemetry: ComponentTelemetry;
  readonly clock: Clock;
  /** The directory for this service's state (cursors, queues, dead letters); absolute. */
  readonly dataDir: string;
  /** Directory of the configuration file, to resolve relative paths in config; absolute. */
  readonly configDir: string;
  /** Ids of the pipelines this instance serves (one for processors). */
  readonly pipelines: readonly string[];
}

/** The running service as a component sees it. */
export interface Host {
  /** Report a failure the component cannot recover from; the service shuts down. */
  reportFatalError(id: string, err: Error): void;
}

/** A running part of the graph. */
export interface Component {
  /** Begin work. Must resolve quickly; see the lifecycle above. */
  start(host: Host, signal: AbortSignal): Promise<void>;
  /** Stop and flush under the deadline carried by `signal`; idempotent and safe before `start`. */
  shutdown(signal: AbortSignal): Promise<void>;
}
