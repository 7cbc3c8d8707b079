import { describe, expect, it } from 'vitest';
import type { FilterRecord } from '../../../processors/filter/expr.js';
import { compileExpression } from '../../../processors/filter/expr.js';

// An invented record shaped like a mapped Darktrace breach.
const record: FilterRecord = {
  body: {
    pbid: 9001,
    score: 0.82,
    groupScore: '77.5',
    model: {
      name: 'Anomalous Connection::Data Sent to Rare Domain',
      tags: ['AP: Exfiltration', 'Team: Finance'],
    },
    'odd key': { 'x-y': 1 },
    acknowledged: false,
    pinned: true,
    devices: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }],
    nothing: null,
    empty: '',
    count: 0,
  },
  attributes: { 'darktrace.kind': 'model_breach', 'darktrace.pbid': 9001, nested: { a: { b: 'deep' } } },
  severityNumber: 17,
  severityText: 'ERROR',
  eventName: 'darktrace.model_breach',
  resource: { 'service.name': 'dtcol' },
};

function run(source: string, on: FilterRecord = record): boolean {
  const compiled = compileExpression(source);
  if (!compiled.ok) throw new Error(`${source}: column ${compiled.column}: ${compiled.message}`);
  return compiled.evaluate(on);
}

describe('compileExpression', () => {
  describe('fields', () => {
    it.each([
      ['body.pbid == 9001', true],
      ['body["odd key"]["x-y"] == 1', true],
      ["body['odd key'].count missing", true],
      ['body.devices[1].ip == "10.0.0.2"', true],
      ['body.devices[2].ip exists', false],
      ['body.devices.ip exists', false],
      ['attributes["darktrace.kind"] == "model_breach"', true],
      ['attributes["darktrace.pbid"] == 9001', true],
      ['attributes["nested"].a.b == "deep"', true],
      ['attributes["nested"]["a"]["b"] == "deep"', true],
      ['resource["service.name"] == "dtcol"', true],
      ['severity_number >= 17', true],
      ['severity_text == "ERROR"', true],
      ['event_name == "darktrace.model_breach"', true],
      ['body.constructor exists', false],
      ['body.__proto__ exists', false],
      ['body.model.name.length exists', false],
    ])('%s → %s', (source, expected) => {
      expect(run(source)).toBe(expected);
    });

    it('reads a body that is a plain string', () => {
      expect(run('body contains "denied"', { body: 'access denied', attributes: {} })).toBe(true);
    });

    it('treats a record without resource or severity as missing those fields', () => {
      const bare: FilterRecord = { body: undefined, attributes: {} };
      expect(run('resource["service.name"] missing and severity_number missing and body missing', bare)).toBe(
        true,
      );
    });
  });

  describe('operators', () => {
    it.each([
      ['body.pbid == 9002', false],
      ['body.pbid != 9002', true],
      ['body.pbid != 9001', false],
      ['body.score < 0.9', true],
      ['body.score < 0.82', false],
      ['body.score <= 0.82', true],
      ['body.score > 0.82', false],
      ['body.score >= 0.82', true],
      ['body.score > -1', true],
      ['severity_text < "FATAL"', true],
      ['severity_text >= "error"', false],
      ['body.groupScore > 50', true],
      ['body.groupScore == 77.5', true],
      ['77.5 == body.groupScore', true],
      ['body.groupScore == "77.5"', true],
      ['body.groupScore == "77.50"', false],
      ['body.groupScore < "8"', true],
      ['body.pbid in [1, 9001]', true],
      ['body.model.name in ["x", "y"]', false],
      ['body.pinned in [true]', true],
      ['body.pbid in []', false],
      ['body.nothing in [null]', true],
      ['body.absent in [null]', true],
      ['body.model.name matches "^Anomalous"', true],
      ['body.model.name matches "data sent"', false],
      ['body.model.name matches /data sent/i', true],
      ['body.model.name matches /^a.*domain$/is', true],
      ['body.model.name matches /[/]?Connection/', true],
      ['body.model.name contains "Rare"', true],
      ["body.model.name contains 'Rare'", true],
      ['body.model.name contains "\\u0020Connection"', true],
      ['body.model.tags contains "Team: Finance"', true],
      ['body.model.tags contains "Team"', false],
      ['body.nothing exists', false],
      ['body.nothing missing', true],
      ['body.empty exists', true],
      ['body.count exists', true],
      ['body.acknowledged exists', true],
      ['body.absent missing', true],
      ['body.pinned', true],
      ['body.acknowledged', false],
      ['body.pbid', false],
      ['true', true],
      ['false', false],
      ['not body.acknowledged', true],
      ['body.pbid == 9001 and\n  body.pinned', true],
    ])('%s → %s', (source, expected) => {
      expect(run(source)).toBe(expected);
    });
  });

  describe('null and missing', () => {
    it.each([
      ['body.absent == null', true],
      ['body.nothing == null', true],
      ['body.absent == body.nothing', true],
      ['body.absent != "a"', true],
      ['body.absent == "a"', false],
      ['body.absent < 1', false],
      ['body.absent >= 1', false],
      ['body.absent contains "a"', false],
      ['body.absent matches ".*"', false],
      ['body.count == null', false],
    ])('%s → %s', (source, expected) => {
      expect(run(source)).toBe(expected);
    });
  });

  describe('type mismatches', () => {
    it.each([
      ['body.pbid == "abc"'],
      ['body.pbid < "abc"'],
      ['body.pbid >= "abc"'],
      ['body.model < 1'],
      ['body.model >= 1'],
      ['body.model == body.model'],
      ['body.model.tags == "AP: Exfiltration"'],
      ['body.pinned > false'],
      ['body.pinned == 1'],
      ['body.count == false'],
      ['body.pbid matches "9001"'],
      ['body.pbid contains 9'],
      ['body.model.name contains 1'],
      ['body.model contains "name"'],
    ])('%s evaluates to false', (source) => {
      expect(run(source)).toBe(false);
    });

    it('does not throw on odd body values', () => {
      const odd: unknown[] = [
        new Uint8Array([1, 2]),
        10n,
        Object.create(null) as unknown,
        new Array<unknown>(3),
        new Date(0),
        new Map([['a', 1]]),
        Number.NaN,
      ];
      const compiled = compileExpression(
        'body.a == 1 or body[0] < 2 or body contains 1 or body matches "x" or body > 1 or body in [1] or body.a exists',
      );
      expect(compiled.ok).toBe(true);
      if (!compiled.ok) return;
      for (const body of odd) expect(compiled.evaluate({ body, attributes: {} })).toBe(false);
    });
  });

  describe('precedence', () => {
    type Fn = (a: boolean, b: boolean, c: boolean) => boolean;
    it.each<[string, Fn]>([
      ['not body.a or body.b and body.c', (a, b, c) => !a || (b && c)],
      ['body.a or body.b and body.c', (a, b, c) => a || (b && c)],
      ['body.a and body.b or body.c', (a, b, c) => (a && b) || c],
      ['(body.a or body.b) and body.c', (a, b, c) => (a || b) && c],
      ['body.a and not body.b or body.c', (a, b, c) => (a && !b) || c],
      ['not (body.a and body.b) and body.c', (a, b, c) => !(a && b) && c],
      ['not not body.a', (a) => a],
      ['not body.a == true and body.c', (a, _b, c) => !a && c],
      ['body.a or body.b or body.c and not body.a', (a, b, c) => a || b || (c && !a)],
    ])('%s matches its truth table', (source, expected) => {
      for (const a of [false, true]) {
        for (const b of [false, true]) {
          for (const c of [false, true]) {
            expect(run(source, { body: { a, b, c }, attributes: {} }), `a=${a} b=${b} c=${c}`).toBe(
              expected(a, b, c),
            );
          }
        }
      }
    });

    it('evaluates a chain of thousands of terms without overflowing the stack', () => {
      const source = Array.from({ length: 5000 }, (_, i) => `body.n != ${i}`).join(' and ');
      expect(run(source, { body: { n: -1 }, attributes: {} })).toBe(true);
      expect(run(source, { body: { n: 4999 }, attributes: {} })).toBe(false);
    });
  });

  describe('errors', () => {
    it.each([
      ['', 1, 'expected a condition but found the end of the expression'],
      ['   ', 4, 'expected a condition but found the end of the expression'],
      ['body.a ==', 10, 'expected a value after "==" but found the end of the expression'],
      ['body.a == and', 11, 'expected a value after "==" but found "and"'],
      ['body.a contains', 16, 'expected a value after "contains"'],
      ['body.a == 1 and', 16, 'expected a condition'],
      [')', 1, 'expected a condition but found ")"'],
      ['body.a = 1', 8, 'use == to compare'],
      ['body.a == 1 && body.b', 13, 'use and instead of &&'],
      ['body.a || body.b', 8, 'use or instead of ||'],
      ['!body.a', 1, 'use not instead of !'],
      ['body.a == @', 11, 'unexpected character "@"'],
      ['attributes.kind == 1', 11, 'attributes["kind"]'],
      ['resource.x', 9, 'resource["x"]'],
      ['attributes[0] == 1', 11, 'attributes takes a string key first'],
      ['bdy.a == 1', 1, 'unknown field "bdy"'],
      ['body.a == 1 == 2', 13, 'comparisons cannot be chained'],
      ['(body.a == 1', 13, 'expected ")" to close the "(" at column 1'],
      ['(body.a == 1 body.b)', 14, 'but found "body"'],
      ['body.a in 1', 11, 'expected a list such as ["a", "b"] after "in"'],
      ['body.a in [1, body.b]', 15, 'list items must be literals'],
      ['body.a in [1 2]', 14, 'expected "," or "]" in the list'],
      ['body.a matches 1', 16, 'expected a string or /regex/ after "matches"'],
      ['body.a matches "("', 16, 'invalid regular expression'],
      ['body.a matches /x/g', 16, 'regex flag "g" is not allowed'],
      ['body.a matches /x/ii', 16, 'regex flags repeat'],
      ['body.a matches /abc', 16, 'regular expression is not closed with /'],
      ['body.a == "unterminated', 11, 'string is not closed'],
      ['body.a == "\\q"', 12, 'unknown escape "\\q"'],
      ['body.a == "\\u12"', 12, '\\u needs four hex digits'],
      ['body.a == 1.', 11, 'malformed number "1."'],
      ['body.a exists body.b exists', 15, 'expected and, or or the end of the condition'],
      ['body.a not in [1]', 8, 'put not before the whole test'],
      ['body.a == 1 AND body.b', 13, 'keywords are lower case: write and'],
      ['NOT body.a', 1, 'keywords are lower case: write not'],
      ['"x"', 1, 'the string "x" on its own is not a condition'],
      ['5', 1, 'the number 5 on its own is not a condition'],
      ['body.[0]', 6, 'expected a field name after "."'],
      ['body[1.5]', 6, 'expected a quoted key or an array index'],
      ['body[-1]', 6, 'expected a quoted key or an array index'],
      ['body["a" == 1', 10, 'expected "]"'],
    ])('%j fails at column %i', (source, column, message) => {
      const compiled = compileExpression(source);
      expect(compiled).toMatchObject({ ok: false, column });
      if (!compiled.ok) expect(compiled.message).toContain(message);
    });

    it('limits nesting depth', () => {
      const deep = `${'('.repeat(100)}true${')'.repeat(100)}`;
      expect(compileExpression(deep)).toMatchObject({
        ok: false,
        message: expect.stringContaining('nests too deeply'),
      });
      const fine = `${'('.repeat(40)}true${')'.repeat(40)}`;
      expect(compileExpression(fine).ok).toBe(true);
    });

    it('accepts keywords as key names after a dot', () => {
      expect(run('body.in missing and body.not missing and body.true missing')).toBe(true);
    });
  });
});
