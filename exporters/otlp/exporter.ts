// The `otlp` exporter: the delivery engine (queue, batch, retry, dead letters) around one OTLP push.
//
// Encoding is @opentelemetry/otlp-transformer's. One quirk is theirs, not ours: a JS number that is a whole
// number becomes an OTLP intValue, any other a doubleValue, so a Darktrace 0-1 score of exactly 1 arrives
// as the int 1 while 0.67 arrives as a double (collectors.md §8.3). Receivers that type columns by the
// first value they see should treat these fields as doubles.
import { hostname } from 'node:os';
import {
  JsonLogsSerializer,
  ProtobufLogsSerializer,
  type IExportLogsServiceResponse,
} from '@opentelemetry/otlp-transformer';
import type { Settings } from '../../core/component.js';
import { PermanentError, SplitRequiredError } from '../../core/errors.js';
import { createQueuedExporter, type QueuedExporter } from '../../core/helpers/exporter-helper.js';
import { parseByteSize, parseDuration } from '../../core/units.js';
import { readPartialSuccess } from './classify.js';
import { otlpLogsUrl, resolveConfigPath, type OtlpExporterConfig } from './config.js';
import { createGrpcSender } from './grpc-sender.js';
import { createHttpSender, type OtlpSender } from './http-sender.js';
import { ResourceGrouper } from './resource.js';

const userAgent = 'darktrace-collector';

/** Distinct partial-success warnings logged before we stop logging new ones. */
const maxWarnings = 20;

/** Build the exporter. No I/O here: the connection (and TLS files) are opened in start. */
export function createOtlpExporter(settings: Settings, config: OtlpExporterConfig): QueuedExporter {
  const id = settings.id.id;
  const grouper = new ResourceGrouper({
    'service.name': config.service_name,
    'host.name': config.host_name ?? hostname(),
    ...config.resource_attributes,
  });
  const serializer = config.protocol === 'http/json' ? JsonLogsSerializer : ProtobufLogsSerializer;
  const maxBytes = parseByteSize(config.batch.max_bytes);
  const tls = {
    insecure: config.tls.insecure,
    insecure_skip_verify: config.tls.insecure_skip_verify,
    ...(config.tls.ca_file !== undefined && {
      ca_file: resolveConfigPath(settings.configDir, config.tls.ca_file),
    }),
    ...(config.tls.cert_file !== undefined && {
      cert_file: resolveConfigPath(settings.configDir, config.tls.cert_file),
    }),
    ...(config.tls.key_file !== undefined && {
      key_file: resolveConfigPath(settings.configDir, config.tls.key_file),
    }),
  };
  const warnings = new Set<string>();
  let sender: OtlpSender | undefined;

  const openSender = (): OtlpSender =>
    config.protocol === 'grpc'
      ? createGrpcSender({
          endpoint: config.endpoint,
          compression: config.compression,
          headers: config.headers,
          tls,
          timeoutMs: parseDuration(config.timeout),
          userAgent,
        })
      : createHttpSender({
          url: otlpLogsUrl(config),
          encoding: config.protocol === 'http/json' ? 'json' : 'protobuf',
          compression: config.compression,
          headers: config.headers,
          tls,
          connections: config.sending_queue.num_consumers,
          userAgent,
        });

  return createQueuedExporter(settings, config, {
    start() {
      if (config.tls.insecure_skip_verify) {
        const peer = config.protocol === 'grpc' ? config.endpoint : new URL(otlpLogsUrl(config)).host;
        settings.logger.warn(
          `Exporter "${id}" does NOT verify the TLS certificate of ${peer}: anyone in the path can read and change the alerts.`,
        );
      }
      sender = openSender();
      return Promise.resolve();
    },
    async push(batch, signal) {
      sender ??= openSender();
      const records = grouper.prepare(batch.records);
      const payload = serializer.serializeRequest(records);
      if (payload === undefined) throw new PermanentError('the OTLP serializer produced no request');
      // Measured on the real encoding, before compression (gRPC servers limit the decompressed size).
      if (payload.length > maxBytes && records.length > 1) {
        throw new SplitRequiredError(
          `request of ${payload.length} bytes is over batch.max_bytes (${maxBytes} bytes)`,
        );
      }
      const answer = await sender.send(payload, signal);
      let response: IExportLogsServiceResponse;
      try {
        response = serializer.deserializeResponse(answer);
      } catch {
        // The peer took the request (2xx / OK); an unreadable answer does not make it a failure.
        response = {};
      }
      const outcome = readPartialSuccess(response, records.length);
      if (outcome.kind === 'rejected') throw outcome.error;
      if (outcome.kind === 'warning' && !warnings.has(outcome.message) && warnings.size < maxWarnings) {
        warnings.add(outcome.message);
        settings.logger.warn(
          { records: records.length },
          `Exporter "${id}" delivered ${records.length} records with a warning from the destination: ${outcome.message}`,
        );
      }
    },
    async shutdown() {
      await sender?.close();
      sender = undefined;
    },
  });
}
