// Shared helpers for the darktrace-map tests: our own fixtures, the shared corpus location, and a model
// of the HTTP Data Collector API's column naming (reference/sentinel.md §1.3).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MapResult, MappedAlert } from '../../../processors/darktrace-map/map.js';

/** A mapped document navigated freely in assertions (mapped output is arbitrary JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk deep into mapped JSON
export type Loose = any;

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The shared corpus (`../shared/corpus` next to the repository), and whether it is there. */
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
export const corpusExists = existsSync(path.join(corpusDir, 'elastic'));

/** One of our fixtures in `fixtures/`, parsed fresh on each call. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8'),
  ) as Record<string, unknown>;
}

/** Freezes a value and everything inside it, so that a mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The mapped alert, failing the test with the reason when mapping failed. */
export function ok(result: MapResult): MappedAlert {
  if ('error' in result) throw new Error(`mapping failed: ${result.error.code} ${result.error.message}`);
  return result;
}

/** The lines of a corpus log, each split into its JSON text (from the first `{`) and parsed object. */
export function corpusLines(
  relative: string,
): { line: string; text: string; alert: Record<string, unknown> }[] {
  return readFileSync(path.join(corpusDir, relative), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const text = line.slice(line.indexOf('{'));
      return { line, text, alert: JSON.parse(text) as Record<string, unknown> };
    });
}

const GUID = /^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
// Undocumented unsuffixed columns the Darktrace content reads (sentinel.md §1.3).
const UNSUFFIXED: Readonly<Record<string, string>> = {
  message: 'Message',
  category: 'Category',
  severity: 'Severity',
  sourceIP: 'SourceIP',
};

/**
 * The columns a record creates through the Data Collector API: strings `_s` (`_g` when GUID-like,
 * `_t` when ISO 8601 date-time), numbers `_d`, booleans `_b`, arrays as JSON text in `_s`, nested
 * objects flattened as `parent_child_<suffix>`, nulls nothing.
 */
export function dataCollectorColumns(record: Record<string, unknown>, prefix = ''): string[] {
  const columns: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    const name = prefix + key;
    const special = prefix === '' ? UNSUFFIXED[key] : undefined;
    if (special !== undefined) columns.push(special);
    else if (Array.isArray(value)) columns.push(`${name}_s`);
    else if (typeof value === 'object')
      columns.push(...dataCollectorColumns(value as Record<string, unknown>, `${name}_`));
    else if (typeof value === 'number') columns.push(`${name}_d`);
    else if (typeof value === 'boolean') columns.push(`${name}_b`);
    else if (typeof value === 'string') {
      columns.push(GUID.test(value) ? `${name}_g` : ISO_DATETIME.test(value) ? `${name}_t` : `${name}_s`);
    }
  }
  return columns;
}
