import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ComponentConfigProblem } from '../../core/factory.js';
import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';

/** Wire protocols of the `otlp` exporter. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** TLS options of the `otlp` exporter. File paths are relative to the config file. */
export interface OtlpTlsConfig {
  insecure: boolean;
  insecure_skip_verify: boolean;
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
}

/** Config of the `otlp` exporter. */
export interface OtlpExporterConfig extends ExporterHelperConfig {
  protocol: OtlpProtocol;
  endpoint: string;
  logs_endpoint?: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  tls: OtlpTlsConfig;
  service_name: string;
  host_name?: string;
  resource_attributes: Record<string, string>;
}

/** Default request size cap: the 4 MiB a gRPC server (Go or JS) accepts unless told otherwise. */
export const defaultOtlpMaxBatchBytes = 4 * 1024 * 1024;

export const otlpExporterConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  description: 'Sends records to an OpenTelemetry Collector or any OTLP logs endpoint (HTTP or gRPC).',
  properties: {
    protocol: {
      enum: ['http/protobuf', 'http/json', 'grpc'],
      default: 'http/protobuf',
      description: 'OTLP/HTTP with protobuf (default) or JSON bodies, or OTLP/gRPC.',
    },
    endpoint: {
      type: 'string',
      minLength: 1,
      description:
        'HTTP: base URL such as https://collector:4318 ("/v1/logs" is appended). gRPC: host:port such as collector:4317.',
    },
    logs_endpoint: {
      type: 'string',
      format: 'uri',
      description: 'HTTP only: the full logs URL, used verbatim instead of endpoint + "/v1/logs".',
    },
    headers: {
      type: 'object',
      default: {},
      description:
        'Extra request headers (gRPC metadata); values may come from ${env:VAR} and are treated as secrets.',
      additionalProperties: { type: 'string', secret: true },
    },
    compression: {
      enum: ['gzip', 'none'],
      default: 'gzip',
      description: 'Request compression (gzip as in the OTel Collector, or none).',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'TLS options. HTTP uses TLS for https:// endpoints; gRPC uses TLS unless insecure is true.',
      properties: {
        insecure: {
          type: 'boolean',
          default: false,
          description: 'gRPC only: plaintext connection, no TLS at all.',
        },
        insecure_skip_verify: {
          type: 'boolean',
          default: false,
          description: 'Use TLS but do not verify the server certificate (logged loudly; for tests only).',
        },
        ca_file: { type: 'string', description: 'PEM file of the CA that signed the server certificate.' },
        cert_file: { type: 'string', description: 'PEM client certificate for mutual TLS (with key_file).' },
        key_file: {
          type: 'string',
          description: 'PEM private key of the client certificate (with cert_file).',
        },
      },
    },
    service_name: {
      type: 'string',
      minLength: 1,
      default: 'darktrace-collector',
      description: 'Resource attribute service.name set on every record sent.',
    },
    host_name: {
      type: 'string',
      minLength: 1,
      description:
        "Resource attribute host.name set on every record sent; default: this machine's host name.",
    },
    resource_attributes: {
      type: 'object',
      default: {},
      description:
        'Further resource attributes set on every record (e.g. deployment.environment); they win over the ' +
        "records' own. darktrace.appliance is kept from the records.",
      additionalProperties: { type: 'string' },
    },
    ...exporterHelperSchemaProperties({
      defaultBatchRecords: 500,
      maxBatchBytes: defaultOtlpMaxBatchBytes,
      defaultTimeout: '10s',
    }),
  },
} as const;

/** The URL logs are POSTed to (HTTP protocols): `logs_endpoint` verbatim, else endpoint + `/v1/logs`. */
export function otlpLogsUrl(config: Pick<OtlpExporterConfig, 'endpoint' | 'logs_endpoint'>): string {
  if (config.logs_endpoint !== undefined) return config.logs_endpoint;
  return `${config.endpoint.replace(/\/+$/, '')}/v1/logs`;
}

/** A TLS file path as the exporter opens it (relative paths are relative to the config file). */
export function resolveConfigPath(configDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(configDir, path);
}

const hostPortRe = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

/** Cross-field checks the schema cannot express. */
export function validateOtlpConfig(
  config: OtlpExporterConfig,
  context: { configDir: string },
): ComponentConfigProblem[] {
  const problems: ComponentConfigProblem[] = [];
  const add = (path: string[], message: string): void => {
    problems.push({ path, message });
  };
  if (config.protocol === 'grpc') {
    const m = hostPortRe.exec(config.endpoint);
    if (m === null || Number(m[2]) > 65535) {
      add(['endpoint'], `must be host:port for grpc, such as "collector:4317" (got "${config.endpoint}")`);
    }
    if (config.logs_endpoint !== undefined) {
      add(['logs_endpoint'], 'applies to http/protobuf and http/json only; gRPC uses endpoint');
    }
    if (config.tls.insecure && config.tls.ca_file !== undefined) {
      add(['tls', 'insecure'], 'insecure turns TLS off, so ca_file would be ignored; remove one of them');
    }
  } else {
    let url: URL | undefined;
    try {
      url = new URL(config.endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      add(
        ['endpoint'],
        `must be an http:// or https:// URL for ${config.protocol} (got "${config.endpoint}")`,
      );
    }
    if (config.logs_endpoint !== undefined && !/^https?:\/\//.test(config.logs_endpoint)) {
      add(['logs_endpoint'], 'must be an http:// or https:// URL');
    }
    if (config.tls.insecure) {
      add(['tls', 'insecure'], 'applies to grpc only; for plaintext HTTP use an http:// endpoint');
    }
  }
  if ((config.tls.cert_file === undefined) !== (config.tls.key_file === undefined)) {
    add(
      ['tls', config.tls.cert_file === undefined ? 'cert_file' : 'key_file'],
      'cert_file and key_file go together',
    );
  }
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    const path = config.tls[key];
    if (path !== undefined && !existsSync(resolveConfigPath(context.configDir, path))) {
      add(['tls', key], `file not found: ${resolveConfigPath(context.configDir, path)}`);
    }
  }
  return problems;
}
