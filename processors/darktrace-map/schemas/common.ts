// Tables every preset shares: source roots, the identity each kind must carry, and the event time and
// 0–100 score behind the record's timestamp and severity.
import type { Roots } from './engine.js';
import type { AlertKind, FieldRule } from './types.js';

/** REST without `historicmodelonly=true` nests the model as `{then, now}`; syslog sends it flat
 *  (darktrace.md §8). Take `now`, fall back to `then`, then the flat object. */
export const sourceRoots: Roots = { model: ['model.now', 'model.then', 'model'] };

/** The field without which an alert of a kind cannot be identified (darktrace.md §1). */
export const identityPaths: Readonly<Record<AlertKind, string | undefined>> = {
  model_breach: 'pbid',
  ai_analyst: 'id',
  system_status: 'uuid',
  email: 'uuid',
  unknown: undefined,
};

/** Event time (`time`, epoch ms), score on 0–100 (`score`) and an original level text (`level`). */
export const metaRules: Readonly<Record<AlertKind, readonly FieldRule[]>> = {
  model_breach: [
    { to: 'time', from: ['time', 'creationTime'], convert: 'toEpochMs' },
    { to: 'score', from: ['score', 'pbscore'], convert: 'unitToPercent' },
    { to: 'score', from: 'percentscore', convert: 'toDouble', ifUnset: true },
    // model.priority is 0–5; only used when the breach carries no score at all.
    {
      to: 'score',
      from: 'model.priority',
      convert: [{ fn: 'divide', args: [5] }, 'unitToPercent'],
      ifUnset: true,
    },
  ],
  ai_analyst: [
    { to: 'time', from: 'createdAt', convert: 'toEpochMs' },
    { to: 'score', from: ['aiaScore', 'groupScore'], convert: 'toDouble' },
  ],
  system_status: [
    { to: 'time', from: ['last_updated', 'last_updated_status'], convert: 'secondsToEpochMs' },
    { to: 'score', from: 'priority', convert: 'toDouble' },
    { to: 'level', from: 'priority_level', convert: 'lower' },
  ],
  email: [
    { to: 'time', from: 'timestamp', convert: 'toEpochMs' },
    { to: 'score', from: ['anomaly_score', 'anomalyScore'], convert: 'toDouble' },
  ],
  unknown: [],
};

/** One severity band over the 0–100 score. */
export interface SeverityBand {
  readonly upTo: number;
  readonly number: number;
  readonly text: string;
}

const criticalBand: SeverityBand = { upTo: Infinity, number: 21, text: 'critical' };

/**
 * Score (0–100) → OTel severity. The bands are Darktrace's own system-status `priority_level` bands
 * (darktrace.md §3.3: low 0–40, medium 41–60, high 61–80, critical 81–100), each mapped to the lowest
 * number of an OTel range (collectors.md §6): low → INFO 9, medium → WARN 13, high → ERROR 17,
 * critical → FATAL 21. Breach scores (0–1) are scaled ×100 first; a breach without any score uses
 * `model.priority` × 20.
 */
export const severityBands: readonly SeverityBand[] = [
  { upTo: 40, number: 9, text: 'low' },
  { upTo: 60, number: 13, text: 'medium' },
  { upTo: 80, number: 17, text: 'high' },
  criticalBand,
];

/** The band of a 0–100 score. */
export function severityOf(score: number): SeverityBand {
  for (const band of severityBands) if (score <= band.upTo) return band;
  return criticalBand;
}
