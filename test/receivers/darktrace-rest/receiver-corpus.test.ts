// The real Elastic fixtures served over REST must come out of the receiver exactly as syslog carries
// them: same body, same kind, same time. Read from ../shared/corpus at test time, never copied.
import { describe, expect, it, vi } from 'vitest';
import { hrTimeToMs } from '../../../core/records.js';
import { detectAlertKind } from '../../../receivers/darktrace-syslog/kind.js';
import { alertTimeMs } from '../../../receivers/darktrace-syslog/time.js';
import { corpusDir, corpusPresent } from '../../support/fake-darktrace.js';
import { host, setupReceiver } from './receiver-support.js';

if (!corpusPresent) console.warn(`Skipping the darktrace-rest corpus tests: ${corpusDir} is absent.`);

const everything = { range: { from: Date.UTC(2015, 0, 1), to: Date.now() } };

describe.skipIf(!corpusPresent)('darktrace-rest receiver on the Elastic corpus', () => {
  it.each([
    ['the syslog shape (historicmodelonly, deviceattop)', {}],
    [
      'the raw REST shape ({then, now} model, device per component)',
      { historic_model_only: false, device_at_top: false },
    ],
  ])('hands over every corpus alert, requested in %s, as syslog carries it', async (_label, breachParams) => {
    const { fake, sink, receiver } = await setupReceiver({
      fake: { corpus: true },
      config: { max_window: '5000d', feeds: { model_breaches: breachParams } },
      receiver: { backfill: everything },
    });
    await receiver.start(host, AbortSignal.timeout(1000));
    const summary = await receiver.finished;
    const stored = fake.alerts();
    const expected = [...stored.breaches, ...stored.events];
    expect(expected.length).toBeGreaterThan(5);
    await vi.waitFor(() => expect(sink.records).toHaveLength(expected.length));
    expect(summary.emitted).toBe(expected.length);

    expect(sink.records.map((r) => r.body)).toEqual(expect.arrayContaining(expected));
    for (const record of sink.records) {
      const body = record.body as Record<string, unknown>;
      const kind = detectAlertKind(body);
      expect(record.attributes['darktrace.alert.kind']).toBe(kind);
      expect(record.eventName).toBe(`darktrace.${kind}`);
      expect(hrTimeToMs(record.hrTime)).toBeCloseTo(alertTimeMs(kind, body) ?? Number.NaN, 3);
    }
  });
});
