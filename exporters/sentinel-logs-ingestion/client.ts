/**
 * Sends records to a DCR stream through `@azure/monitor-ingestion`, accounting for every record.
 *
 * Why the SDK is driven one chunk per `upload` call, with its retries off (sentinel.md §2.4):
 * - `upload` stops scheduling chunks when its abort signal fires and then resolves without reporting
 *   the chunks it never sent (`concurrentRun` in `utils/concurrentPoolHelper.js`). With one chunk per
 *   call the chunk is either started (and then fails with the abort) or never handed over.
 * - Its chunker sums record sizes without commas and brackets against 1,000,000 bytes, so many small
 *   records can exceed the service's 1,048,576-byte cap. Our chunks are measured exactly.
 * - Its pipeline retries 429/5xx/network errors three times on its own; the runtime owns retries.
 */
import {
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import { chunkRecords, defaultMaxChunkBytes } from './chunk.js';
import { classifyLogsIngestionError, logsIngestionMaxRequestBytes, type Classification } from './classify.js';

/** The Logs Ingestion API version (sentinel.md §2.1). */
export const defaultLogsIngestionApiVersion = '2023-01-01';

/** How the exporter authenticates to Entra ID. */
export type IngestionCredentialOptions =
  | {
      readonly type: 'client_secret';
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
      /** Sovereign clouds (`https://login.microsoftonline.us`) or a test authority. */
      readonly authorityHost?: string;
      /** Skip MSAL's instance discovery, which asks the public cloud first (sentinel.md §2.6). */
      readonly disableInstanceDiscovery?: boolean;
    }
  | {
      readonly type: 'managed_identity';
      /** User-assigned identity by client id; omit all three for the system-assigned identity. */
      readonly clientId?: string;
      readonly resourceId?: string;
      readonly objectId?: string;
    }
  | {
      readonly type: 'workload_identity';
      /** Defaults come from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE. */
      readonly tenantId?: string;
      readonly clientId?: string;
      readonly tokenFilePath?: string;
      readonly authorityHost?: string;
    };

/** Builds an explicit credential (no DefaultAzureCredential chain, so misconfiguration is obvious). */
export function createIngestionCredential(options: IngestionCredentialOptions): TokenCredential {
  switch (options.type) {
    case 'client_secret':
      return new ClientSecretCredential(options.tenantId, options.clientId, options.clientSecret, {
        ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
        ...(options.disableInstanceDiscovery === undefined
          ? {}
          : { disableInstanceDiscovery: options.disableInstanceDiscovery }),
      });
    case 'managed_identity': {
      const given = [options.clientId, options.resourceId, options.objectId].filter((v) => v !== undefined);
      if (given.length > 1) {
        throw new TypeError('managed_identity takes at most one of client_id, resource_id and object_id.');
      }
      if (options.resourceId !== undefined)
        return new ManagedIdentityCredential({ resourceId: options.resourceId });
      if (options.objectId !== undefined)
        return new ManagedIdentityCredential({ objectId: options.objectId });
      if (options.clientId !== undefined)
        return new ManagedIdentityCredential({ clientId: options.clientId });
      return new ManagedIdentityCredential();
    }
    case 'workload_identity':
      return new WorkloadIdentityCredential({
        ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
        ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
        ...(options.tokenFilePath === undefined ? {} : { tokenFilePath: options.tokenFilePath }),
        ...(options.authorityHost === undefined ? {} : { authorityHost: options.authorityHost }),
      });
  }
}

/** Settings for {@link SentinelIngestionClient}. */
export interface SentinelIngestionClientOptions {
  /** DCE or DCR `logsIngestion` endpoint, e.g. `https://my-dce.eastus-1.ingest.monitor.azure.com`. */
  readonly endpoint: string;
  /** DCR immutable id (`dcr-…`). */
  readonly dcrImmutableId: string;
  /** Stream name as declared in the DCR, e.g. `Custom-DarktraceModelAlerts`. */
  readonly stream: string;
  readonly credential: TokenCredential;
  /** Default `2023-01-01`. */
  readonly apiVersion?: string;
  /** Token audience for sovereign clouds (`https://monitor.azure.us`); default public cloud. */
  readonly audience?: string;
  /** Target call size in bytes, uncompressed (default 1,000,000; at most 1,048,576). */
  readonly maxChunkBytes?: number;
  /** Calls in flight at once (default 2). */
  readonly maxConcurrency?: number;
  /** Rename fields to the classic table's suffixed columns first (see {@link toLegacySuffixedColumns}). */
  readonly legacyColumns?: boolean;
}

/** Records that were not ingested, by input index, with what to do about them. */
export interface IngestionFailure {
  readonly indexes: number[];
  /** `retryable` or `permanent`; oversize calls are split here, so `split` never reaches the caller. */
  readonly classification: Exclude<Classification, { kind: 'ok' } | { kind: 'split' }>;
}

/** Outcome of one {@link SentinelIngestionClient.send}: every input index appears exactly once. */
export interface IngestionResult {
  readonly accepted: number[];
  readonly failed: IngestionFailure[];
  /** `upload` calls made (one HTTP request each at the default chunk size), including 413 re-sends. */
  readonly requests: number;
}

type Row = Readonly<Record<string, unknown>>;

interface Unit {
  readonly items: { readonly row: Row; readonly index: number }[];
  readonly rows: Row[];
  readonly indexes: number[];
}

function zip(rows: readonly Row[], indexes: readonly number[]): Unit['items'] {
  const items: Unit['items'] = [];
  for (const [i, row] of rows.entries()) {
    const index = indexes[i];
    if (index !== undefined) items.push({ row, index });
  }
  return items;
}

function toUnit(items: Unit['items']): Unit {
  return { items, rows: items.map((item) => item.row), indexes: items.map((item) => item.index) };
}

/** Sends batches to one DCR stream with gzip on; never throws for a delivery failure. */
export class SentinelIngestionClient {
  readonly #options: SentinelIngestionClientOptions;
  readonly #client: LogsIngestionClient;

  constructor(options: SentinelIngestionClientOptions) {
    if (options.maxChunkBytes !== undefined && options.maxChunkBytes > logsIngestionMaxRequestBytes) {
      throw new RangeError(
        `maxChunkBytes must be at most ${logsIngestionMaxRequestBytes} (the service cap).`,
      );
    }
    this.#options = options;
    this.#client = new LogsIngestionClient(options.endpoint, options.credential, {
      apiVersion: options.apiVersion ?? defaultLogsIngestionApiVersion,
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      retryOptions: { maxRetries: 0 },
      userAgentOptions: { userAgentPrefix: 'dtcol' },
    });
  }

  /** Sends `records`; the result says which were accepted and why the others failed. */
  async send(records: readonly Row[], signal?: AbortSignal): Promise<IngestionResult> {
    const rows = this.#options.legacyColumns === true ? records.map(toLegacySuffixedColumns) : records;
    const { chunks, unsendable } = chunkRecords(rows, {
      maxChunkBytes: this.#options.maxChunkBytes ?? defaultMaxChunkBytes,
    });
    const accepted: number[] = [];
    const failed: IngestionFailure[] = unsendable.map((item) => ({
      indexes: [item.index],
      classification: {
        kind: 'permanent',
        reason: item.reason,
        ...(item.bytes === undefined ? {} : { status: 413 }),
      },
    }));
    const queue: Unit[] = chunks.map((chunk) => toUnit(zip(chunk.records, chunk.indexes)));
    let requests = 0;

    const worker = async (): Promise<void> => {
      for (let unit = queue.shift(); unit !== undefined; unit = queue.shift()) {
        if (signal?.aborted === true) {
          failed.push({
            indexes: unit.indexes,
            classification: { kind: 'retryable', reason: 'Aborted before sending' },
          });
          continue;
        }
        requests += 1;
        for (const outcome of await this.#upload(unit, signal)) {
          if (outcome.classification.kind === 'ok') {
            accepted.push(...outcome.indexes);
          } else if (outcome.classification.kind === 'split') {
            // 413: halve and resend; halves shrink, so this ends at single records (permanent).
            const wanted = new Set(outcome.indexes);
            const items = unit.items.filter((item) => wanted.has(item.index));
            if (items.length <= 1) {
              const reason = `${outcome.classification.reason}; a single record cannot be split`;
              failed.push({
                indexes: outcome.indexes,
                classification: { kind: 'permanent', status: 413, reason },
              });
              continue;
            }
            const half = Math.ceil(items.length / 2);
            queue.unshift(toUnit(items.slice(0, half)), toUnit(items.slice(half)));
          } else {
            failed.push({ indexes: outcome.indexes, classification: outcome.classification });
          }
        }
      }
    };
    const concurrency = Math.max(1, this.#options.maxConcurrency ?? 2);
    await Promise.all(Array.from({ length: concurrency }, worker));

    accepted.sort((a, b) => a - b);
    return { accepted, failed, requests };
  }

  async #upload(
    unit: Unit,
    signal?: AbortSignal,
  ): Promise<{ indexes: number[]; classification: Classification }[]> {
    const { dcrImmutableId, stream } = this.#options;
    try {
      await this.#client.upload(dcrImmutableId, stream, unit.rows, {
        maxConcurrency: 1,
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      return [{ indexes: unit.indexes, classification: { kind: 'ok' } }];
    } catch (error) {
      if (!isAggregateLogsUploadError(error)) {
        return [
          {
            indexes: unit.indexes,
            classification: classifyLogsIngestionError(error, { records: unit.rows.length }),
          },
        ];
      }
      // The SDK reports failed records by object; map them back to input indexes. A pool of
      // indexes per object keeps records that appear twice in a batch apart.
      const pool = new Map<unknown, number[]>();
      for (const { row, index } of unit.items) {
        const list = pool.get(row) ?? [];
        list.push(index);
        pool.set(row, list);
      }
      const outcomes: { indexes: number[]; classification: Classification }[] = [];
      for (const failure of error.errors) {
        const indexes: number[] = [];
        for (const row of failure.failedLogs) {
          const index = pool.get(row)?.shift();
          if (index !== undefined) indexes.push(index);
        }
        outcomes.push({
          indexes,
          classification: classifyLogsIngestionError(failure.cause, { records: failure.failedLogs.length }),
        });
      }
      // Whatever the SDK did not report as failed was sent in a call that succeeded.
      const rest = [...pool.values()].flat();
      if (rest.length > 0) outcomes.push({ indexes: rest, classification: { kind: 'ok' } });
      return outcomes;
    }
  }
}

// Legacy column naming (sentinel.md §1.3, §1.7, §3.5).
const unsuffixed: Readonly<Record<string, string>> = {
  message: 'Message',
  Message: 'Message',
  category: 'Category',
  Category: 'Category',
  severity: 'Severity',
  Severity: 'Severity',
  sourceIP: 'SourceIP',
  SourceIP: 'SourceIP',
  Computer: 'Computer',
  TimeGenerated: 'TimeGenerated',
};
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const guid = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

/**
 * Renames a flat Darktrace record to the columns the Data Collector API gave `darktrace_model_alerts_CL`,
 * for a table migrated to a DCR that keeps those names (sentinel.md §1.7): strings `_s`, numbers `_d`,
 * booleans `_b`, ISO 8601 date-times `_t`, GUIDs `_g` (with dashes), arrays as JSON text in `_s`,
 * nested objects flattened as `parent_child_<suffix>`, nulls dropped, and `message`, `category`,
 * `severity`, `sourceIP` unsuffixed. Values keep their JSON types; the first of any case-duplicate wins.
 */
export function toLegacySuffixedColumns(record: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const taken = new Set<string>();
  const put = (column: string, value: unknown): void => {
    const folded = column.toLowerCase();
    if (taken.has(folded)) return;
    taken.add(folded);
    out[column] = value;
  };
  const visit = (source: Row, prefix: string): void => {
    for (const [key, value] of Object.entries(source)) {
      if (value === null || value === undefined) continue;
      const special = prefix === '' ? unsuffixed[key] : undefined;
      if (special !== undefined) {
        put(special, value);
        continue;
      }
      const name = prefix + key;
      if (typeof value === 'string') {
        const g = guid.exec(value);
        if (g !== null) put(`${name}_g`, g.slice(1).join('-'));
        else put(`${name}${isoDateTime.test(value) ? '_t' : '_s'}`, value);
      } else if (typeof value === 'number') {
        put(`${name}_d`, value);
      } else if (typeof value === 'boolean') {
        put(`${name}_b`, value);
      } else if (Array.isArray(value)) {
        put(`${name}_s`, JSON.stringify(value));
      } else if (typeof value === 'object') {
        visit(value as Row, `${name}_`);
      } else if (typeof value === 'bigint') {
        put(`${name}_s`, value.toString());
      }
    }
  };
  visit(record, '');
  return out;
}
