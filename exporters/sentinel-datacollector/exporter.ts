// The `sentinel-datacollector` exporter: record bodies → signed JSON arrays → HTTP Data Collector API.
// Queueing, batching, retry and dead letters are the exporter helper's; this file prepares one body per
// batch, sends it and turns the answer into a core error.
import type { Settings } from '../../core/component.js';
import type { AnyValue } from '@opentelemetry/api';
import type { LogRecord } from '../../core/consumer.js';
import { createRecord } from '../../core/records.js';
import { PartialSuccessError, PermanentError, SplitRequiredError } from '../../core/errors.js';
import {
  createQueuedExporter,
  type ExportBatch,
  type QueuedExporter,
} from '../../core/helpers/exporter-helper.js';
import { createHttpAgent } from '../../core/helpers/http.js';
import { LogOnce } from '../../core/helpers/log-once.js';
import { classificationToError, toCoreError } from '../sentinel-logs-ingestion/classify.js';
import { dataCollectorRetirementDate, sendDataCollector } from './classify.js';
import type { SentinelDataCollectorConfig } from './config.js';
import { defaultMaxBodyBytes, defaultMaxFieldBytes, limitFieldValues } from './encode.js';
import { decodeSharedKey } from './sign.js';

/** One batch made ready to send: the body, the batch indexes it holds, and what was left out or cut. */
export interface PreparedBody {
  readonly body: Buffer;
  readonly indexes: readonly number[];
  readonly rejected: readonly { readonly index: number; readonly reason: string }[];
  readonly truncatedValues: number;
  readonly truncatedRecords: number;
}

/** JSON of a record body as the helper measures it; never throws (a body that cannot be serialised is `null`). */
export function encodeBody(record: LogRecord): string {
  try {
    const body = record.body;
    // Bytes are not a JSON object (the API would get `{"0":…}`): keep them as a base64 string, rejected below.
    if (ArrayBuffer.isView(body))
      return JSON.stringify(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'));
    return toJson(body) ?? 'null';
  } catch {
    return 'null';
  }
}

// JSON.stringify gives undefined for undefined (a record without a body); the lib type hides that.
function toJson(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/**
 * Builds the request body for a batch. Bodies that are not JSON objects are left out (the API takes
 * arrays of flat objects); values over the 32 KB field limit are cut or the record is left out, per
 * `oversize_fields` (the service would cut them silently, Azure/Azure-Sentinel#10826).
 */
export function prepareDataCollectorBody(
  batch: ExportBatch,
  oversize: SentinelDataCollectorConfig['oversize_fields'],
  maxFieldBytes: number = defaultMaxFieldBytes,
): PreparedBody {
  const parts: string[] = [];
  const indexes: number[] = [];
  const rejected: { index: number; reason: string }[] = [];
  let truncatedValues = 0;
  let truncatedRecords = 0;
  // Works from the encodings alone (the queue keeps nothing else): a JSON object's text starts with `{`.
  const encoded = batch.encoded ?? batch.records.map(encodeBody);
  encoded.forEach((text, index) => {
    let json = text;
    if (!json.startsWith('{')) {
      rejected.push({
        index,
        reason:
          'record body is not a JSON object (the Data Collector API takes flat objects; map with darktrace-map schema sentinel-legacy)',
      });
      return;
    }
    // No value can pass the limit when the whole JSON text, at 3 UTF-8 bytes per UTF-16 unit, is under it.
    if (json.length * 3 > maxFieldBytes) {
      const body = JSON.parse(json) as Record<string, unknown>;
      const limited = limitFieldValues(body, maxFieldBytes);
      if (limited.cut > 0) {
        if (oversize === 'dead_letter') {
          rejected.push({
            index,
            reason: `record has values over the ${maxFieldBytes}-byte field limit (oversize_fields: dead_letter)`,
          });
          return;
        }
        json = JSON.stringify(limited.value);
        truncatedValues += limited.cut;
        truncatedRecords += 1;
      }
    }
    parts.push(json);
    indexes.push(index);
  });
  return {
    body: Buffer.from(`[${parts.join(',')}]`, 'utf8'),
    indexes,
    rejected,
    truncatedValues,
    truncatedRecords,
  };
}

/** Creates the exporter: the helper's queue, batching and retry around one signed POST per batch. */
export function createSentinelDataCollectorExporter(
  settings: Settings,
  config: SentinelDataCollectorConfig,
): QueuedExporter {
  const id = settings.id.id;
  // Decoded once, as peers do (sentinel.md §1.2); validate() has already checked it.
  const key = decodeSharedKey(config.shared_key);
  const agent = createHttpAgent({}, { connections: config.sending_queue.num_consumers });
  const logOnce = new LogOnce(settings.logger);
  const retiredOn = dataCollectorRetirementDate.toISOString().slice(0, 10);
  const send = {
    workspaceId: config.workspace_id,
    sharedKey: key,
    logType: config.log_type,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    ...(config.time_generated_field !== undefined && { timeGeneratedField: config.time_generated_field }),
    ...(config.azure_resource_id !== undefined && { azureResourceId: config.azure_resource_id }),
    maxBodyBytes: defaultMaxBodyBytes,
    clock: () => new Date(settings.clock.now()),
    ...(config.retired_api_handling === 'retry' && { retiredAfter: null }),
    dispatcher: agent,
  };

  return createQueuedExporter(settings, config, {
    encode: encodeBody,
    // Only the body is sent, so the memory queue keeps just its JSON; dead letters hold that body.
    decode: (encoded) => createRecord({ body: JSON.parse(encoded) as AnyValue }),
    classify: toCoreError,
    limits: {
      // The helper sums record sizes; the array adds a comma per record and two brackets.
      maxBatchBytes: defaultMaxBodyBytes - config.batch.max_records - 2,
      maxRecordBytes: defaultMaxBodyBytes - 2,
    },
    start() {
      const retired = settings.clock.now() >= dataCollectorRetirementDate.getTime();
      settings.logger.warn(
        { retired_on: retiredOn, retired_api_handling: config.retired_api_handling },
        `Exporter "${id}" uses the HTTP Data Collector API, which Microsoft ${retired ? 'retired' : 'retires'} on ` +
          `${retiredOn}; move to the sentinel-logs-ingestion exporter.`,
      );
      return Promise.resolve();
    },
    async push(batch, signal) {
      const prepared = prepareDataCollectorBody(batch, config.oversize_fields);
      const { rejected } = prepared;
      const first = rejected[0];
      if (prepared.indexes.length === 0 && first !== undefined) {
        throw new PermanentError(first.reason);
      }
      if (prepared.body.length > defaultMaxBodyBytes) {
        throw new SplitRequiredError(`body of ${prepared.body.length} bytes is over the 30,000,000-byte cap`);
      }
      const result = await sendDataCollector(
        { ...send, records: prepared.indexes.length },
        prepared.body,
        signal,
      );
      const error = classificationToError(result);
      if (error !== undefined) {
        if (result.requestId !== undefined) {
          settings.logger.debug(
            { status: result.httpStatus, request_id: result.requestId },
            `Exporter "${id}" request failed: ${error.message}`,
          );
        }
        throw error;
      }
      if (prepared.truncatedRecords > 0) {
        logOnce.log(
          'warn',
          'truncated',
          prepared.truncatedRecords,
          (n) =>
            `Exporter "${id}" truncated values over ${defaultMaxFieldBytes} bytes in ${n} records (oversize_fields: truncate).`,
          { values: prepared.truncatedValues },
        );
      }
      if (first !== undefined) {
        throw new PartialSuccessError(first.reason, rejected.length, {
          failedIndexes: rejected.map((r) => r.index),
          retryable: false,
        });
      }
    },
    async shutdown() {
      await agent.close();
    },
  });
}
