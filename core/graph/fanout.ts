// Fan-out: one batch to several consumers. Everyone gets the same frozen batch; a consumer that declares it
// mutates data gets its own deep copy, so branches never see each other's changes.
import type { Capabilities, LogBatch, LogsConsumer } from '../consumer.js';
import { DtcolError, PermanentError, errorMessage } from '../errors.js';
import { cloneRecord } from '../records.js';

export class FanoutConsumer implements LogsConsumer {
  readonly capabilities: Capabilities = { mutatesData: false };
  readonly #consumers: readonly LogsConsumer[];

  constructor(consumers: readonly LogsConsumer[]) {
    this.#consumers = consumers;
  }

  async consume(batch: LogBatch, signal?: AbortSignal): Promise<void> {
    const consumers = this.#consumers;
    if (consumers.length === 1) {
      await consumers[0]?.consume(batch, signal);
      return;
    }
    Object.freeze(batch);
    const results = await Promise.allSettled(
      consumers.map((c) => c.consume(c.capabilities.mutatesData ? batch.map(cloneRecord) : batch, signal)),
    );
    // The worst outcome wins: permanent over retryable. Branches that accepted keep what they took, so a
    // retry upstream may duplicate there (at least once).
    let worst: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      if (worst === undefined || (r.reason instanceof PermanentError && !(worst instanceof PermanentError)))
        worst = r.reason;
    }
    if (worst !== undefined)
      throw worst instanceof Error ? worst : new DtcolError('ERR_FANOUT', errorMessage(worst));
  }
}
