import { readFileSync } from 'node:fs';
import { ALERT_KINDS, type AlertKind } from '../kind.js';

/** One bundled sample alert (invented values, modelled on real Darktrace shapes). */
export interface SampleAlert {
  /** Stable kebab-case name, e.g. `model-breach-flat`. */
  readonly name: string;
  /** The kind `detectAlertKind` should report for it. */
  readonly kind: AlertKind;
  readonly description: string;
  readonly alert: Record<string, unknown>;
}

/** Loads the bundled sample alerts; each call returns fresh objects the caller may mutate. */
export function loadSampleAlerts(): SampleAlert[] {
  const text = readFileSync(new URL('samples.json', import.meta.url), 'utf8');
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new TypeError('samples.json must hold an array');
  return data.map((entry: unknown, i) => {
    if (!isSample(entry)) throw new TypeError(`samples.json entry ${i} is not a sample alert`);
    return entry;
  });
}

function isSample(v: unknown): v is SampleAlert {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o['name'] === 'string' &&
    typeof o['description'] === 'string' &&
    (ALERT_KINDS as readonly unknown[]).includes(o['kind']) &&
    typeof o['alert'] === 'object' &&
    o['alert'] !== null &&
    !Array.isArray(o['alert'])
  );
}
