// Compiles mapping tables (types.ts) once and runs them per alert. Paths are split and converters bound
// at compile time; a run only walks objects. The alert is never mutated: the output may share unchanged
// sub-objects with it, so every write into an object or array the run did not create copies it first.
import { converters, isObject, type Converter } from './converters.js';
import type { AlertKind, Condition, ConverterCall, FieldRule, JsonValue } from './types.js';

/** A mapping table or override that cannot be compiled. */
export class DarktraceMapConfigError extends Error {
  readonly code = 'ERR_DARKTRACE_MAP_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DarktraceMapConfigError';
  }
}

/** A path segment; `null` fans out over an array. */
export type Segment = string | null;

interface SourcePath {
  readonly special: '$original' | '$kind' | undefined;
  /** Alternatives for the first segment (table roots), tried in order; the first object wins. */
  readonly alias: { readonly name: string; readonly alts: readonly SourcePath[] } | undefined;
  readonly segs: readonly Segment[];
  readonly fans: boolean;
}

interface TemplateField {
  readonly alts: readonly SourcePath[];
}
type TemplatePart = string | TemplateField | { readonly group: readonly (string | TemplateField)[] };

interface BoundConverter {
  readonly c: Converter;
  readonly args: readonly JsonValue[];
}

interface CompiledEach {
  readonly table: CompiledTable;
  readonly keepRest: boolean;
  readonly consumed: ReadonlySet<string>;
}

interface CompiledCondition {
  readonly path: SourcePath;
  readonly equals: string | number | boolean | undefined;
  readonly exists: boolean | undefined;
}

/** A compiled rule (opaque outside this module). */
export interface CompiledRule {
  readonly target: readonly string[];
  /** Slot of the object holding the target (-1: the root), and the key in it. */
  readonly slot: number;
  readonly key: string;
  /** Slots at or below the target, stale once the target is overwritten. */
  readonly clears: readonly number[];
  readonly sources: readonly SourcePath[];
  readonly hasLiteral: boolean;
  readonly literal: unknown;
  readonly template: readonly TemplatePart[] | undefined;
  readonly convert: readonly BoundConverter[];
  readonly each: CompiledEach | undefined;
  readonly append: 'unique' | 'all' | undefined;
  readonly when: CompiledCondition | undefined;
  readonly ifUnset: boolean;
  readonly hasDefault: boolean;
  readonly default: unknown;
}

/** A container every run creates on demand, held by slot `parent` (-1: the root) under `key`. */
interface SlotSpec {
  readonly parent: number;
  readonly key: string;
}

/** Compiled rules plus the containers their targets live in (opaque outside this module). */
export interface CompiledTable {
  readonly rules: readonly CompiledRule[];
  readonly slots: readonly SlotSpec[];
  readonly pruneEmpty: boolean;
}

/** Aliases for the first segment of top-level source paths. */
export type Roots = Readonly<Record<string, readonly string[]>>;

/** How to compile a table. */
export interface CompileOptions {
  readonly roots?: Roots;
  /** Targets are flat keys (OTel attribute names). */
  readonly flat?: boolean;
  /** Never write null, "", {} or [] (recursively): Elastic's final clean-up, done at write time so that
   *  only values copied from the alert are walked, not the whole document. */
  readonly pruneEmpty?: boolean;
}

/** Per-alert state shared by every rule of one run. */
export interface MapContext {
  readonly alert: Record<string, unknown>;
  readonly kind: AlertKind;
  readonly original: string | undefined;
  /** Containers created during this run, which may be written in place. */
  readonly owned: Set<object>;
  /** Resolved table roots of this run, by root name. */
  readonly rootCache: Map<string, unknown>;
}

/** A fresh per-alert context. */
export function createContext(
  alert: Record<string, unknown>,
  kind: AlertKind,
  original?: string,
): MapContext {
  return { alert, kind, original, owned: new Set(), rootCache: new Map() };
}

const NO_ROOT = Symbol('no root');

class FanList {
  readonly items: unknown[];
  constructor(items: unknown[]) {
    this.items = items;
  }
}

function pruneFan(list: FanList): FanList | undefined {
  const items: unknown[] = [];
  for (const x of list.items) {
    const p = pruneEmpty(x);
    if (p !== undefined) items.push(p);
  }
  return items.length > 0 ? new FanList(items) : undefined;
}

/** `obj[key] = value`, except that an own `__proto__` key (JSON.parse makes those) stays data. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

const converterMap = new Map<string, Converter>(Object.entries(converters));
// Path segments that would reach Object.prototype members instead of alert data.
const FORBIDDEN_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
const SEGMENT = /^([^[\]]*)((?:\[\])*)$/;

/** Splits `a.b[].c` into segments (`null` for each `[]`). */
export function parsePath(path: string, where: string): Segment[] {
  if (path === '') throw new DarktraceMapConfigError(`${where}: empty path`);
  const segs: Segment[] = [];
  for (const part of path.split('.')) {
    const m = SEGMENT.exec(part);
    const name = m?.[1];
    if (m === null || name === undefined || name === '' || FORBIDDEN_KEYS.has(name)) {
      throw new DarktraceMapConfigError(`${where}: invalid path "${path}"`);
    }
    segs.push(name);
    for (let i = 0; i < (m[2] ?? '').length / 2; i++) segs.push(null);
  }
  return segs;
}

/** Target path segments: nested names, or one flat key. */
export function parseTarget(path: string, flat: boolean, where: string): string[] {
  if (flat) {
    if (path === '' || FORBIDDEN_KEYS.has(path))
      throw new DarktraceMapConfigError(`${where}: invalid key "${path}"`);
    return [path];
  }
  const segs = parsePath(path, where);
  if (segs.includes(null)) throw new DarktraceMapConfigError(`${where}: a target cannot fan out ("${path}")`);
  return segs as string[];
}

function compileSource(path: string, roots: Roots | undefined, where: string): SourcePath {
  if (path === '$original' || path === '$kind')
    return { special: path, alias: undefined, segs: [], fans: false };
  const segs = parsePath(path, where);
  const first = segs[0];
  const rootAlts = typeof first === 'string' && segs[1] !== null ? roots?.[first] : undefined;
  if (rootAlts !== undefined && typeof first === 'string') {
    const alts = rootAlts.map((alt) => compileSource(alt, undefined, where));
    const rest = segs.slice(1);
    return { special: undefined, alias: { name: first, alts }, segs: rest, fans: rest.includes(null) };
  }
  return { special: undefined, alias: undefined, segs, fans: segs.includes(null) };
}

function compileTemplate(text: string, roots: Roots | undefined, where: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let group: (string | TemplateField)[] | undefined;
  let i = 0;
  const push = (p: string | TemplateField): void => {
    (group ?? parts).push(p);
  };
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) throw new DarktraceMapConfigError(`${where}: unclosed "{" in template`);
      const alts = text
        .slice(i + 1, end)
        .split('|')
        .map((p) => compileSource(p.trim(), roots, where));
      push({ alts });
      i = end + 1;
    } else if (ch === '[' && group === undefined) {
      group = [];
      i++;
    } else if (ch === ']' && group !== undefined) {
      parts.push({ group });
      group = undefined;
      i++;
    } else {
      let j = i + 1;
      while (j < text.length && !'{[]'.includes(text.charAt(j))) j++;
      push(text.slice(i, j));
      i = j;
    }
  }
  if (group !== undefined) throw new DarktraceMapConfigError(`${where}: unclosed "[" in template`);
  return parts;
}

function bindConverters(spec: FieldRule['convert'], where: string): BoundConverter[] {
  if (spec === undefined) return [];
  const calls: readonly ConverterCall[] =
    typeof spec === 'string' || !Array.isArray(spec) ? [spec as ConverterCall] : spec;
  return calls.map((call) => {
    const name = typeof call === 'string' ? call : call.fn;
    const c = converterMap.get(name);
    if (c === undefined) throw new DarktraceMapConfigError(`${where}: unknown converter "${name}"`);
    return { c, args: typeof call === 'string' ? [] : call.args };
  });
}

function compileCondition(cond: Condition, roots: Roots | undefined, where: string): CompiledCondition {
  return { path: compileSource(cond.path, roots, where), equals: cond.equals, exists: cond.exists };
}

/** Compiles a list of rules. Throws `DarktraceMapConfigError` on a bad path or converter. */
export function compileRules(rules: readonly FieldRule[], options: CompileOptions = {}): CompiledTable {
  const flat = options.flat ?? false;
  const slots: SlotSpec[] = [];
  const slotIds = new Map<string, number>();
  const slotPaths: string[] = [];
  // Every proper prefix of a target becomes a slot, so that a run reaches a parent by index.
  const slotFor = (segs: readonly string[], length: number): number => {
    if (length === 0) return -1;
    const joined = segs.slice(0, length).join('\u0000');
    const known = slotIds.get(joined);
    if (known !== undefined) return known;
    const parent = slotFor(segs, length - 1);
    const id = slots.length;
    slots.push({ parent, key: segs[length - 1] ?? '' });
    slotIds.set(joined, id);
    slotPaths.push(joined);
    return id;
  };
  const compiled = rules.map((rule, index) => {
    const where = `rule ${index} ("${rule.to}")`;
    const from = rule.from === undefined ? [] : typeof rule.from === 'string' ? [rule.from] : rule.from;
    let each: CompiledEach | undefined;
    if (rule.each !== undefined) {
      const consumed = new Set<string>();
      for (const r of rule.each) {
        const subFrom = r.from === undefined ? [] : typeof r.from === 'string' ? [r.from] : r.from;
        for (const p of subFrom) consumed.add(p.split('.')[0]?.replace(/(\[\])+$/, '') ?? p);
      }
      each = {
        table: compileRules(rule.each, { pruneEmpty: options.pruneEmpty ?? false }),
        keepRest: rule.keepRest ?? false,
        consumed,
      };
    }
    const target = parseTarget(rule.to, flat, where);
    return {
      target,
      slot: slotFor(target, target.length - 1),
      key: target[target.length - 1] ?? '',
      clears: [] as number[],
      sources: from.map((p) => compileSource(p, options.roots, where)),
      hasLiteral: rule.value !== undefined,
      literal: rule.value,
      template:
        rule.template === undefined ? undefined : compileTemplate(rule.template, options.roots, where),
      convert: bindConverters(rule.convert, where),
      each,
      append: rule.append,
      when: rule.when === undefined ? undefined : compileCondition(rule.when, options.roots, where),
      ifUnset: rule.ifUnset ?? false,
      hasDefault: rule.default !== undefined,
      default: rule.default,
    };
  });
  for (const rule of compiled) {
    const joined = rule.target.join('\u0000');
    slotPaths.forEach((path, id) => {
      if (path === joined || path.startsWith(joined + '\u0000')) rule.clears.push(id);
    });
  }
  return { rules: compiled, slots, pruneEmpty: options.pruneEmpty ?? false };
}

function resolve(p: SourcePath, scope: unknown, ctx: MapContext): unknown {
  if (p.special === '$original') return ctx.original;
  if (p.special === '$kind') return ctx.kind;
  let base = scope;
  if (p.alias !== undefined) {
    base = ctx.rootCache.get(p.alias.name);
    if (base === undefined) {
      base = NO_ROOT;
      for (const alt of p.alias.alts) {
        const v = resolve(alt, scope, ctx);
        if (isObject(v)) {
          base = v;
          break;
        }
      }
      ctx.rootCache.set(p.alias.name, base);
    }
  }
  if (!p.fans) {
    let v = base;
    for (const s of p.segs) {
      if (s === null || !isObject(v)) return undefined;
      v = v[s];
    }
    return v;
  }
  const items: unknown[] = [];
  collect(base, p.segs, 0, items);
  return new FanList(items);
}

function collect(value: unknown, segs: readonly Segment[], start: number, out: unknown[]): void {
  let v = value;
  for (let i = start; i < segs.length; i++) {
    const s = segs[i];
    if (s === null) {
      if (!Array.isArray(v)) return;
      for (const el of v) collect(el, segs, i + 1, out);
      return;
    }
    if (!isObject(v) || s === undefined) return;
    v = v[s];
  }
  if (v !== undefined && v !== null) out.push(v);
}

function hasValue(v: unknown): boolean {
  return v instanceof FanList ? v.items.length > 0 : v !== undefined && v !== null;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof FanList)
    return v.items.length > 0 ? v.items.map((x) => text(x) ?? '').join(', ') : undefined;
  return v === undefined || v === null ? undefined : JSON.stringify(v);
}

function renderField(field: TemplateField, scope: unknown, ctx: MapContext): string | undefined {
  for (const alt of field.alts) {
    const t = text(resolve(alt, scope, ctx));
    if (t !== undefined) return t;
  }
  return undefined;
}

function render(parts: readonly TemplatePart[], scope: unknown, ctx: MapContext): string | undefined {
  let out = '';
  let found = false;
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else if ('group' in part) {
      let chunk = '';
      let complete = true;
      for (const p of part.group) {
        const t = typeof p === 'string' ? p : renderField(p, scope, ctx);
        if (t === undefined) {
          complete = false;
          break;
        }
        chunk += t;
      }
      if (complete) out += chunk;
    } else {
      const t = renderField(part, scope, ctx);
      if (t !== undefined) {
        out += t;
        found = true;
      }
    }
  }
  return found ? out : undefined;
}

function applyConverters(list: readonly BoundConverter[], value: unknown): unknown {
  let v = value;
  for (const b of list) {
    if (v instanceof FanList) {
      if (b.c.list === true) v = b.c.fn(v.items, b.args);
      else {
        const items: unknown[] = [];
        for (const x of v.items) {
          const y = b.c.fn(x, b.args);
          if (y !== undefined && y !== null) items.push(y);
        }
        v = items.length > 0 ? new FanList(items) : undefined;
      }
    } else v = b.c.fn(v, b.args);
    if (v === undefined || v === null) return undefined;
  }
  return v;
}

/** Applies a sub-table; with pruning on, answers undefined for what ends up empty. */
function eachValue(each: CompiledEach, v: unknown, ctx: MapContext): unknown {
  const prune = each.table.pruneEmpty;
  if (Array.isArray(v)) {
    const arr: unknown[] = [];
    for (const x of v as readonly unknown[]) {
      const y = eachValue(each, x, ctx);
      if (y !== undefined) arr.push(y);
    }
    if (prune && arr.length === 0) return undefined;
    ctx.owned.add(arr);
    return arr;
  }
  if (!isObject(v)) return prune ? pruneEmpty(v) : v;
  const doc = new Doc(ctx.owned, each.table, false);
  for (const r of each.table.rules) runRule(r, v, ctx, doc, each.table);
  const root = doc.root;
  if (each.keepRest) {
    for (const k of Object.keys(v)) {
      if (each.consumed.has(k) || Object.hasOwn(root, k)) continue;
      const rest = prune ? pruneEmpty(v[k]) : v[k];
      if (rest !== undefined) setOwn(root, k, rest);
    }
  }
  if (prune && Object.keys(root).length === 0) return undefined;
  return root;
}

function testCondition(c: CompiledCondition, scope: unknown, ctx: MapContext): boolean {
  const v = resolve(c.path, scope, ctx);
  if (c.exists !== undefined && hasValue(v) !== c.exists) return false;
  if (c.equals !== undefined && v !== c.equals) return false;
  return true;
}

/** Runs one compiled rule against `scope` (the alert, or an element under `each`), writing into `doc`. */
export function runRule(
  r: CompiledRule,
  scope: unknown,
  ctx: MapContext,
  doc: Doc,
  table: CompiledTable,
): void {
  if (r.when !== undefined && !testCondition(r.when, scope, ctx)) return;
  if (r.ifUnset && doc.get(r.target) !== undefined) return;
  let v: unknown;
  for (const src of r.sources) {
    const got = resolve(src, scope, ctx);
    if (hasValue(got)) {
      v = got;
      break;
    }
  }
  if (v === undefined && r.sources.length === 0) {
    if (r.template !== undefined) v = render(r.template, scope, ctx);
    else if (r.hasLiteral) v = r.literal;
  }
  if (v !== undefined && r.convert.length > 0) v = applyConverters(r.convert, v);
  const each = r.each;
  if (v !== undefined && each !== undefined) {
    if (v instanceof FanList) {
      const items: unknown[] = [];
      for (const x of v.items) {
        const y = eachValue(each, x, ctx);
        if (y !== undefined) items.push(y);
      }
      v = items.length > 0 ? new FanList(items) : undefined;
    } else v = eachValue(each, v, ctx);
  } else if (v !== undefined && table.pruneEmpty) {
    // Sub-table output is already clean; anything else may carry nulls or empties from the alert.
    v = v instanceof FanList ? pruneFan(v) : pruneEmpty(v);
  }
  if (v === undefined || v === null) {
    if (!r.hasDefault) return;
    v = table.pruneEmpty ? pruneEmpty(r.default) : r.default;
    if (v === undefined) return;
  }
  let value = v;
  if (v instanceof FanList) {
    value = v.items;
    ctx.owned.add(v.items);
  }
  if (doc.table !== table) {
    if (r.append !== undefined) doc.append(r.target, asValues(value), r.append === 'unique');
    else doc.set(r.target, value);
    return;
  }
  const parent = doc.slot(r.slot);
  if (r.append === undefined) parent[r.key] = value;
  else {
    const existing = parent[r.key];
    let arr: unknown[];
    if (Array.isArray(existing)) arr = doc.owned.has(existing) ? existing : [...(existing as unknown[])];
    else arr = existing === undefined ? [] : [existing];
    pushValues(arr, value, r.append === 'unique');
    if (arr === existing || (arr.length === 0 && existing === undefined)) return;
    doc.owned.add(arr);
    parent[r.key] = arr;
  }
  if (r.clears.length > 0) for (const id of r.clears) doc.slots[id] = undefined;
}

function asValues(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as readonly unknown[]) : [value];
}

function pushValues(arr: unknown[], value: unknown, unique: boolean): void {
  if (Array.isArray(value)) {
    for (const x of value as readonly unknown[]) if (!unique || !arr.includes(x)) arr.push(x);
  } else if (!unique || !arr.includes(value)) arr.push(value);
}

/** An output object under construction. Rules of its own `table` reach parents through slots; other
 *  writes (overrides) walk paths and copy containers this run does not own. */
export class Doc {
  root: Record<string, unknown>;
  readonly owned: Set<object>;
  readonly table: CompiledTable | undefined;
  readonly slots: (Record<string, unknown> | undefined)[] = [];
  // Only the top document registers its root: containers built through slots are copied by the
  // generic path before it writes into them, which is cheaper than tracking every one of them.
  constructor(owned: Set<object>, table?: CompiledTable, register = true) {
    this.owned = owned;
    this.table = table;
    this.root = {};
    if (register) owned.add(this.root);
  }

  /** The container of slot `id`, created (or copied from a value this run did not build) on first use. */
  slot(id: number): Record<string, unknown> {
    if (id < 0) return this.root;
    const known = this.slots[id];
    if (known !== undefined) return known;
    const spec = this.table?.slots[id];
    if (spec === undefined) return this.root;
    const parent = this.slot(spec.parent);
    const existing = parent[spec.key];
    const created: Record<string, unknown> = isObject(existing) ? { ...existing } : {};
    parent[spec.key] = created;
    this.slots[id] = created;
    return created;
  }

  /** The value at `segs`, or undefined. */
  get(segs: readonly string[]): unknown {
    let v: unknown = this.root;
    for (const s of segs) {
      if (!isObject(v)) return undefined;
      v = v[s];
    }
    return v;
  }

  /** Sets the value at `segs`, creating (or copying) the objects on the way. */
  set(segs: readonly string[], value: unknown): void {
    if (!this.owned.has(this.root)) {
      this.root = { ...this.root };
      this.owned.add(this.root);
    }
    let cur = this.root;
    const last = segs.length - 1;
    for (let i = 0; i < last; i++) {
      const k = segs[i];
      if (k === undefined) return;
      const existing = cur[k];
      let next: Record<string, unknown>;
      if (isObject(existing) && this.owned.has(existing)) next = existing;
      else {
        next = isObject(existing) ? { ...existing } : {};
        this.owned.add(next);
        cur[k] = next;
      }
      cur = next;
    }
    const lastKey = segs[last];
    if (lastKey !== undefined) cur[lastKey] = value;
  }

  /** Appends values to the array at `segs` (a scalar there becomes the first element). */
  append(segs: readonly string[], values: readonly unknown[], unique: boolean): void {
    const existing = this.get(segs);
    let arr: unknown[];
    if (Array.isArray(existing)) arr = this.owned.has(existing) ? existing : [...(existing as unknown[])];
    else arr = existing === undefined ? [] : [existing];
    for (const v of values) if (!unique || !arr.includes(v)) arr.push(v);
    if (arr === existing || (arr.length === 0 && existing === undefined)) return;
    this.owned.add(arr);
    this.set(segs, arr);
  }

  /** Removes the value at `segs` (fanning out over arrays at `null`), copying what it changes. */
  remove(segs: readonly Segment[]): void {
    const next = removeAt(this.root, segs, 0);
    if (next !== this.root) this.root = next as Record<string, unknown>;
  }
}

function removeAt(v: unknown, segs: readonly Segment[], i: number): unknown {
  const s = segs[i];
  if (s === null) {
    if (!Array.isArray(v)) return v;
    let changed = false;
    const arr: unknown[] = [];
    for (const el of v as readonly unknown[]) {
      const n = removeAt(el, segs, i + 1);
      if (n !== el) changed = true;
      arr.push(n);
    }
    return changed ? arr : v;
  }
  if (s === undefined || !isObject(v) || !Object.hasOwn(v, s)) return v;
  if (i === segs.length - 1) {
    const { [s]: _removed, ...rest } = v;
    return rest;
  }
  const child = v[s];
  const n = removeAt(child, segs, i + 1);
  return n === child ? v : { ...v, [s]: n };
}

/** Runs a compiled table against the alert into a fresh document. */
export function runRules(table: CompiledTable, ctx: MapContext): Doc {
  const doc = new Doc(ctx.owned, table);
  for (const r of table.rules) runRule(r, ctx.alert, ctx, doc, table);
  return doc;
}

/** Drops null, "", {} and [] recursively without touching the input; answers undefined when empty.
 *  Allocates only where something is dropped. */
export function pruneEmpty(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v)) {
    const list = v as readonly unknown[];
    let out: unknown[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const el = list[i];
      const p = pruneEmpty(el);
      if (out === undefined && p !== el) out = list.slice(0, i);
      if (out !== undefined && p !== undefined) out.push(p);
    }
    const result = out ?? list;
    return result.length === 0 ? undefined : result;
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    let out: Record<string, unknown> | undefined;
    let size = keys.length;
    let i = 0;
    for (const k of keys) {
      const el = v[k];
      const p = pruneEmpty(el);
      if (out === undefined && p !== el) {
        out = {};
        for (const kj of keys.slice(0, i)) setOwn(out, kj, v[kj]);
      }
      if (p === undefined) size--;
      else if (out !== undefined) setOwn(out, k, p);
      i++;
    }
    if (size === 0) return undefined;
    return out ?? v;
  }
  return v;
}

/** Drops top-level null values (the Data Collector writes no column for them). */
export function pruneNulls(doc: Doc): void {
  for (const k of Object.keys(doc.root)) {
    if (doc.root[k] === null || doc.root[k] === undefined) doc.remove([k]);
  }
}
