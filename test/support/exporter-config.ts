// Build a fully-defaulted exporter-helper config the way validation does (ajv with the schema defaults).
import { compileSchema } from '../../core/config/ajv.js';
import {
  exporterHelperSchemaProperties,
  type ExporterHelperConfig,
} from '../../core/helpers/exporter-helper.js';

const schema = { type: 'object', additionalProperties: false, properties: exporterHelperSchemaProperties() };

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Defaults from the schema, with `overrides` laid over them; throws if the result does not validate. */
export function helperConfig(overrides: DeepPartial<ExporterHelperConfig> = {}): ExporterHelperConfig {
  const value = structuredClone(overrides) as Record<string, unknown>;
  const validate = compileSchema(schema);
  if (!validate(value)) throw new Error(JSON.stringify(validate.errors));
  return value as unknown as ExporterHelperConfig;
}
