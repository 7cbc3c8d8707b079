import { describe, expect, it } from 'vitest';
import { alertTimeMs, epochMsFromValue, msToHrTime } from '../../../receivers/darktrace-syslog/time.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

describe('alertTimeMs', () => {
  it.each<[string, Parameters<typeof alertTimeMs>[0], Record<string, unknown>, string | undefined]>([
    [
      'breach time in epoch ms',
      'model_breach',
      { time: 1657678366123, creationTime: 1 },
      '2022-07-13T02:12:46.123Z',
    ],
    [
      'breach creationTime when time is missing',
      'model_breach',
      { creationTime: 1657678365000 },
      '2022-07-13T02:12:45.000Z',
    ],
    ['AI createdAt in epoch ms', 'ai_analyst', { createdAt: 1628002089240 }, '2021-08-03T14:48:09.240Z'],
    [
      'system last_updated in integer seconds',
      'system_status',
      { last_updated: 1618760651 },
      '2021-04-18T15:44:11.000Z',
    ],
    [
      'system last_updated in fractional seconds',
      'system_status',
      { last_updated: 1658110810.556194 },
      '2022-07-18T02:20:10.556Z',
    ],
    [
      'system last_updated as a numeric string',
      'system_status',
      { last_updated: '1658110810.5' },
      '2022-07-18T02:20:10.500Z',
    ],
    [
      'email timestamp as ISO without zone (UTC)',
      'email',
      { timestamp: '2024-06-01T12:30:00.250' },
      '2024-06-01T12:30:00.250Z',
    ],
    [
      'email timestamp with an offset',
      'email',
      { timestamp: '2024-06-01T14:30:00+02:00' },
      '2024-06-01T12:30:00.000Z',
    ],
    [
      'unknown alert with a YYYY-MM-DD HH:MM:SS time',
      'unknown',
      { time: '2023-12-05 22:39:00' },
      '2023-12-05T22:39:00.000Z',
    ],
    [
      'a ms value in a seconds field',
      'system_status',
      { last_updated: 1618760651000 },
      '2021-04-18T15:44:11.000Z',
    ],
    ['a missing time field', 'model_breach', { pbid: 1 }, undefined],
    ['a boolean time field', 'ai_analyst', { createdAt: true }, undefined],
    ['a null time field', 'system_status', { last_updated: null }, undefined],
    ['zero', 'model_breach', { time: 0 }, undefined],
  ])('reads %s', (_name, kind, alert, expected) => {
    expect(iso(alertTimeMs(kind, alert))).toBe(expected);
  });

  it('finds a time in every bundled sample', () => {
    for (const sample of loadSampleAlerts()) {
      const ms = alertTimeMs(sample.kind, sample.alert);
      expect(ms, sample.name).toBeGreaterThan(Date.UTC(2024, 0, 1));
      expect(ms, sample.name).toBeLessThan(Date.UTC(2025, 0, 1));
    }
  });
});

describe('epochMsFromValue', () => {
  it.each<[unknown, string | undefined]>([
    [1717243200, '2024-06-01T12:00:00.000Z'],
    [1717243200000, '2024-06-01T12:00:00.000Z'],
    [1717243200000000, '2024-06-01T12:00:00.000Z'],
    [1717243200000000000, '2024-06-01T12:00:00.000Z'],
    ['1717243200000', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01 12:00:00', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01T12:00:00.123456', '2024-06-01T12:00:00.123Z'],
    ['2024-06-01T07:00:00-0500', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01 12:00:00 UTC', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01', '2024-06-01T00:00:00.000Z'],
    ['Mar 3rd 2021 07:05:09 UTC', '2021-03-03T07:05:09.000Z'],
    ['Jun 21st 2024 23:59:59', '2024-06-21T23:59:59.000Z'],
    ['2024-02-30 00:00:00', undefined],
    ['2024-13-01 00:00:00', undefined],
    ['yesterday', undefined],
    ['', undefined],
    [-5, undefined],
    [Number.NaN, undefined],
    [{}, undefined],
  ])('converts %j', (value, expected) => {
    expect(iso(epochMsFromValue(value))).toBe(expected);
  });

  it('keeps microseconds of an ISO fraction', () => {
    expect(epochMsFromValue('2024-06-01T12:00:00.123456Z')).toBeCloseTo(
      Date.UTC(2024, 5, 1, 12) + 123.456,
      6,
    );
  });
});

describe('msToHrTime', () => {
  it.each<[number, [number, number]]>([
    [1657678366000, [1657678366, 0]],
    [1659692145460, [1659692145, 460000000]],
    [1658110810.556194 * 1000, [1658110810, 556194000]],
    [1717243200000.5, [1717243200, 500000]],
    [999.9999999, [1, 0]],
    [0, [0, 0]],
  ])('splits %d ms', (ms, expected) => {
    expect(msToHrTime(ms)).toEqual(expected);
  });
});
