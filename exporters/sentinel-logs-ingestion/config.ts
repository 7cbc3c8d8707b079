import type { ComponentConfigProblem } from '../../core/factory.js';
import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';
import { defaultMaxChunkBytes } from './chunk.js';

/** Entra ID authentication, as written in YAML. */
export interface SentinelAuthConfig {
  type: 'client_secret' | 'managed_identity' | 'workload_identity';
  tenant_id?: string;
  client_id?: string;
  client_secret?: string;
  authority_host?: string;
  disable_instance_discovery: boolean;
  token_file_path?: string;
}

/** Config of the `sentinel-logs-ingestion` exporter. */
export interface SentinelLogsIngestionConfig extends ExporterHelperConfig {
  endpoint: string;
  dcr_immutable_id: string;
  stream?: string;
  streams?: Record<string, string>;
  auth: SentinelAuthConfig;
  audience?: string;
  legacy_columns: boolean;
  time_generated: 'observed' | 'alert' | 'off';
}

/** Values of the `darktrace.alert.kind` attribute, usable as `streams` keys. */
export const alertKinds = ['model_breach', 'ai_analyst', 'system_status', 'email', 'unknown'] as const;

/** The six streams of the Darktrace CCF connector's DCR (sentinel.md §4). */
export const darktraceCcfStreams = [
  'Custom-DarktraceModelAlerts',
  'Custom-DarktraceIncidents',
  'Custom-DarktraceSystemStatusAlerts',
  'Custom-DarktraceEMAIL',
  'Custom-DarktraceResponseActions',
  'Custom-DarktraceASM',
] as const;

export const sentinelLogsIngestionConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'dcr_immutable_id', 'auth'],
  description:
    'Sends record bodies to Microsoft Sentinel / Log Analytics through the Logs Ingestion API (DCR streams).',
  properties: {
    endpoint: {
      type: 'string',
      format: 'uri',
      description:
        "The DCR's logs ingestion endpoint or a DCE, e.g. https://my-dce.eastus-1.ingest.monitor.azure.com.",
    },
    dcr_immutable_id: {
      type: 'string',
      description: 'Immutable id of the data collection rule (dcr-<32 hex digits>; DCR → JSON view).',
    },
    stream: {
      type: 'string',
      description: 'Stream for every record that `streams` does not route, e.g. Custom-DarktraceModelAlerts.',
    },
    streams: {
      type: 'object',
      description:
        'Stream per record: keys are alert kinds (model_breach, ai_analyst, system_status, email, unknown) or ' +
        'values of the sentinel.stream attribute set by darktrace-map; values are DCR stream names. A ' +
        'sentinel.stream that is already one of these stream names is used as it is.',
      additionalProperties: { type: 'string', description: 'A stream name declared in the DCR.' },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      description:
        'How to get an Entra ID token; the identity needs "Monitoring Metrics Publisher" on the DCR.',
      properties: {
        type: {
          enum: ['client_secret', 'managed_identity', 'workload_identity'],
          description:
            "client_secret: an app registration and its secret; managed_identity: the Azure host's identity; " +
            'workload_identity: a federated token file (AKS).',
        },
        tenant_id: {
          type: 'string',
          description:
            'Directory (tenant) id. client_secret: required; workload_identity: default AZURE_TENANT_ID.',
        },
        client_id: {
          type: 'string',
          description:
            'Application (client) id. client_secret: required; managed_identity: a user-assigned identity ' +
            '(omit for the system-assigned one); workload_identity: default AZURE_CLIENT_ID.',
        },
        client_secret: {
          type: 'string',
          secret: true,
          description: 'client_secret only: the app registration secret; use ${env:VAR}.',
        },
        authority_host: {
          type: 'string',
          format: 'uri',
          description:
            'Entra ID authority, for sovereign clouds (https://login.microsoftonline.us) or a private one. ' +
            'Default: https://login.microsoftonline.com.',
        },
        disable_instance_discovery: {
          type: 'boolean',
          default: false,
          description:
            'client_secret: skip the authority check against the public cloud (for private or test authorities).',
        },
        token_file_path: {
          type: 'string',
          description:
            'workload_identity only: the federated token file. Default: AZURE_FEDERATED_TOKEN_FILE.',
        },
      },
    },
    audience: {
      type: 'string',
      format: 'uri',
      description:
        'Token audience of the ingestion API for sovereign clouds (https://monitor.azure.us, ' +
        'https://monitor.azure.cn). Default: https://monitor.azure.com.',
    },
    legacy_columns: {
      type: 'boolean',
      default: false,
      description:
        'Send the suffixed column names the Data Collector API created (score_d, modelName_s, Category, ...), ' +
        'for a darktrace_model_alerts_CL table migrated to a DCR.',
    },
    time_generated: {
      enum: ['observed', 'alert', 'off'],
      default: 'observed',
      description:
        'Adds TimeGenerated (ISO 8601) to records that lack it, since every DCR output needs one: observed (when ' +
        "dtcol received the alert; keeps late alerts inside the Darktrace rules' 5-minute windows), alert (the " +
        "alert's own time), or off (send as is; the DCR transform must set it).",
    },
    ...exporterHelperSchemaProperties({
      maxBatchBytes: defaultMaxChunkBytes,
      defaultBatchRecords: 500,
      defaultTimeout: '30s',
    }),
  },
} as const;

const dcrIdPattern = /^dcr-[0-9a-f]{32}$/i;
const streamPattern = /^(Custom|Microsoft)-[A-Za-z0-9_-]+$/;
const authFields = {
  client_secret: ['tenant_id', 'client_id', 'client_secret', 'authority_host', 'disable_instance_discovery'],
  managed_identity: ['client_id'],
  workload_identity: ['tenant_id', 'client_id', 'token_file_path', 'authority_host'],
} as const;

/** Checks the schema cannot express, with messages that say what to fix. */
export function validateSentinelLogsIngestionConfig(
  config: SentinelLogsIngestionConfig,
): ComponentConfigProblem[] {
  const problems: ComponentConfigProblem[] = [];
  // core-rest-pipeline refuses to send a bearer token over plain HTTP.
  if (URL.canParse(config.endpoint) && new URL(config.endpoint).protocol !== 'https:') {
    problems.push({
      path: ['endpoint'],
      message: 'endpoint must be an https:// URL (bearer tokens need TLS).',
    });
  }
  if (!dcrIdPattern.test(config.dcr_immutable_id)) {
    problems.push({
      path: ['dcr_immutable_id'],
      message: `dcr_immutable_id must look like dcr-<32 hex digits> (the DCR's immutableId, not its name or resource id); got "${config.dcr_immutable_id}".`,
    });
  }
  const streams = config.streams ?? {};
  if (config.stream === undefined && Object.keys(streams).length === 0) {
    problems.push({
      path: [],
      message:
        'set stream (one stream for every record) or streams (a stream per alert kind or sentinel.stream).',
    });
  }
  const checkStream = (path: (string | number)[], name: string): void => {
    if (!streamPattern.test(name)) {
      problems.push({
        path,
        message: `"${name}" is not a stream name: DCR streams start with "Custom-" (e.g. Custom-DarktraceModelAlerts).`,
      });
    }
  };
  if (config.stream !== undefined) checkStream(['stream'], config.stream);
  for (const [key, name] of Object.entries(streams)) {
    if (!(alertKinds as readonly string[]).includes(key) && !streamPattern.test(key)) {
      problems.push({
        path: ['streams', key],
        message: `unknown key "${key}": use an alert kind (${alertKinds.join(', ')}) or a sentinel.stream value such as Custom-DarktraceResponseActions.`,
      });
    }
    checkStream(['streams', key], name);
  }
  const auth = config.auth;
  const allowed: readonly string[] = authFields[auth.type];
  for (const [field, value] of Object.entries(auth)) {
    if (field === 'type' || allowed.includes(field)) continue;
    // disable_instance_discovery always carries its schema default.
    if (field === 'disable_instance_discovery' && value === false) continue;
    problems.push({ path: ['auth', field], message: `${field} does not apply to auth type ${auth.type}.` });
  }
  if (auth.type === 'client_secret') {
    for (const field of ['tenant_id', 'client_id', 'client_secret'] as const) {
      if (auth[field] === undefined || auth[field] === '') {
        problems.push({ path: ['auth', field], message: `auth type client_secret needs ${field}.` });
      }
    }
  }
  return problems;
}
