import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../receivers/darktrace-syslog/framing.js';
import { ALERT_KINDS, detectAlertKind } from '../../../receivers/darktrace-syslog/kind.js';
import { parseSyslogMessage } from '../../../receivers/darktrace-syslog/parse.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import { fixturesDir, repoRoot } from './helpers.js';

/** Reads a nested value without caring about the shape on the way. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

describe('loadSampleAlerts', () => {
  const samples = loadSampleAlerts();

  it('ships 10 to 15 uniquely named samples covering every kind but unknown', () => {
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(samples.length).toBeLessThanOrEqual(15);
    expect(new Set(samples.map((s) => s.name)).size).toBe(samples.length);
    expect(new Set(samples.map((s) => s.kind))).toEqual(new Set(ALERT_KINDS.filter((k) => k !== 'unknown')));
  });

  it('covers the shape variants the reference lists', () => {
    const has = (test: (a: Record<string, unknown>) => boolean): boolean =>
      samples.some((s) => test(s.alert));
    expect(has((a) => at(a, 'model', 'then') !== undefined && at(a, 'model', 'now') !== undefined)).toBe(
      true,
    );
    expect(has((a) => typeof at(a, 'model', 'name') === 'string' && a['pbid'] !== undefined)).toBe(true);
    expect(has((a) => a['pbscore'] !== undefined && a['percentscore'] !== undefined)).toBe(true);
    expect(has((a) => at(a, 'details', 0, 0, 'contents') !== undefined)).toBe(true);
    expect(has((a) => at(a, 'details', 0, 'blockType') !== undefined)).toBe(true);
    expect(has((a) => typeof a['status'] === 'string' && /^resolved$/i.test(a['status']))).toBe(true);
  });

  it('returns fresh objects on every call', () => {
    const first = loadSampleAlerts();
    first[0]!.alert['pbid'] = -1;
    expect(loadSampleAlerts()[0]!.alert['pbid']).not.toBe(-1);
  });

  it('uses only documentation IP addresses and example hosts', () => {
    const text = readFileSync(path.join(repoRoot, 'receivers/darktrace-syslog/samples/samples.json'), 'utf8');
    for (const ip of text.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? []) {
      expect(ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
    }
    for (const host of text.match(/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org)\b/gi) ?? []) {
      expect(host).toMatch(/(^|\.)example\.(com|net|org)$/);
    }
  });
});

describe('mixed-headers fixture', () => {
  it('parses every line to the expected kind whatever its header style', () => {
    const expected = JSON.parse(
      readFileSync(path.join(fixturesDir, 'mixed-headers.expected.json'), 'utf8'),
    ) as {
      kind: string;
      style: string;
    }[];
    const kinds: string[] = [];
    const decoder = new FrameDecoder({
      onFrame: (frame) => {
        const result = parseSyslogMessage(frame);
        kinds.push(result.ok ? detectAlertKind(result.alert) : `error: ${result.reason}`);
      },
    });
    decoder.push(readFileSync(path.join(fixturesDir, 'mixed-headers.log')));
    decoder.end();
    expect(kinds).toEqual(expected.map((e) => e.kind));
    expect(new Set(expected.map((e) => e.style)).size).toBe(4);
  });
});
