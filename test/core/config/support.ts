// Shared by the config, plugin and CLI tests: fixture paths, validation as `dtcol validate` prints it, goldens.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { formatIssues, summarise } from '../../../core/config/format.js';
import { validateConfigText, type ValidationResult } from '../../../core/config/validate.js';
import { registryOf, type Registry } from '../../../core/registry.js';
import { httpExporterFactory } from '../../../exporters/http/index.js';
import { stdoutExporterFactory } from '../../../exporters/stdout/index.js';
import { generatorReceiverFactory } from '../../../receivers/generator/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const configFixtures = path.join(repoRoot, 'test/fixtures/configs');
export const pluginFixtures = path.join(repoRoot, 'test/fixtures/plugins');
export const goldenDir = path.join(repoRoot, 'test/golden/validate');

/** The environment the config fixtures are validated with (nothing else is set). */
export const fixtureEnv: NodeJS.ProcessEnv = Object.freeze({
  DTCOL_FIXTURE_API_KEY: 'hunter2-from-env',
  DTCOL_FIXTURE_API_TOKEN: 'tok-secret-99',
});

/**
 * The built-ins the config fixtures use, pinned: messages list the known types ("known: http, stdout"), and
 * the goldens should change when validation changes, not whenever a built-in is added.
 */
export function fixtureRegistry(): Registry {
  return registryOf([generatorReceiverFactory, stdoutExporterFactory, httpExporterFactory]);
}

/** Machine-specific absolute paths (in plugin messages) become `<repo>`. */
export function normalisePaths(text: string): string {
  return text.split(pathToFileURL(repoRoot).href).join('file://<repo>').split(repoRoot).join('<repo>');
}

/** What `dtcol validate` prints for a result: the issues (stderr), then the summary of a valid file (stdout). */
export function validateOutput(result: ValidationResult, displayFile: string): string {
  const lines: string[] = [];
  if (result.issues.length > 0) lines.push(formatIssues(result.issues, displayFile));
  if (result.config !== undefined) lines.push(summarise(result.config, displayFile));
  return `${lines.join('\n')}\n`;
}

/** Validate a fixture (path relative to the repository root) with {@link fixtureRegistry} and `env`. */
export async function validateFixture(
  relative: string,
  env: NodeJS.ProcessEnv = fixtureEnv,
): Promise<{ result: ValidationResult; output: string; text: string }> {
  const absolute = path.join(repoRoot, relative);
  const text = readFileSync(absolute, 'utf8');
  const result = await validateConfigText(relative, absolute, text, { registry: fixtureRegistry(), env });
  return { result, output: normalisePaths(validateOutput(result, relative)), text };
}

/** Compare with `test/golden/validate/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `missing golden ${file}; run with UPDATE_GOLDEN=1 to create it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** The text at a 1-based line and column of `text`. */
export function textAt(text: string, line: number, col: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(col - 1);
}
