// The `sentinel-logs-ingestion` exporter: record bodies → DCR streams through `@azure/monitor-ingestion`.
// One push may hold records for several streams: they are grouped, sent per stream, and failures are
// reported to the exporter helper by batch index, so each record is retried or dead-lettered, never lost.
import type { Settings } from '../../core/component.js';
import type { LogRecord } from '../../core/consumer.js';
import { PartialSuccessError, PermanentError, RetryableError } from '../../core/errors.js';
import { createQueuedExporter, type QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { hrTimeToMs } from '../../core/records.js';
import { toCoreError, withoutRequestId, logsIngestionMaxRequestBytes } from './classify.js';
import { defaultMaxChunkBytes } from './chunk.js';
import {
  createIngestionCredential,
  SentinelIngestionClient,
  toLegacySuffixedColumns,
  type IngestionCredentialOptions,
  type IngestionFailure,
} from './client.js';
import type { SentinelAuthConfig, SentinelLogsIngestionConfig } from './config.js';

/** Attribute darktrace-map sets to the CCF stream of a mapped record. */
export const streamAttribute = 'sentinel.stream';
/** Attribute receivers set to the alert kind. */
export const kindAttribute = 'darktrace.alert.kind';

const defaultAudience = 'https://monitor.azure.com';

/**
 * Picks a record's stream: `streams[sentinel.stream]`, then `streams[kind]`, then the `sentinel.stream`
 * value itself when it is one of the configured stream names, then `stream`. `undefined`: no route.
 */
export function createStreamRouter(
  config: Pick<SentinelLogsIngestionConfig, 'stream' | 'streams'>,
): (record: LogRecord) => string | undefined {
  const map = new Map(Object.entries(config.streams ?? {}));
  const known = new Set(map.values());
  if (config.stream !== undefined) known.add(config.stream);
  return (record) => {
    const attribute = record.attributes[streamAttribute];
    const named = typeof attribute === 'string' && attribute !== '' ? attribute : undefined;
    if (named !== undefined) {
      const mapped = map.get(named);
      if (mapped !== undefined) return mapped;
    }
    const kind = record.attributes[kindAttribute];
    if (typeof kind === 'string') {
      const mapped = map.get(kind);
      if (mapped !== undefined) return mapped;
    }
    if (named !== undefined && known.has(named)) return named;
    return config.stream;
  };
}

/** The credential options for an `auth` block (validate() has checked the fields per type). */
export function credentialOptions(auth: SentinelAuthConfig): IngestionCredentialOptions {
  switch (auth.type) {
    case 'client_secret':
      return {
        type: 'client_secret',
        tenantId: auth.tenant_id ?? '',
        clientId: auth.client_id ?? '',
        clientSecret: auth.client_secret ?? '',
        ...(auth.authority_host !== undefined && { authorityHost: auth.authority_host }),
        ...(auth.disable_instance_discovery && { disableInstanceDiscovery: true }),
      };
    case 'managed_identity':
      return { type: 'managed_identity', ...(auth.client_id !== undefined && { clientId: auth.client_id }) };
    case 'workload_identity':
      return {
        type: 'workload_identity',
        ...(auth.tenant_id !== undefined && { tenantId: auth.tenant_id }),
        ...(auth.client_id !== undefined && { clientId: auth.client_id }),
        ...(auth.token_file_path !== undefined && { tokenFilePath: auth.token_file_path }),
        ...(auth.authority_host !== undefined && { authorityHost: auth.authority_host }),
      };
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * The object sent for a record: its body, plus `TimeGenerated` when the body has none and the mode asks
 * for it (a DCR's output must carry TimeGenerated; Fluent Bit's Logs Ingestion output adds one too).
 * `undefined` for a body that is not a JSON object.
 */
export function rowOf(
  record: LogRecord,
  mode: SentinelLogsIngestionConfig['time_generated'],
): Record<string, unknown> | undefined {
  const body = record.body;
  if (!isJsonObject(body)) return undefined;
  if (mode === 'off' || 'TimeGenerated' in body) return body;
  const ms = hrTimeToMs(mode === 'alert' ? record.hrTime : record.hrTimeObserved);
  return { ...body, TimeGenerated: new Date(ms).toISOString() };
}

interface Failed {
  readonly index: number;
  readonly classification: IngestionFailure['classification'];
}

/** Turns the failed records of one push into the core error the helper acts on (see the file comment). */
export function failureToError(total: number, failed: readonly Failed[]): Error | undefined {
  if (failed.length === 0) return undefined;
  const retryable = failed.filter((f) => f.classification.kind === 'retryable');
  const permanent = failed.filter((f) => f.classification.kind === 'permanent');
  const accepted = total - failed.length;
  const firstRetryable = retryable[0];
  if (firstRetryable !== undefined) {
    const reason = withoutRequestId(firstRetryable.classification.reason);
    if (accepted === 0 && permanent.length === 0) {
      // Whole batch: a RetryableError carries the server's delay (PartialSuccessError cannot).
      let retryAfterMs: number | undefined;
      for (const f of retryable) {
        const ms = f.classification.kind === 'retryable' ? f.classification.retryAfterMs : undefined;
        if (ms !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, ms);
      }
      return new RetryableError(reason, retryAfterMs === undefined ? {} : { retryAfterMs });
    }
    // Mixed: retry every failed record; the permanent ones fail again alone and are dead-lettered then.
    return new PartialSuccessError(reason, failed.length, {
      failedIndexes: failed.map((f) => f.index),
      retryable: true,
    });
  }
  const first = permanent[0];
  if (first?.classification.kind !== 'permanent') return undefined;
  const reason = withoutRequestId(first.classification.reason);
  const status = first.classification.status;
  if (accepted === 0) return new PermanentError(reason, status === undefined ? {} : { status });
  const partial = new PartialSuccessError(reason, permanent.length, {
    failedIndexes: permanent.map((f) => f.index),
    retryable: false,
  });
  // The helper copies an error's `status` into the dead-letter entries; PartialSuccessError has no field for it.
  return status === undefined ? partial : Object.assign(partial, { status });
}

/** Creates the exporter: the helper's queue, batching and retry around per-stream uploads. */
export function createSentinelLogsIngestionExporter(
  settings: Settings,
  config: SentinelLogsIngestionConfig,
): QueuedExporter {
  const id = settings.id.id;
  const credential = createIngestionCredential(credentialOptions(config.auth));
  const route = createStreamRouter(config);
  const clients = new Map<string, SentinelIngestionClient>();
  const names = new Set(Object.values(config.streams ?? {}));
  if (config.stream !== undefined) names.add(config.stream);
  for (const stream of names) {
    clients.set(
      stream,
      new SentinelIngestionClient({
        endpoint: config.endpoint,
        dcrImmutableId: config.dcr_immutable_id,
        stream,
        credential,
        ...(config.audience !== undefined && { audience: config.audience }),
        maxChunkBytes: defaultMaxChunkBytes,
        legacyColumns: config.legacy_columns,
      }),
    );
  }
  const stopProbe = new AbortController();

  const encode = (record: LogRecord): string => {
    try {
      const row = rowOf(record, config.time_generated);
      if (row === undefined) return 'null';
      return JSON.stringify(config.legacy_columns ? toLegacySuffixedColumns(row) : row);
    } catch {
      return 'null';
    }
  };

  return createQueuedExporter(settings, config, {
    encode,
    classify: toCoreError,
    limits: {
      // One batch is one call per stream: the helper sums record sizes, the array adds commas and brackets.
      maxBatchBytes: defaultMaxChunkBytes - config.batch.max_records - 2,
      maxRecordBytes: logsIngestionMaxRequestBytes - 2,
    },
    start() {
      // Fetch a token in the background so a wrong secret or missing role shows at start, not at the first alert.
      const scope = `${config.audience ?? defaultAudience}/.default`;
      credential.getToken(scope, { abortSignal: stopProbe.signal }).then(
        () => settings.logger.debug(`Exporter "${id}" got an Entra ID token.`),
        (error: unknown) => {
          if (stopProbe.signal.aborted) return;
          const message = toCoreError(error).message;
          settings.logger.error(
            { auth: config.auth.type },
            `Exporter "${id}" could not get an Entra ID token: ${message}`,
          );
          settings.telemetry.setHealth('degraded', `no Entra ID token: ${message}`);
        },
      );
      return Promise.resolve();
    },
    async push(batch, signal) {
      const failed: Failed[] = [];
      const groups = new Map<string, { rows: Record<string, unknown>[]; indexes: number[] }>();
      batch.records.forEach((record, index) => {
        const row = rowOf(record, config.time_generated);
        if (row === undefined) {
          const reason = 'record body is not a JSON object (a DCR stream takes objects)';
          failed.push({ index, classification: { kind: 'permanent', reason } });
          return;
        }
        const stream = route(record);
        if (stream === undefined) {
          const kind = record.attributes[kindAttribute];
          const reason = `no stream for alert kind "${typeof kind === 'string' ? kind : 'unknown'}" (set stream, or a streams entry for it)`;
          failed.push({ index, classification: { kind: 'permanent', reason } });
          return;
        }
        let group = groups.get(stream);
        if (group === undefined) {
          group = { rows: [], indexes: [] };
          groups.set(stream, group);
        }
        group.rows.push(row);
        group.indexes.push(index);
      });
      const results = await Promise.all(
        [...groups].map(async ([stream, group]) => {
          const client = clients.get(stream);
          if (client === undefined) throw new Error(`internal: no client for stream ${stream}`);
          return { group, result: await client.send(group.rows, signal) };
        }),
      );
      for (const { group, result } of results) {
        for (const failure of result.failed) {
          for (const i of failure.indexes) {
            const index = group.indexes[i];
            if (index !== undefined) failed.push({ index, classification: failure.classification });
          }
        }
      }
      const error = failureToError(batch.records.length, failed);
      if (error !== undefined) throw error;
    },
    shutdown() {
      stopProbe.abort();
      return Promise.resolve();
    },
  });
}
