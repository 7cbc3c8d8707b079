import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ComponentConfigProblem } from '../../core/factory.js';
import { byteSizeSchema, durationSchema, parseByteSize } from '../../core/units.js';

/** How a client certificate is checked on `protocol: tls`. */
export type ClientAuth = 'none' | 'request' | 'require';

/** TLS listener options. Paths are relative to the configuration file. */
export interface DarktraceSyslogTlsConfig {
  cert_file: string;
  key_file: string;
  ca_file?: string;
  client_auth: ClientAuth;
}

/** Config of the `darktrace-syslog` receiver. */
export interface DarktraceSyslogConfig {
  protocol: 'tcp' | 'udp' | 'tls';
  endpoint: string;
  max_message_size: string | number;
  batch_size: number;
  flush_timeout: string;
  max_connections?: number;
  max_pending_records: number;
  keep_original: boolean;
  tls?: DarktraceSyslogTlsConfig;
}

/** Default listen address: loopback only, so nothing is exposed until the user says so. */
export const defaultEndpoint = '127.0.0.1:1514';

export const darktraceSyslogConfigSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Listens for Darktrace "Syslog JSON" alerts over TCP, UDP or TLS.',
  properties: {
    protocol: {
      enum: ['tcp', 'udp', 'tls'],
      default: 'tcp',
      description:
        'tcp: newline or octet-counted frames; udp: one alert per datagram (large breaches may not fit); ' +
        'tls: TCP inside TLS (needs tls.cert_file and tls.key_file).',
    },
    endpoint: {
      type: 'string',
      pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]+):[0-9]{1,5}$',
      hint: 'host:port such as "127.0.0.1:1514" or "[::1]:1514"',
      default: defaultEndpoint,
      description: 'host:port to listen on ([::1]:1514 for IPv6); port 0 picks a free port.',
    },
    max_message_size: byteSizeSchema(
      'Longest message accepted; longer ones are counted and dead-lettered, never buffered.',
      '64KiB',
    ),
    batch_size: {
      type: 'integer',
      minimum: 1,
      maximum: 10000,
      default: 100,
      description: 'Most records handed downstream at once (per connection for tcp/tls).',
    },
    flush_timeout: durationSchema(
      'Hand on a partial batch after waiting this long; 0 hands on what each read decoded at once.',
      '100ms',
    ),
    max_connections: {
      type: 'integer',
      minimum: 1,
      description: 'tcp/tls: most concurrent connections; further ones are closed at once and counted.',
    },
    keep_original: {
      type: 'boolean',
      default: false,
      description:
        'Also keep the alert JSON exactly as received, in the attribute log.record.original (the ecs map turns it into event.original). Doubles the memory per record.',
    },
    max_pending_records: {
      type: 'integer',
      minimum: 1,
      default: 5000,
      description:
        'udp: most records decoded but not yet accepted downstream. UDP cannot push back, so datagrams ' +
        'beyond this are dropped and counted.',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert_file', 'key_file'],
      description: 'Server certificate and client checks for protocol: tls.',
      properties: {
        cert_file: { type: 'string', description: 'PEM file of the server certificate (chain).' },
        key_file: { type: 'string', description: 'PEM file of the server private key.' },
        ca_file: {
          type: 'string',
          description: 'PEM file of the CA(s) that client certificates must chain to.',
        },
        client_auth: {
          enum: ['none', 'request', 'require'],
          default: 'none',
          description:
            'none: no client certificate; request: ask for one but accept clients without; ' +
            'require: refuse clients without a certificate signed by ca_file.',
        },
      },
    },
  },
} as const;

/** `host:port` split into parts; IPv6 hosts lose their brackets. */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const colon = endpoint.lastIndexOf(':');
  let host = endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(endpoint.slice(colon + 1)) };
}

/** Cross-field checks and files that must exist (the schema cannot say these). */
export function validateDarktraceSyslogConfig(
  config: DarktraceSyslogConfig,
  context: { configDir: string },
): ComponentConfigProblem[] {
  const problems: ComponentConfigProblem[] = [];
  const { port } = splitEndpoint(config.endpoint);
  if (port > 65535) problems.push({ path: ['endpoint'], message: `port ${port} is above 65535` });
  try {
    if (parseByteSize(config.max_message_size) < 1)
      problems.push({ path: ['max_message_size'], message: 'must be at least 1 byte' });
  } catch (err) {
    problems.push({ path: ['max_message_size'], message: (err as Error).message });
  }
  const tls = config.tls;
  if (config.protocol === 'tls') {
    if (tls === undefined) {
      problems.push({ path: ['tls'], message: 'protocol tls needs tls.cert_file and tls.key_file' });
    } else {
      for (const key of ['cert_file', 'key_file', 'ca_file'] as const) {
        const file = tls[key];
        if (file !== undefined && !existsSync(resolve(context.configDir, file)))
          problems.push({
            path: ['tls', key],
            message: `file not found: ${resolve(context.configDir, file)}`,
          });
      }
      if (tls.client_auth === 'require' && tls.ca_file === undefined)
        problems.push({
          path: ['tls', 'ca_file'],
          message: 'client_auth require needs ca_file to check client certificates against',
        });
    }
  } else if (tls !== undefined) {
    // Silently listening in plain text when the user wrote TLS settings would be the worst outcome.
    problems.push({
      path: ['tls'],
      message: `tls settings are only used with protocol: tls (protocol is ${config.protocol})`,
    });
  }
  return problems;
}
