// Printing validation issues: `FILE:LINE:COL: <component id> <path>: <message>`, one per line.
import type { ConfigIssue } from '../errors.js';
import type { ServiceConfig } from './validate.js';

/** One issue as a line. */
export function formatIssue(issue: ConfigIssue, file: string): string {
  const loc =
    issue.location === undefined
      ? file
      : `${issue.location.file}:${issue.location.line}:${issue.location.col}`;
  const where = issue.path === '' ? issue.component : `${issue.component} ${issue.path}`;
  const level = issue.severity === 'warning' ? 'warning: ' : '';
  const hint = issue.suggestion === undefined ? '' : `; ${issue.suggestion}`;
  return `${loc}: ${level}${where}: ${issue.message}${hint}`;
}

/** Every issue, then a count line. */
export function formatIssues(issues: readonly ConfigIssue[], file: string): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const lines = issues.map((i) => formatIssue(i, file));
  const parts = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  if (parts.length > 0) lines.push(`${parts.join(', ')} in ${file}`);
  return lines.join('\n');
}

/** The one-line graph summary printed for a valid file. */
export function summarise(config: ServiceConfig, file: string): string {
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const graph = config.pipelines
    .map((p) => `${p.id}: ${[p.receivers.join('+'), ...p.processors, p.exporters.join('+')].join(' → ')}`)
    .join('; ');
  return (
    `${file} is valid: ${count(config.pipelines.length, 'pipeline')}, ` +
    `${count(config.components.receiver.size, 'receiver')}, ${count(config.components.processor.size, 'processor')}, ` +
    `${count(config.components.exporter.size, 'exporter')} (${graph})`
  );
}

/** Replace every secret value in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}
