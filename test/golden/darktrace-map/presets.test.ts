// Golden files of our own output: every fixture of test/processors/darktrace-map/fixtures through every
// preset, one JSON file per preset under ./snapshots. A change to a table shows up as a reviewable diff;
// refresh on purpose with `npx vitest run test/golden/darktrace-map -u`.
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { createMapper, schemaNames, type AlertKind } from '../../../processors/darktrace-map/map.js';
import { fixture } from '../../processors/darktrace-map/support.js';

const fixtures: readonly (readonly [AlertKind, string])[] = [
  ['model_breach', 'model-breach-flat'],
  ['model_breach', 'model-breach-then-now'],
  ['model_breach', 'model-breach-then-only'],
  ['model_breach', 'model-breach-test-alert'],
  ['ai_analyst', 'ai-analyst-sections'],
  ['ai_analyst', 'ai-analyst-blocks'],
  ['system_status', 'system-status'],
  ['email', 'email'],
];

describe('darktrace-map presets on our fixtures', () => {
  it.each(schemaNames)('renders the %s preset as in its golden file', async (schema) => {
    const map = createMapper({ schema });
    const rendered: Record<string, unknown> = {};
    for (const [kind, name] of fixtures) {
      const alert = fixture(name);
      const result = map(kind, alert, JSON.stringify(alert));
      // The otel body is the alert itself; the golden file keeps only what the preset adds.
      rendered[name] = 'body' in result && schema === 'otel' ? { ...result, body: `<${name}.json>` } : result;
    }
    // Formatted as prettier would, so that `prettier --check .` accepts the golden files.
    const file = path.join(import.meta.dirname, 'snapshots', `${schema}.json`);
    const text = await format(JSON.stringify(rendered), { ...(await resolveConfig(file)), parser: 'json' });
    await expect(text).toMatchFileSnapshot(file);
  });
});
