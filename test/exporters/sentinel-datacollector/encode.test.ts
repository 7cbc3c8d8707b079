import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultMaxBodyBytes,
  defaultMaxFieldBytes,
  encodeDataCollectorBodies,
  truncateUtf8,
} from '../../../exporters/sentinel-datacollector/encode.js';
import { flatAlerts, policyBreach } from './flat-alerts.js';

const parse = (body: Buffer): unknown => JSON.parse(body.toString('utf8'));

describe('sentinel-datacollector encode', () => {
  it('encodes records as one JSON array body holding every index', () => {
    const result = encodeDataCollectorBodies(flatAlerts);
    expect(result.bodies).toHaveLength(1);
    expect(result.bodies[0]!.indexes).toEqual([0, 1, 2, 3]);
    expect(parse(result.bodies[0]!.body)).toEqual(flatAlerts);
    expect(result.rejected).toEqual([]);
    expect(result.truncatedFields).toBe(0);
  });

  it('uses the 30,000,000-byte cap and the 32,766-byte field limit by default', () => {
    expect(defaultMaxBodyBytes).toBe(30_000_000);
    expect(defaultMaxFieldBytes).toBe(32_766);
  });

  it('splits into several bodies, each under the cap, in input order', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ i, text: 'ü'.repeat(i * 3) }));
    const result = encodeDataCollectorBodies(records, { maxBodyBytes: 600 });
    expect(result.bodies.length).toBeGreaterThan(3);
    for (const { body, indexes } of result.bodies) {
      expect(body.length).toBeLessThanOrEqual(600);
      expect(parse(body)).toEqual(indexes.map((i) => records[i]));
    }
    expect(result.bodies.flatMap((b) => b.indexes)).toEqual(records.map((_, i) => i));
  });

  it('fills a body up to exactly the cap', () => {
    const record = { a: 'x' }; // {"a":"x"} is 9 bytes; three of them with commas and brackets make 31
    expect(
      encodeDataCollectorBodies([record, record, record, record], { maxBodyBytes: 31 }).bodies.map(
        (b) => b.body.length,
      ),
    ).toEqual([31, 11]);
    expect(
      encodeDataCollectorBodies([record, record, record, record], { maxBodyBytes: 30 }).bodies.map(
        (b) => b.body.length,
      ),
    ).toEqual([21, 21]);
  });

  it('truncates long strings at a character boundary and counts them', () => {
    const long = { id: 1, text: 'é'.repeat(20), nested: { note: '🚨'.repeat(10) } };
    const result = encodeDataCollectorBodies([long, { id: 2, text: 'short' }], { maxFieldBytes: 15 });
    const [first, second] = parse(result.bodies[0]!.body) as [typeof long, unknown];
    expect(first.text).toBe('é'.repeat(7));
    expect(first.nested.note).toBe('🚨'.repeat(3));
    expect(second).toEqual({ id: 2, text: 'short' });
    expect(result.truncatedFields).toBe(2);
    expect(result.truncatedRecords).toBe(1);
  });

  it('never mutates the records it is given', () => {
    const record = { text: 'x'.repeat(50), nested: { more: 'y'.repeat(50) } };
    const copy = structuredClone(record);
    encodeDataCollectorBodies([record], { maxFieldBytes: 10 });
    expect(record).toEqual(copy);
  });

  it('reports records with long strings for dead-lettering in reject mode', () => {
    const result = encodeDataCollectorBodies(
      [{ ok: 'a' }, { bad: 'x'.repeat(40), nested: { worse: 'y'.repeat(40) } }],
      {
        maxFieldBytes: 32,
        oversizeFields: 'reject',
      },
    );
    expect(result.bodies.flatMap((b) => b.indexes)).toEqual([0]);
    expect(result.rejected).toEqual([
      { index: 1, reason: 'Record has 2 value(s) over the 32-byte field limit (bad, nested.worse)' },
    ]);
    expect(result.truncatedFields).toBe(0);
  });

  it('leaves arrays whole, since the service stores them as one JSON text', () => {
    const record = { tags: ['x'.repeat(40)] };
    const result = encodeDataCollectorBodies([record], { maxFieldBytes: 10 });
    expect(parse(result.bodies[0]!.body)).toEqual([record]);
  });

  it('rejects a record larger than the cap on its own and keeps the others', () => {
    const result = encodeDataCollectorBodies([{ a: 1 }, { big: 'x'.repeat(200) }, { b: 2 }], {
      maxBodyBytes: 100,
    });
    expect(result.bodies.map((b) => b.indexes)).toEqual([[0, 2]]);
    expect(result.rejected).toEqual([
      { index: 1, reason: 'Record is 210 bytes as JSON, over the 100-byte request limit' },
    ]);
  });

  it.each([
    ['a string', 'text'],
    ['an array', [1, 2]],
    ['null', null],
  ])('rejects %s as a record', (_label, record) => {
    const result = encodeDataCollectorBodies([record]);
    expect(result.bodies).toEqual([]);
    expect(result.rejected).toEqual([{ index: 0, reason: 'Record is not a JSON object' }]);
  });

  it('rejects a record that cannot be serialised', () => {
    const result = encodeDataCollectorBodies([{ n: 1n }]);
    expect(result.rejected[0]).toMatchObject({
      index: 0,
      reason: expect.stringMatching(/cannot be serialised/) as string,
    });
  });

  it('keeps every record in exactly one body or in rejected, under any cap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.dictionary(
            fc.string({ maxLength: 5 }),
            fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer(), fc.boolean()),
          ),
          {
            maxLength: 30,
          },
        ),
        fc.integer({ min: 3, max: 400 }),
        fc.integer({ min: 1, max: 40 }),
        (records, maxBodyBytes, maxFieldBytes) => {
          const result = encodeDataCollectorBodies(records, { maxBodyBytes, maxFieldBytes });
          const seen = [
            ...result.bodies.flatMap((b) => b.indexes),
            ...result.rejected.map((r) => r.index),
          ].sort((a, b) => a - b);
          expect(seen).toEqual(records.map((_, i) => i));
          for (const { body, indexes } of result.bodies) {
            expect(body.length).toBeLessThanOrEqual(maxBodyBytes);
            const decoded = parse(body) as Record<string, unknown>[];
            expect(decoded).toHaveLength(indexes.length);
            for (const row of decoded) {
              for (const value of Object.values(row)) {
                if (typeof value === 'string')
                  expect(Buffer.byteLength(value)).toBeLessThanOrEqual(maxFieldBytes);
              }
            }
          }
        },
      ),
    );
  });

  it('keeps a realistic alert byte-for-byte when nothing is over the limits', () => {
    const { bodies } = encodeDataCollectorBodies([policyBreach]);
    expect(bodies[0]!.body.toString('utf8')).toBe(JSON.stringify([policyBreach]));
  });
});

describe('truncateUtf8', () => {
  it.each([
    ['ascii', 'abcdef', 4, 'abcd'],
    ['two-byte', 'ééé', 5, 'éé'],
    ['three-byte', '数据外', 7, '数据'],
    ['surrogate pair', 'a🚨b', 4, 'a'],
    ['short enough', 'ok', 10, 'ok'],
  ])('cuts %s strings without splitting a character', (_label, input, max, expected) => {
    expect(truncateUtf8(input, max)).toBe(expected);
  });
});
