import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FilterRecord } from '../../../processors/filter/expr.js';
import { compileExpression } from '../../../processors/filter/expr.js';

const names = ['a', 'b', 'score', 'tags', 'model', 'name', 'ip', 'in', 'not'] as const;

const stringLiteral = fc.string({ unit: 'binary' }).map((s) => JSON.stringify(s));
const numberLiteral = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n)),
);
const literal = fc.oneof(stringLiteral, numberLiteral, fc.constantFrom('true', 'false', 'null'));

const step = fc.oneof(
  fc.constantFrom(...names).map((n) => `.${n}`),
  stringLiteral.map((s) => `[${s}]`),
  fc.nat({ max: 3 }).map((i) => `[${i}]`),
);
const steps = fc.array(step, { maxLength: 3 }).map((s) => s.join(''));
const field = fc.oneof(
  steps.map((s) => `body${s}`),
  fc.tuple(stringLiteral, steps).map(([k, s]) => `attributes[${k}]${s}`),
  fc.tuple(stringLiteral, steps).map(([k, s]) => `resource[${k}]${s}`),
  fc.constantFrom('severity_number', 'severity_text', 'event_name'),
);
const value = fc.oneof({ weight: 3, arbitrary: field }, { weight: 1, arbitrary: literal });
const pattern = fc.constantFrom('"^a"', '"b$"', '".*"', '/x+/i', '/^$/', '"[0-9]{2}"', '/\\d/u', '"(a|b)c"');

const test = fc.oneof(
  fc
    .tuple(value, fc.constantFrom('==', '!=', '<', '<=', '>', '>='), value)
    .map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(value, fc.array(literal, { maxLength: 4 })).map(([a, items]) => `${a} in [${items.join(', ')}]`),
  fc.tuple(value, pattern).map(([a, p]) => `${a} matches ${p}`),
  fc.tuple(value, value).map(([a, b]) => `${a} contains ${b}`),
  fc.tuple(value, fc.constantFrom('exists', 'missing')).map(([a, w]) => `${a} ${w}`),
  field,
);

const { condition } = fc.letrec<{ condition: string }>((tie) => ({
  condition: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'cond' },
    test,
    tie('condition').map((c) => `not ${c}`),
    tie('condition').map((c) => `(${c})`),
    fc
      .tuple(tie('condition'), fc.constantFrom('and', 'or'), tie('condition'))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
  ),
}));

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  key: fc.constantFrom(...names, '', '__proto__', 'constructor', 'darktrace.kind'),
});

const record: fc.Arbitrary<FilterRecord> = fc.record(
  {
    body: anything,
    attributes: fc.dictionary(fc.constantFrom(...names, 'darktrace.kind'), anything),
    severityNumber: fc.integer({ min: 0, max: 24 }),
    severityText: fc.string(),
    eventName: fc.string(),
    resource: fc.dictionary(fc.constantFrom(...names, 'service.name'), anything),
  },
  { requiredKeys: ['body', 'attributes'] },
);

describe('compileExpression (properties)', () => {
  it('compiles every expression the grammar generates, and evaluation never throws', () => {
    fc.assert(
      fc.property(condition, fc.array(record, { minLength: 1, maxLength: 5 }), (source, records) => {
        const compiled = compileExpression(source);
        if (!compiled.ok) throw new Error(`${source}\ncolumn ${compiled.column}: ${compiled.message}`);
        for (const r of records) expect(typeof compiled.evaluate(r)).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary text and points errors inside or just past it', () => {
    const soup = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            'body',
            '.',
            '[',
            ']',
            '(',
            ')',
            '"',
            "'",
            '/',
            '==',
            '=',
            '!',
            'and',
            'or',
            'not',
            'in',
            ' ',
          ),
          fc.string({ maxLength: 3 }),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(soup, fc.string()), (source) => {
        const compiled = compileExpression(source);
        if (!compiled.ok) {
          expect(compiled.column).toBeGreaterThanOrEqual(1);
          expect(compiled.column).toBeLessThanOrEqual(source.length + 1);
          expect(compiled.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('evaluates not X as the negation of X and a != b as not a == b', () => {
    fc.assert(
      fc.property(condition, value, value, record, (source, a, b, r) => {
        const plain = compileExpression(source);
        const negated = compileExpression(`not (${source})`);
        const ne = compileExpression(`${a} != ${b}`);
        const eq = compileExpression(`not ${a} == ${b}`);
        if (!plain.ok || !negated.ok || !ne.ok || !eq.ok)
          throw new Error('generated expression did not compile');
        expect(negated.evaluate(r)).toBe(!plain.evaluate(r));
        expect(ne.evaluate(r)).toBe(eq.evaluate(r));
      }),
      { numRuns: 500 },
    );
  });
});
