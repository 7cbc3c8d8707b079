// Files committed at the repository root that must follow the code: the editor schema and pipelines.yaml.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { editorSchema } from '../../../core/config/editor-schema.js';
import { validateConfigFile } from '../../../core/config/validate.js';
import { repoRoot } from '../config/support.js';

describe('pipelines.schema.json', () => {
  it('is up to date with the built-in components (regenerate: npx tsx core/cli.ts schema > pipelines.schema.json)', () => {
    // Compared as JSON, so reformatting the file (e.g. by Prettier) does not matter; its content does.
    const committed: unknown = JSON.parse(readFileSync(path.join(repoRoot, 'pipelines.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(editorSchema(builtinRegistry()))));
  });

  it('describes every built-in type under its section', () => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'pipelines.schema.json'), 'utf8')) as {
      properties: Record<string, { patternProperties: Record<string, unknown> }>;
    };
    for (const { factory } of builtinRegistry().list()) {
      expect(Object.keys(schema.properties[`${factory.kind}s`]?.patternProperties ?? {})).toContain(
        `^${factory.type}(/.*)?$`,
      );
    }
  });
});

describe('pipelines.yaml', () => {
  it('validates without errors or warnings', async () => {
    const result = await validateConfigFile(path.join(repoRoot, 'pipelines.yaml'), {
      registry: builtinRegistry(),
    });
    expect(result.issues).toEqual([]);
    expect(result.config?.pipelines.length).toBeGreaterThan(0);
  });
});
