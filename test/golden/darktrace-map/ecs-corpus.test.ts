// Golden test: the `ecs` preset against Elastic's own pipeline test fixtures (shared corpus,
// reference/darktrace.md §10). Every input line that has an expected document must map to that document,
// field for field (JSON comparison, key order ignored).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMapper, type AlertKind } from '../../../processors/darktrace-map/map.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const corpus = path.resolve(repoRoot, '../shared/corpus');
const exists = existsSync(path.join(corpus, 'elastic'));
if (!exists) console.warn(`darktrace-map ECS golden tests skipped: no corpus at ${corpus}`);

/**
 * Fields compared on neither side. None of them occurs in the saved expected documents; they are listed
 * so that a refreshed expected file from a live Elastic run does not fail on values no mapping can know:
 * - `event.ingested`: stamped by Elastic's final pipeline at index time (the pipeline test runner drops it);
 * - `_id`: the fingerprint document id, metadata outside `_source`;
 * - `agent`, `elastic_agent`, `input`, `data_stream`, `log.source`, `log.syslog.hostname`,
 *   `log.syslog.priority`: set by the Elastic Agent input that received the line, not by the alert.
 * Everything else is reproduced, including `event.original` and `log.syslog.appname` (from the raw
 * line) and the `darktrace.*` duplicates.
 */
const ingestTimeFields: readonly string[] = [
  'event.ingested',
  '_id',
  'agent',
  'elastic_agent',
  'input',
  'data_stream',
  'log.source',
  'log.syslog.hostname',
  'log.syslog.priority',
];

// Elastic's pipeline tests add these tags from the runner config (`test-common-config.yml`); ours is
// the equivalent `fields` config.
const mapper = createMapper({
  schema: 'ecs',
  fields: { add: { tags: { value: ['preserve_original_event', 'preserve_duplicate_custom_fields'] } } },
});

const streams: readonly (readonly [AlertKind, string])[] = [
  ['model_breach', 'model_breach_alert/test-model-breach-alert.log'],
  ['ai_analyst', 'ai_analyst_alert/test-ai-analyst-alert.log'],
  ['system_status', 'system_status_alert/test-system-status-alert.log'],
];

function withoutIgnored(doc: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  for (const field of ingestTimeFields) {
    const segs = field.split('.');
    let node: unknown = copy;
    for (const seg of segs.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[seg];
    if (typeof node === 'object' && node !== null) Reflect.deleteProperty(node, segs[segs.length - 1]!);
  }
  return copy;
}

interface Case {
  readonly name: string;
  readonly kind: AlertKind;
  readonly line: string;
  readonly expected: unknown;
}

function cases(): Case[] {
  if (!exists) return [];
  return streams.flatMap(([kind, file]) => {
    const lines = readFileSync(path.join(corpus, 'elastic', file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const expected = (
      JSON.parse(readFileSync(path.join(corpus, 'elastic', `${file}-expected.json`), 'utf8')) as {
        expected: unknown[];
      }
    ).expected;
    return lines.flatMap((line, i) =>
      expected[i] === undefined ? [] : [{ name: `${file} line ${i + 1}`, kind, line, expected: expected[i] }],
    );
  });
}

describe.skipIf(!exists)('ecs preset against the Elastic corpus', () => {
  const all = cases();

  it('finds the 9 documents of the three expected files', () => {
    expect(all.length).toBe(9);
  });

  it.each(all)('maps $name to the expected document', ({ kind, line, expected }) => {
    // Raw line as Elastic's pipeline receives it: the JSON, possibly after a `darktrace ` app-name tag.
    const alert = JSON.parse(line.slice(line.indexOf('{'))) as unknown;
    const result = mapper(kind, alert, line);
    expect(result).not.toHaveProperty('error');
    if ('error' in result) return;
    expect(withoutIgnored(result.body)).toEqual(withoutIgnored(expected));
  });
});
