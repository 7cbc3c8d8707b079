// Real payloads without expected documents: the newer model-breach lines (6–11 of Elastic's test log:
// acknowledged objects, 2024 fields, nested defeats) and the full syslog sample lines must map cleanly
// with every preset.
import { describe, expect, it } from 'vitest';
import { createMapper, schemaNames, type AlertKind } from '../../../processors/darktrace-map/map.js';
import { corpusDir, corpusExists, corpusLines, deepFreeze, ok, type Loose } from './support.js';

if (!corpusExists) console.warn(`darktrace-map corpus tests skipped: no corpus at ${corpusDir}`);

const breachLines = corpusExists ? corpusLines('elastic/model_breach_alert/test-model-breach-alert.log') : [];
const newerLines = breachLines.slice(5, 11).map((l, i) => ({ ...l, n: i + 6 }));

const samples: { kind: AlertKind; file: string }[] = [
  { kind: 'model_breach', file: 'elastic/_package/sample_logs/model_breach_alert.log' },
  { kind: 'ai_analyst', file: 'elastic/_package/sample_logs/ai_analyst_alert.log' },
  { kind: 'system_status', file: 'elastic/_package/sample_logs/system_status_alert.log' },
];

describe.skipIf(!corpusExists)('darktrace-map on corpus lines without expected output', () => {
  it('reads the six newer model-breach lines', () => {
    expect(newerLines.map((l) => l.n)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  describe.each(schemaNames)('with the %s preset', (schema) => {
    const map = createMapper({ schema });

    it.each(newerLines)(
      'maps model-breach line $n without error and without touching the alert',
      ({ alert, text }) => {
        const result = ok(map('model_breach', deepFreeze(alert), text));
        expect(result.eventName).toBe('darktrace.model_breach');
        expect(typeof result.timeUnixMs).toBe('number');
        expect(result.severityNumber).toBeGreaterThan(0);
      },
    );

    it.each(samples)('maps every syslog sample line of $file', ({ kind, file }) => {
      for (const { alert, text } of corpusLines(file)) {
        expect(ok(map(kind, alert, text)).eventName).toBe(`darktrace.${kind}`);
      }
    });
  });

  it('marks acknowledged-object breaches as acknowledged and `false` as not', () => {
    const map = createMapper({ schema: 'ecs' });
    const acknowledged = newerLines.map(({ alert }) => {
      const body = ok(map('model_breach', alert)).body as {
        darktrace: { model_breach_alert: Record<string, unknown> };
      };
      return body.darktrace.model_breach_alert['is_acknowledged'];
    });
    // Lines 6–8 and 11 carry {time, username}, line 9 {username} only, line 10 `false`.
    expect(acknowledged).toEqual([true, true, true, true, false, true]);
  });

  it('keeps the 2024 breach score fields and nested defeats in the ECS document', () => {
    const map = createMapper({ schema: 'ecs' });
    const line11 = newerLines[5]!;
    const mb = (ok(map('model_breach', line11.alert)).body as Loose).darktrace.model_breach_alert;
    expect(mb.pb_score).toBe(line11.alert['pbscore']);
    expect(mb.device_score).toBe(line11.alert['devicescore']);
    // An array of arrays; `defeatID` "1-1" is not a long, so only the numeric one becomes `id`.
    expect(mb.model.defeats[0][0].id).toBe(1);
    expect(mb.model.defeats[0][1]).not.toHaveProperty('id');
  });
});
