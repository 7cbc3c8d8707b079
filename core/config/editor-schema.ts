// The JSON Schema editors use for pipelines.yaml: the top level plus every registered component's schema,
// matched by id pattern, so keys autocomplete per component type.
import type { Registry } from '../registry.js';
import { topLevelSchema } from './schema.js';

export function editorSchema(registry: Registry): Record<string, unknown> {
  const section = (kind: 'receiver' | 'processor' | 'exporter'): Record<string, unknown> => {
    const patternProperties: Record<string, unknown> = {};
    for (const { factory } of registry.list(kind)) {
      patternProperties[`^${factory.type}(/.*)?$`] = {
        ...factory.configSchema,
        description: factory.description,
      };
    }
    return { ...topLevelSchema.properties[`${kind}s`], patternProperties, additionalProperties: false };
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...topLevelSchema,
    properties: {
      ...topLevelSchema.properties,
      receivers: section('receiver'),
      processors: section('processor'),
      exporters: section('exporter'),
    },
  };
}
