import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { converters } from '../../../processors/darktrace-map/schemas/converters.js';
import type { ConverterName, JsonValue } from '../../../processors/darktrace-map/schemas/types.js';

function convert(name: ConverterName, value: unknown, ...args: JsonValue[]): unknown {
  return converters[name].fn(value, args);
}

describe('date converters', () => {
  it.each<[ConverterName, unknown, unknown]>([
    ['dateToIso', 1657678366000, '2022-07-13T02:12:46.000Z'],
    ['dateToIso', '1657678366000', '2022-07-13T02:12:46.000Z'],
    ['dateToIso', '2022-07-11 11:41:08', '2022-07-11T11:41:08.000Z'],
    ['dateToIso', '2024-06-03T10:20:30.456', '2024-06-03T10:20:30.456Z'],
    ['dateToIso', '2024-06-03T12:20:30+02:00', '2024-06-03T10:20:30.000Z'],
    ['dateToIso', 'yesterday', undefined],
    ['dateToIso', true, undefined],
    ['secondsToIso', 1658110810.556194, '2022-07-18T02:20:10.556Z'],
    ['secondsToIso', 1618760651, '2021-04-18T15:44:11.000Z'],
    ['isoNoZone', 1608007649936, '2020-12-15T04:47:29.936'],
    ['isoNoZone', '2020-12-15T04:47:29.936', '2020-12-15T04:47:29.936'],
    ['msToDarktraceDateTime', 1564761122000, '2019-08-02 15:52:02'],
    ['toEpochMs', '2022-07-11 11:41:08', 1657539668000],
    ['secondsToEpochMs', 1618760651, 1618760651000],
  ])('%s(%j) is %j', (name, input, expected) => {
    expect(convert(name, input)).toEqual(expected);
  });

  it('formats any epoch-ms time exactly as Date.prototype.toISOString does', () => {
    const range = { min: -62_167_219_200_000 - 1e9, max: 253_402_300_800_000 + 1e9 };
    fc.assert(
      fc.property(fc.oneof(fc.integer(range), fc.double({ ...range, noNaN: true })), (ms) => {
        expect(convert('dateToIso', ms)).toBe(new Date(Math.trunc(ms)).toISOString());
      }),
      { numRuns: 5000 },
    );
    for (const ms of [0, -1, 951_782_400_000, 4_107_542_399_999, -62_167_219_200_000, 253_402_300_799_999]) {
      expect(convert('dateToIso', ms)).toBe(new Date(ms).toISOString());
    }
  });

  it.each<[number, string]>([
    [Date.UTC(2021, 2, 3, 7, 5, 9), 'Mar 3rd 2021 07:05:09 UTC'],
    [Date.UTC(2020, 7, 1, 0, 0, 0), 'Aug 1st 2020 00:00:00 UTC'],
    [Date.UTC(2020, 6, 22, 1, 16, 33), 'Jul 22nd 2020 01:16:33 UTC'],
    [Date.UTC(2020, 6, 11, 1, 16, 33), 'Jul 11th 2020 01:16:33 UTC'],
    [Date.UTC(2020, 6, 12, 1, 16, 33), 'Jul 12th 2020 01:16:33 UTC'],
    [Date.UTC(2020, 6, 13, 23, 59, 59), 'Jul 13th 2020 23:59:59 UTC'],
    [Date.UTC(2020, 11, 31, 12, 0, 0), 'Dec 31st 2020 12:00:00 UTC'],
  ])('writes %d as the Darktrace text date %s', (ms, text) => {
    expect(convert('msToDarktraceText', ms)).toBe(text);
    expect(convert('secondsToDarktraceText', ms / 1000)).toBe(text);
  });
});

describe('value converters', () => {
  it.each<[ConverterName, unknown, JsonValue[], unknown]>([
    ['toLong', 12, [], 12],
    ['toLong', '-12', [], -12],
    ['toLong', 1.5, [], undefined],
    ['toLong', '1-1', [], undefined],
    ['toInt', 57.5, [], 58],
    ['toDouble', '72.9174234', [], 72.9174234],
    ['toDouble', 'abc', [], undefined],
    ['toBool', 'TRUE', [], true],
    ['toBool', 1, [], undefined],
    ['acknowledged', { username: 'u' }, [], true],
    ['acknowledged', false, [], false],
    ['toString', 16, [], '16'],
    ['toGuid', '539464E9DF4945E9A9DA3BEEBE6394E8', [], '539464e9-df49-45e9-a9da-3beebe6394e8'],
    ['toGuid', '{539464e9-df49-45e9-a9da-3beebe6394e8}', [], '539464e9-df49-45e9-a9da-3beebe6394e8'],
    ['toGuid', '8abcdefh-1234-1234-1234-5abababab', [], '8abcdefh-1234-1234-1234-5abababab'],
    ['toArray', 'a, b,,c', [], ['a', 'b', 'c']],
    ['unitToPercent', 0.674, [], 67.4],
    ['unitToPercent', 0.582, [2], 58.2],
    ['divide', 71, [10], 7.1],
    ['ceil', 7.1, [], 8],
    ['nonNegative', -1, [], undefined],
    ['present', {}, [], undefined],
    ['present', 'quarantine', [], true],
    ['capitalize', 'RESOLVED', [], 'Resolved'],
    ['mac', '00:00:5e:00.53:00', [], '00-00-5E-00-53-00'],
    ['ip', '175.16.199.1', [], '175.16.199.1'],
    ['ip', '2001:db8::1', [], '2001:db8::1'],
    ['ip', '175.16.199.1/24', [], undefined],
    ['notIp', 'linux.local', [], 'linux.local'],
    ['notIp', '81.2.69.192', [], undefined],
    ['stripCidr', '175.16.199.1/24', [], '175.16.199.1'],
    ['lookup', 'Critical', [{ critical: 'alert' }, 'event'], 'alert'],
    ['lookup', 'Other', [{ critical: 'alert' }, 'event'], 'event'],
    ['lookup', 'Other', [{ critical: 'alert' }], undefined],
    ['ifContains', 'Unusual Connections', ['connection', 'network'], 'network'],
    ['ifContains', 'System', ['connection', 'network'], undefined],
    ['spanNs', { start: 1000, end: 3500 }, ['start', 'end'], 2_500_000_000],
    ['pick', { a: 1 }, ['a'], 1],
    ['join', ['a', 1, true, { x: 1 }], ['/'], 'a/1/true'],
    ['first', ['x', 'y'], [], 'x'],
    ['min', [3, '1', 'z'], [], 1],
    ['max', 5, [], 5],
    ['syslogTag', 'darktrace {"a":1}', [], 'darktrace'],
    ['syslogTag', '{"a":1}', [], undefined],
    ['withoutSyslogTag', 'darktrace {"a":1}', [], '{"a":1}'],
    ['scalar', ['a'], [], '["a"]'],
  ])('%s(%j, %j) is %j', (name, input, args, expected) => {
    expect(convert(name, input, ...args)).toEqual(expected);
  });
});

describe('text converters', () => {
  it('cuts the first sentence at a capitalised next sentence or a line break, literal or real', () => {
    expect(convert('firstSentence', 'The device a.b.... was seen. Then more.')).toBe(
      'The device a.b.... was seen.',
    );
    expect(convert('firstSentence', 'One line only\\n\\nsecond')).toBe('One line only');
    expect(convert('firstSentence', 'Ends here.\n\nNext.')).toBe('Ends here.');
  });

  it('splits a URL into Elastic uri_parts fields', () => {
    expect(convert('uriParts', 'https://user:pw@example.com:8443/a/file.tar.gz?x=1#frag')).toEqual({
      original: 'https://user:pw@example.com:8443/a/file.tar.gz?x=1#frag',
      scheme: 'https',
      domain: 'example.com',
      port: 8443,
      path: '/a/file.tar.gz',
      extension: 'gz',
      query: 'x=1',
      fragment: 'frag',
      username: 'user',
      password: 'pw',
      user_info: 'user:pw',
    });
    expect(convert('uriParts', '')).toBeUndefined();
    expect(convert('uri', 'not a url')).toBeUndefined();
  });

  it('writes maps in Java HashMap order, as Elastic stringifies component logic', () => {
    const logic = { operator: 'OR', right: { right: 'C', left: {}, operator: 'AND' }, left: 'A' };
    expect(convert('javaMapText', logic)).toBe(
      '{left=A, right={left={}, right=C, operator=AND}, operator=OR}',
    );
    expect(convert('javaMapText', ['a', 1, null])).toBe('[a, 1, null]');
  });

  it('describes triggered components one per line and finds display filter values', () => {
    const components = [
      {
        metric: { label: 'Connections' },
        triggeredFilters: [
          {
            filterType: 'Direction',
            comparatorType: 'is',
            arguments: { value: 'out' },
            trigger: { value: 'out' },
          },
          {
            filterType: 'Destination port',
            comparatorType: 'display',
            arguments: {},
            trigger: { value: '443' },
          },
        ],
      },
      { metric: { label: 'Empty' } },
    ];
    expect(convert('componentsText', components)).toBe(
      'Connections: Direction is out, Destination port: 443\nEmpty\n',
    );
    expect(convert('filterValue', components, 'destination PORT')).toBe('443');
    expect(convert('filterValue', components, 'Source port')).toBeUndefined();
  });
});
