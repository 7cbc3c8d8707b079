import { describe, expect, it } from 'vitest';
import {
  compileRules,
  createContext,
  pruneEmpty,
  runRules,
  type CompileOptions,
} from '../../../processors/darktrace-map/schemas/engine.js';
import type { FieldRule } from '../../../processors/darktrace-map/schemas/types.js';
import { deepFreeze } from './support.js';

function run(
  rules: readonly FieldRule[],
  alert: Record<string, unknown>,
  options: CompileOptions = {},
  original?: string,
) {
  const ctx = createContext(deepFreeze(alert), 'model_breach', original);
  return runRules(compileRules(rules, options), ctx).root;
}

describe('mapping engine', () => {
  it('copies, renames and nests fields by path', () => {
    expect(
      run(
        [
          { to: 'a.b.c', from: 'x.y' },
          { to: 'top', from: 'z' },
        ],
        { x: { y: 1 }, z: 'v' },
      ),
    ).toEqual({
      a: { b: { c: 1 } },
      top: 'v',
    });
  });

  it('takes the first source path that has a value, skipping null', () => {
    expect(run([{ to: 'v', from: ['a', 'b', 'c'] }], { a: null, b: 2, c: 3 })).toEqual({ v: 2 });
  });

  it('fans out over nested arrays and drops missing leaves', () => {
    const alert = { d: [[{ c: [{ v: [{ ip: '1' }, 7, { ip: null }] }] }], [{ c: [{ v: [{ ip: '2' }] }] }]] };
    expect(run([{ to: 'ips', from: 'd[][].c[].v[].ip' }], alert)).toEqual({ ips: ['1', '2'] });
  });

  it('resolves root aliases in order, taking the first object', () => {
    const options = { roots: { model: ['model.now', 'model.then', 'model'] } };
    const rule: FieldRule = { to: 'name', from: 'model.name' };
    expect(run([rule], { model: { now: { name: 'now' }, then: { name: 'then' } } }, options)).toEqual({
      name: 'now',
    });
    expect(run([rule], { model: { then: { name: 'then' } } }, options)).toEqual({ name: 'then' });
    expect(run([rule], { model: { name: 'flat' } }, options)).toEqual({ name: 'flat' });
  });

  it('applies list converters to the whole fan-out and the others element by element', () => {
    const alert = { p: [{ s: 30 }, { s: 10 }, { s: 'x' }] };
    expect(
      run(
        [
          { to: 'min', from: 'p[].s', convert: 'min' },
          { to: 'all', from: 'p[].s', convert: 'toLong' },
          { to: 'joined', from: 'p[].s', convert: { fn: 'join', args: ['|'] } },
        ],
        alert,
      ),
    ).toEqual({ min: 10, all: [30, 10], joined: '30|10|x' });
  });

  it('runs sub-tables over arrays and objects, keeping unread keys only with keepRest', () => {
    const alert = { list: [{ a: '1', b: 2, keep: true }, 'scalar', [{ a: '3' }]] };
    expect(
      run(
        [
          { to: 'kept', from: 'list', keepRest: true, each: [{ to: 'A', from: 'a', convert: 'toLong' }] },
          { to: 'only', from: 'list', each: [{ to: 'A', from: 'a' }] },
        ],
        alert,
      ),
    ).toEqual({
      kept: [{ A: 1, b: 2, keep: true }, 'scalar', [{ A: 3 }]],
      only: [{ A: '1' }, 'scalar', [{ A: '3' }]],
    });
  });

  it('appends uniquely or with duplicates, in rule order', () => {
    const alert = { a: 'x', b: ['x', 'y'], c: ['y', 'y'] };
    expect(
      run(
        [
          { to: 'u', from: 'a', append: 'unique' },
          { to: 'u', from: 'b[]', append: 'unique' },
          { to: 'all', from: 'c[]', append: 'all' },
          { to: 'all', from: 'a', append: 'all' },
        ],
        alert,
      ),
    ).toEqual({ u: ['x', 'y'], all: ['y', 'y', 'x'] });
  });

  it('never appends into an array it took from the alert', () => {
    const alert = { tags: ['a'], more: 'b' };
    const out = run(
      [
        { to: 't', from: 'tags' },
        { to: 't', from: 'more', append: 'unique' },
      ],
      alert,
    );
    expect(out).toEqual({ t: ['a', 'b'] });
    expect(alert.tags).toEqual(['a']);
  });

  it('honours conditions, ifUnset and defaults', () => {
    const rules: FieldRule[] = [
      { to: 'g', from: 'group' },
      { to: 'g', from: 'activity', when: { path: 'byActivity', equals: true }, ifUnset: true },
      { to: 'x', from: 'missing', default: '' },
      { to: 'y', value: 1, when: { path: 'flag', exists: false } },
    ];
    expect(run(rules, { activity: 'act', byActivity: true })).toEqual({ g: 'act', x: '', y: 1 });
    expect(run(rules, { group: 'grp', activity: 'act', byActivity: true, flag: 0 })).toEqual({
      g: 'grp',
      x: '',
    });
    expect(run(rules, { activity: 'act', byActivity: false })).toEqual({ x: '', y: 1 });
  });

  it('renders templates with fallbacks and leaves out incomplete optional groups', () => {
    const rule: FieldRule = { to: 'm', template: '{name}[ on {host|ip}][ ({missing})]' };
    expect(run([rule], { name: 'N', ip: '10.0.0.1' })).toEqual({ m: 'N on 10.0.0.1' });
    expect(run([rule], { name: 'N' })).toEqual({ m: 'N' });
    expect(run([rule], {})).toEqual({});
  });

  it('reads the raw text and the kind through $original and $kind', () => {
    expect(
      run(
        [
          { to: 'o', from: '$original' },
          { to: 'k', from: '$kind' },
        ],
        {},
        {},
        '{"a":1}',
      ),
    ).toEqual({
      o: '{"a":1}',
      k: 'model_breach',
    });
  });

  it('writes flat keys when targets are flat', () => {
    expect(run([{ to: 'darktrace.model.name', from: 'n' }], { n: 'x' }, { flat: true })).toEqual({
      'darktrace.model.name': 'x',
    });
  });

  it.each<[string, FieldRule]>([
    ['an empty path segment', { to: 'a..b', value: 1 }],
    ['a fanned-out target', { to: 'a[]', value: 1 }],
    ['an unknown converter', { to: 'a', from: 'b', convert: 'nope' as never }],
    ['an unclosed placeholder', { to: 'a', template: '{b' }],
    ['an unclosed group', { to: 'a', template: '[{b}' }],
    ['a prototype segment', { to: 'a', from: 'constructor.prototype' }],
    ['an inherited member as source', { to: 'a', from: 'model.toString' }],
  ])('refuses to compile %s', (_name, rule) => {
    expect(() => compileRules([rule])).toThrow(expect.objectContaining({ code: 'ERR_DARKTRACE_MAP_CONFIG' }));
  });
});

describe('pruneEmpty', () => {
  it('keeps an own __proto__ key as data when it rebuilds an object', () => {
    const input = JSON.parse('{"a":null,"__proto__":{"x":1}}') as Record<string, unknown>;
    const out = pruneEmpty(input) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('drops null, empty strings, empty objects and empty arrays recursively', () => {
    expect(
      pruneEmpty({ a: null, b: '', c: {}, d: [], e: [null, '', {}, { f: [] }], g: { h: 0, i: false } }),
    ).toEqual({
      g: { h: 0, i: false },
    });
  });

  it('returns the same object when nothing is empty and never changes its input', () => {
    const input = deepFreeze({ a: [1, { b: 'x' }], c: null });
    const out = pruneEmpty(input) as Record<string, unknown>;
    expect(out).toEqual({ a: [1, { b: 'x' }] });
    expect(out['a']).toBe(input.a);
  });
});
