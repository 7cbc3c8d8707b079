import { fieldOverridesSchema, schemaNames, type FieldOverrides, type SchemaName } from './map.js';

/** Config of the `darktrace-map` processor. */
export interface DarktraceMapConfig {
  schema: SchemaName;
  fields?: FieldOverrides;
  on_error: 'dead_letter' | 'drop' | 'pass';
}

export const darktraceMapConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema'],
  description: 'Reshapes Darktrace alerts for a destination.',
  properties: {
    schema: {
      enum: [...schemaNames],
      description:
        'sentinel-legacy: the flat record Darktrace pushes to Sentinel (darktrace_model_alerts_CL columns); ' +
        'sentinel-ccf: the record of the matching Darktrace*_CL stream (named in the sentinel.stream attribute); ' +
        "ecs: the document Elastic's Darktrace integration produces; otel: OTel semantic conventions.",
    },
    fields: fieldOverridesSchema,
    on_error: {
      enum: ['dead_letter', 'drop', 'pass'],
      default: 'dead_letter',
      description:
        'An alert that cannot be mapped (unknown kind, missing id): dead_letter (kept in the dead-letter file with ' +
        'the reason), drop (counted), or pass (forwarded unmapped).',
    },
  },
} as const;
