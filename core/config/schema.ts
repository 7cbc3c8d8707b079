// The JSON Schema of pipelines.yaml's top level. Component sections are maps of id → config; each config is
// validated separately against its factory's schema (so errors name the component).
import { durationSchema } from '../units.js';

const idPattern = '^[a-z][a-z0-9]*(-[a-z0-9]+)*(/[A-Za-z0-9][A-Za-z0-9_.-]{0,62})?$';

const componentSection = (kind: string): Record<string, unknown> => ({
  type: 'object',
  description: `The ${kind}s, keyed by id \`type[/name]\`; each value is that component's config.`,
  propertyNames: { pattern: idPattern },
  additionalProperties: { type: ['object', 'null'] },
});

const idList = (kind: string): Record<string, unknown> => ({
  type: 'array',
  description: `Ids of ${kind}s defined above.`,
  items: { type: 'string' },
});

/** Schema for the top level of pipelines.yaml. */
export const topLevelSchema = {
  $id: 'https://darktrace-collector.invalid/pipelines.schema.json',
  type: 'object',
  description: 'A dtcol configuration: components, and the pipelines that connect them.',
  additionalProperties: false,
  required: ['service'],
  properties: {
    plugins: {
      type: 'array',
      description: 'Extra component types: local .ts/.js files (relative to this file) or npm package names.',
      items: { type: 'string', minLength: 1 },
    },
    receivers: componentSection('receiver'),
    processors: componentSection('processor'),
    exporters: componentSection('exporter'),
    service: {
      type: 'object',
      description: 'Pipelines and service-wide settings.',
      additionalProperties: false,
      required: ['pipelines'],
      properties: {
        pipelines: {
          type: 'object',
          description: 'Pipelines keyed by id (`logs` or `logs/<name>`).',
          propertyNames: { pattern: idPattern },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['receivers', 'exporters'],
            properties: {
              receivers: idList('receiver'),
              processors: idList('processor'),
              exporters: idList('exporter'),
            },
          },
        },
        data_dir: {
          type: 'string',
          description:
            'Where state lives: persistent queues, dead-letter files, cursors. Relative to this file.',
          default: '.dtcol',
        },
        shutdown_timeout: durationSchema('How long shutdown may take to drain before it gives up.', '30s'),
        telemetry: {
          type: 'object',
          description: 'Self-observability.',
          additionalProperties: false,
          default: {},
          properties: {
            metrics: {
              type: 'object',
              description: 'Serve Prometheus /metrics and /healthz over HTTP.',
              additionalProperties: false,
              properties: {
                address: {
                  type: 'string',
                  description: 'host:port to listen on. Port 0 picks a free port.',
                  default: '127.0.0.1:8888',
                },
              },
            },
            logs: {
              type: 'object',
              description: 'The service log (JSON lines on stderr).',
              additionalProperties: false,
              default: {},
              properties: {
                level: {
                  enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
                  description: 'Minimum level written.',
                  default: 'info',
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
