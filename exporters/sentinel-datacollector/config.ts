import type { ComponentConfigProblem } from '../../core/factory.js';
import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';
import { defaultMaxBodyBytes } from './encode.js';
import { validateLogType, validateTimeGeneratedField } from './log-type.js';
import { decodeSharedKey } from './sign.js';

/** Config of the `sentinel-datacollector` exporter. */
export interface SentinelDataCollectorConfig extends ExporterHelperConfig {
  workspace_id: string;
  shared_key: string;
  log_type: string;
  endpoint?: string;
  time_generated_field?: string;
  azure_resource_id?: string;
  oversize_fields: 'truncate' | 'dead_letter';
  retired_api_handling: 'permanent' | 'retry';
}

/** Microsoft's cut-off: "will no longer be functional as of 9/14/2026" (sentinel.md §0, §1.7). */
export const dataCollectorRetirementDate = new Date('2026-09-14T00:00:00Z');

/** The table the legacy Darktrace solution reads: `darktrace_model_alerts_CL` (sentinel.md §3). */
export const defaultLogType = 'darktrace_model_alerts';

const retiredOn = dataCollectorRetirementDate.toISOString().slice(0, 10);

export const sentinelDataCollectorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['workspace_id', 'shared_key'],
  description:
    'Sends record bodies (flat Darktrace alerts) to a Log Analytics workspace through the HTTP Data Collector ' +
    `API (legacy; Microsoft retired it on ${retiredOn}: prefer sentinel-logs-ingestion).`,
  properties: {
    workspace_id: {
      type: 'string',
      minLength: 1,
      description: 'Log Analytics workspace id (a GUID; Log Analytics workspace → Agents).',
    },
    shared_key: {
      type: 'string',
      minLength: 1,
      secret: true,
      description: 'Primary or secondary workspace key, Base64 as Azure shows it; use ${env:VAR}.',
    },
    log_type: {
      type: 'string',
      default: defaultLogType,
      description:
        'Table name without "_CL" (the service appends it): letters, digits and "_", at most 100 characters.',
    },
    endpoint: {
      type: 'string',
      format: 'uri',
      description:
        'Base URL. Default: https://<workspace_id>.ods.opinsights.azure.com (use ods.opinsights.azure.us or ' +
        '.azure.cn for sovereign clouds).',
    },
    time_generated_field: {
      type: 'string',
      description:
        'Record field whose ISO 8601 value becomes TimeGenerated. Unset by default: TimeGenerated is the ' +
        "ingestion time, which keeps late alerts inside the Darktrace rules' 5-minute windows.",
    },
    azure_resource_id: {
      type: 'string',
      description: 'ARM resource id sent as x-ms-AzureResourceId (fills _ResourceId).',
    },
    oversize_fields: {
      enum: ['truncate', 'dead_letter'],
      default: 'truncate',
      description:
        'String values over the 32 KB field limit: truncate (cut to 32,766 bytes on a character boundary, ' +
        'counted and logged) or dead_letter (keep the record whole in the dead-letter file).',
    },
    retired_api_handling: {
      enum: ['permanent', 'retry'],
      default: 'permanent',
      description:
        `Failures after the API's retirement (${retiredOn}): permanent dead-letters every non-200 answer at ` +
        'once with a message naming the retirement, because a retired API will not recover and retrying would ' +
        'only hold the queue; retry classifies answers as before the retirement (429/5xx retried, 413 split, ' +
        'other 4xx dead-lettered), for endpoints that still answer.',
    },
    ...exporterHelperSchemaProperties({
      maxBatchBytes: defaultMaxBodyBytes,
      defaultBatchRecords: 500,
      defaultTimeout: '30s',
    }),
  },
} as const;

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks the schema cannot express, with messages that say what to fix. */
export function validateSentinelDataCollectorConfig(
  config: SentinelDataCollectorConfig,
): ComponentConfigProblem[] {
  const problems: ComponentConfigProblem[] = [];
  const logType = validateLogType(config.log_type);
  if (logType !== undefined) problems.push({ path: ['log_type'], message: logType });
  if (config.endpoint === undefined && !guidPattern.test(config.workspace_id)) {
    problems.push({
      path: ['workspace_id'],
      message: 'workspace_id must be the workspace GUID (Log Analytics workspace → Agents), or set endpoint.',
    });
  }
  try {
    decodeSharedKey(config.shared_key);
  } catch (error) {
    problems.push({ path: ['shared_key'], message: (error as Error).message });
  }
  if (config.time_generated_field !== undefined) {
    const field = validateTimeGeneratedField(config.time_generated_field);
    if (field !== undefined) problems.push({ path: ['time_generated_field'], message: field });
  }
  return problems;
}
