// Components whose code (and SDKs) load only when they start: a service that does not use the Azure or
// gRPC exporters, or the REST receiver, never pays their memory (tens of MB each).
import type { Component, Host } from '../component.js';
import type { Capabilities, LogBatch, LogsConsumer } from '../consumer.js';
import { RetryableError } from '../errors.js';

/** A receiver (or any Component) that loads its implementation in `start`. */
export class LazyComponent<T extends Component> implements Component {
  readonly #load: () => Promise<T>;
  #target: T | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  /** The real component, once started. */
  get target(): T | undefined {
    return this.#target;
  }

  /** Load (once) and return the real component; start() does this, tests may call it directly. */
  async load(): Promise<T> {
    this.#target ??= await this.#load();
    return this.#target;
  }

  async start(host: Host, signal: AbortSignal): Promise<void> {
    await (await this.load()).start(host, signal);
  }

  shutdown(signal: AbortSignal): Promise<void> {
    this.#shutdown ??= this.#target === undefined ? Promise.resolve() : this.#target.shutdown(signal);
    return this.#shutdown;
  }
}

/** An exporter or processor that loads its implementation in `start`. */
export class LazyConsumer<T extends Component & LogsConsumer>
  extends LazyComponent<T>
  implements LogsConsumer
{
  readonly capabilities: Capabilities = { mutatesData: false };

  consume(batch: LogBatch, signal?: AbortSignal): Promise<void> {
    const target = this.target;
    if (target === undefined) return Promise.reject(new RetryableError('component is not started'));
    return target.consume(batch, signal);
  }
}
