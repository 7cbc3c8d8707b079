/*
Filter expressions: a small language for conditions on one log record, used by the filter processor.

Examples
  body.aiaScore >= 50 and body.groupCategory in ["critical", "suspicious"]
  attributes["darktrace.kind"] == "model_breach" and not body.model.name matches /^System::/
  severity_number >= 17 or body["odd key"].tags contains "AP: Egress"
  body.acknowledged missing

Grammar, loosest binding first ({ } repeats, [ ] is optional, quoted text is literal):
  condition  = and-chain { "or" and-chain }
  and-chain  = unary { "and" unary }
  unary      = "not" unary | "(" condition ")" | test
  test       = value [ compare value | "in" list | "matches" pattern | "contains" value | "exists" | "missing" ]
  compare    = "==" | "!=" | "<" | "<=" | ">" | ">="
  value      = field | literal
  field      = "body" { step } | "attributes" key { step } | "resource" key { step }
             | "severity_number" | "severity_text" | "event_name"
  key        = "[" string "]"
  step       = "." name | "[" string "]" | "[" integer "]"
  list       = "[" [ literal { "," literal } ] "]"
  pattern    = string | "/" regex "/" [ flags ]        flags are any of i, m, s, u
  literal    = string | number | "true" | "false" | "null"
  string     = text in double or single quotes; backslash escapes as in JSON, plus \' 
  number     = optional minus, digits, optional fraction and exponent (-1, 0.5, 2e3)
  name       = a letter or underscore, then letters, digits or underscores

Keywords are lower case. not binds tighter than and, and tighter than or: not a or b and c reads as
(not a) or (b and c). Comparisons do not chain (a < b < c is an error). A step into an array takes an
index: body.breachDevices[0].ip. Attribute and resource keys often contain dots, so their first key is
always written in brackets: attributes["darktrace.pbid"]. Steps after it go into nested values.

Meaning
  A missing field and null are the same value. exists is true when the field is present and not null;
  missing is its opposite.
  == is true for two equal strings, numbers or booleans, or for two missing/null values; anything else,
  objects and arrays included, is not equal. != is exactly not ==, so body.x != "a" is true when x is
  missing.
  < <= > >= compare two numbers, or two strings by UTF-16 code units. A string that holds a decimal
  number counts as that number when the other side is a number (Darktrace sends some scores as
  strings, e.g. groupScore "72.9"); this also applies to ==.
  in is true when the value == one of the list items.
  matches is true when the value is a string and the regular expression finds a match anywhere in it
  (anchor with ^ and $). The pattern is compiled once.
  contains is true when a string value contains the other string, or an array value has an item == the
  other value.
  A value on its own is a condition that is true only when the value is the boolean true.
  A type mismatch makes the test false; evaluation never throws.
*/

import { DtcolError } from '../../core/errors.js';
import type { ComponentConfigProblem } from '../../core/factory.js';

/** The record fields an expression can read (an sdk-logs record's resource is passed as its attributes). */
export interface FilterRecord {
  readonly body: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly eventName?: string;
  readonly resource?: Readonly<Record<string, unknown>>;
}

/** A compiled condition, or where and why the source is wrong (column is 1-based). */
export type CompiledExpression =
  | { readonly ok: true; readonly evaluate: (record: FilterRecord) => boolean }
  | { readonly ok: false; readonly message: string; readonly column: number };

/** Parses and compiles one condition; evaluate is pure and never throws. */
export function compileExpression(source: string): CompiledExpression {
  try {
    const parser = new Parser(lex(source));
    const condition = parser.parseCondition(0);
    const end = parser.peek();
    if (end.kind !== 'end') throw unexpectedAfterCondition(end);
    return { ok: true, evaluate: condition };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { ok: false, message: err.message, column: err.pos + 1 };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Filter processor config

/** Config of the `filter` processor. */
export interface FilterConfig {
  readonly keep_if?: readonly string[];
  readonly drop_if?: readonly string[];
}

/** Why the filter processor dropped a record: the config key that decided it. */
export type FilterDropReason = 'keep_if' | 'drop_if';

/** A bad condition in a filter config: a factory validate problem plus the 1-based column. */
export interface FilterConfigProblem extends ComponentConfigProblem {
  readonly column: number;
}

/** JSON Schema (draft-07, ajv strict mode) of {@link FilterConfig}. */
export const filterConfigSchema = {
  type: 'object',
  description:
    'Keeps or drops records by conditions in the filter expression language. A record passes when ' +
    'keep_if is empty or one of its conditions is true, and none of the drop_if conditions is true. ' +
    'Unlike the OpenTelemetry Collector filter processor (whose conditions drop when true), each list ' +
    'says what it does. Tests on a missing field are false (except != and missing), so a record without ' +
    'the field fails keep_if and passes drop_if.',
  additionalProperties: false,
  properties: {
    keep_if: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description:
        'Keep a record only when at least one of these conditions is true; the others are dropped. ' +
        'Several entries are joined with or; write and inside one entry to require several things. ' +
        'Empty (the default): this list keeps everything. Example: body.aiaScore >= 50',
    },
    drop_if: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description:
        'Drop a record when any of these conditions is true, even if keep_if matched it. Empty (the ' +
        'default): this list drops nothing. Example: body.model.name matches /^System::/',
    },
  },
} as const;

/** Checks every condition; an empty list means the config compiles. */
export function validateFilterConfig(config: FilterConfig): FilterConfigProblem[] {
  const problems: FilterConfigProblem[] = [];
  compileList(config.keep_if, 'keep_if', problems);
  compileList(config.drop_if, 'drop_if', problems);
  return problems;
}

/** Thrown by {@link compileFilterConfig} for a config with a bad condition. */
export class FilterConfigError extends DtcolError {
  readonly problems: readonly FilterConfigProblem[];
  constructor(problems: readonly FilterConfigProblem[]) {
    const where = (p: FilterConfigProblem): string =>
      p.path.map((x) => (typeof x === 'number' ? `[${x}]` : x)).join('');
    super(
      'ERR_CONFIG_INVALID',
      `Invalid filter config: ${problems.map((p) => `${where(p)}: ${p.message}`).join('; ')}`,
    );
    this.problems = problems;
  }
}

/** Compiles a filter config into `record → undefined (keep) | reason`; throws {@link FilterConfigError}. */
export function compileFilterConfig(
  config: FilterConfig,
): (record: FilterRecord) => FilterDropReason | undefined {
  const problems: FilterConfigProblem[] = [];
  const keep = compileList(config.keep_if, 'keep_if', problems);
  const drop = compileList(config.drop_if, 'drop_if', problems);
  if (problems.length > 0) throw new FilterConfigError(problems);
  const anyTrue = (conditions: readonly Condition[], record: FilterRecord): boolean => {
    for (const c of conditions) if (c(record)) return true;
    return false;
  };
  return (record) => {
    if (keep.length > 0 && !anyTrue(keep, record)) return 'keep_if';
    if (drop.length > 0 && anyTrue(drop, record)) return 'drop_if';
    return undefined;
  };
}

function compileList(
  sources: readonly string[] | undefined,
  key: FilterDropReason,
  problems: FilterConfigProblem[],
): Condition[] {
  const out: Condition[] = [];
  (sources ?? []).forEach((source, i) => {
    const compiled = compileExpression(source);
    if (compiled.ok) out.push(compiled.evaluate);
    else
      problems.push({
        path: [key, i],
        message: `column ${compiled.column}: ${compiled.message}`,
        column: compiled.column,
      });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Lexer

type Punct = '==' | '!=' | '<' | '<=' | '>' | '>=' | '(' | ')' | '[' | ']' | ',' | '.';

type Token =
  | { readonly kind: 'name'; readonly value: string; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'regex'; readonly source: string; readonly flags: string; readonly pos: number }
  | { readonly kind: 'punct'; readonly value: Punct; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number };

class ExpressionSyntaxError extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(message);
    this.pos = pos;
  }
}

const isNameStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isNamePart = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isNameStart(c)) {
      while (i < src.length && isNamePart(src.charAt(i))) i++;
      tokens.push({ kind: 'name', value: src.slice(start, i), pos: start });
    } else if (isDigit(c) || (c === '-' && isDigit(src.charAt(i + 1)))) {
      const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      i += text.length;
      if (isNamePart(src.charAt(i)) || src.charAt(i) === '.') {
        throw new ExpressionSyntaxError(`malformed number "${text}${src.charAt(i)}"`, start);
      }
      tokens.push({ kind: 'number', value: Number(text), pos: start });
    } else if (c === '"' || c === "'") {
      const [value, next] = lexString(src, i);
      tokens.push({ kind: 'string', value, pos: start });
      i = next;
    } else if (c === '/') {
      const [source, flags, next] = lexRegex(src, i);
      tokens.push({ kind: 'regex', source, flags, pos: start });
      i = next;
    } else {
      const two = src.slice(i, i + 2);
      if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ kind: 'punct', value: two, pos: start });
        i += 2;
      } else if ('<>()[],.'.includes(c)) {
        tokens.push({ kind: 'punct', value: c as Punct, pos: start });
        i++;
      } else {
        throw new ExpressionSyntaxError(unexpectedCharacter(src, i), start);
      }
    }
  }
  tokens.push({ kind: 'end', pos: src.length });
  return tokens;
}

function unexpectedCharacter(src: string, i: number): string {
  const c = src.charAt(i);
  const two = src.slice(i, i + 2);
  if (c === '=') return 'use == to compare';
  if (two === '&&') return 'use and instead of &&';
  if (two === '||') return 'use or instead of ||';
  if (c === '!') return 'use not instead of !';
  return `unexpected character "${c}"`;
}

const escapes: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function lexString(src: string, start: number): [string, number] {
  const quote = src.charAt(start);
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === quote) return [out, i + 1];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src.charAt(i + 1);
    if (e === 'u') {
      const hex = src.slice(i + 2, i + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new ExpressionSyntaxError('\\u needs four hex digits', i);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (Object.hasOwn(escapes, e)) {
      out += escapes[e] ?? '';
      i += 2;
    } else {
      throw new ExpressionSyntaxError(`unknown escape "\\${e}" in string`, i);
    }
  }
  throw new ExpressionSyntaxError('string is not closed', start);
}

function lexRegex(src: string, start: number): [string, string, number] {
  let i = start + 1;
  let inClass = false;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === '\\') i += 2;
    else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      i++;
    }
  }
  if (i >= src.length) throw new ExpressionSyntaxError('regular expression is not closed with /', start);
  const source = src.slice(start + 1, i);
  let j = i + 1;
  while (j < src.length && isNamePart(src.charAt(j))) j++;
  return [source, src.slice(i + 1, j), j];
}

// ---------------------------------------------------------------------------------------------------------
// Parser: compiles straight to closures

type Condition = (record: FilterRecord) => boolean;
type Getter = (record: FilterRecord) => unknown;
type Step = string | number;

const keywords = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'exists', 'missing']);
const fieldNames = 'body, attributes["…"], resource["…"], severity_number, severity_text or event_name';
const maxDepth = 64;

interface Operand {
  readonly get: Getter;
  /** Set for literals, so a bare literal can be reported. */
  readonly literal?: { readonly value: unknown };
  readonly pos: number;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'number':
      return `the number ${token.value}`;
    case 'regex':
      return `the regular expression /${token.source}/${token.flags}`;
    case 'name':
    case 'punct':
      return `"${token.value}"`;
  }
}

function unexpectedAfterCondition(token: Token): ExpressionSyntaxError {
  if (token.kind === 'punct' && ['==', '!=', '<', '<=', '>', '>='].includes(token.value)) {
    return new ExpressionSyntaxError('comparisons cannot be chained; join them with and', token.pos);
  }
  if (token.kind === 'name' && token.value === 'not') {
    return new ExpressionSyntaxError(
      'put not before the whole test: not a in [...], not a matches "..."',
      token.pos,
    );
  }
  if (
    token.kind === 'name' &&
    keywords.has(token.value.toLowerCase()) &&
    token.value !== token.value.toLowerCase()
  ) {
    return new ExpressionSyntaxError(
      `keywords are lower case: write ${token.value.toLowerCase()}`,
      token.pos,
    );
  }
  return new ExpressionSyntaxError(
    `expected and, or or the end of the condition, but found ${describe(token)}`,
    token.pos,
  );
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token {
    // The lexer always ends the list with an 'end' token, and #at never moves past it.
    return this.#tokens[this.#at] ?? { kind: 'end', pos: 0 };
  }

  #next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.#at++;
    return t;
  }

  #isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'name' && t.value === word;
  }

  #isPunct(p: Punct): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === p;
  }

  parseCondition(depth: number): Condition {
    if (depth > maxDepth) {
      throw new ExpressionSyntaxError(
        `expression nests too deeply (more than ${maxDepth} levels)`,
        this.peek().pos,
      );
    }
    const first = this.#parseAnd(depth);
    if (!this.#isWord('or')) return first;
    // Chains are kept flat so evaluating a long chain does not nest one call per term.
    const terms = [first];
    while (this.#isWord('or')) {
      this.#next();
      terms.push(this.#parseAnd(depth));
    }
    return (r) => {
      for (const term of terms) if (term(r)) return true;
      return false;
    };
  }

  #parseAnd(depth: number): Condition {
    const first = this.#parseUnary(depth);
    if (!this.#isWord('and')) return first;
    const terms = [first];
    while (this.#isWord('and')) {
      this.#next();
      terms.push(this.#parseUnary(depth));
    }
    return (r) => {
      for (const term of terms) if (!term(r)) return false;
      return true;
    };
  }

  #parseUnary(depth: number): Condition {
    if (depth > maxDepth) {
      throw new ExpressionSyntaxError(
        `expression nests too deeply (more than ${maxDepth} levels)`,
        this.peek().pos,
      );
    }
    if (this.#isWord('not')) {
      this.#next();
      const inner = this.#parseUnary(depth + 1);
      return (r) => !inner(r);
    }
    if (this.#isPunct('(')) {
      const open = this.#next();
      const inner = this.parseCondition(depth + 1);
      const close = this.peek();
      if (!this.#isPunct(')')) {
        const hint = close.kind === 'end' ? '' : ` but found ${describe(close)}`;
        throw new ExpressionSyntaxError(
          `expected ")" to close the "(" at column ${open.pos + 1}${hint}`,
          close.pos,
        );
      }
      this.#next();
      return inner;
    }
    return this.#parseTest();
  }

  #parseTest(): Condition {
    const left = this.#parseOperand('a condition');
    const a = left.get;
    const t = this.peek();
    if (t.kind === 'punct') {
      const op = t.value;
      if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
        this.#next();
        const b = this.#parseOperand(`a value after "${op}"`).get;
        switch (op) {
          case '==':
            return (r) => equals(a(r), b(r));
          case '!=':
            return (r) => !equals(a(r), b(r));
          case '<':
            return (r) => (compare(a(r), b(r)) ?? 0) < 0;
          case '<=':
            return (r) => (compare(a(r), b(r)) ?? 1) <= 0;
          case '>':
            return (r) => (compare(a(r), b(r)) ?? 0) > 0;
          case '>=':
            return (r) => (compare(a(r), b(r)) ?? -1) >= 0;
        }
      }
    }
    if (t.kind === 'name') {
      switch (t.value) {
        case 'in': {
          this.#next();
          const items = this.#parseList();
          return (r) => {
            const v = a(r);
            for (const item of items) if (equals(v, item)) return true;
            return false;
          };
        }
        case 'matches': {
          this.#next();
          const re = this.#parsePattern();
          return (r) => {
            const v = a(r);
            return typeof v === 'string' && re.test(v);
          };
        }
        case 'contains': {
          this.#next();
          const b = this.#parseOperand('a value after "contains"').get;
          return (r) => contains(a(r), b(r));
        }
        case 'exists':
          this.#next();
          return (r) => a(r) != null;
        case 'missing':
          this.#next();
          return (r) => a(r) == null;
      }
    }
    if (left.literal !== undefined && typeof left.literal.value !== 'boolean') {
      throw new ExpressionSyntaxError(
        `${describe(this.#tokens[this.#at - 1] ?? t)} on its own is not a condition; compare it with a field`,
        left.pos,
      );
    }
    return (r) => a(r) === true;
  }

  #parseOperand(what: string): Operand {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
      case 'number':
        this.#next();
        return literal(t.value, t.pos);
      case 'name':
        break;
      default:
        throw new ExpressionSyntaxError(`expected ${what} but found ${describe(t)}`, t.pos);
    }
    switch (t.value) {
      case 'true':
        this.#next();
        return literal(true, t.pos);
      case 'false':
        this.#next();
        return literal(false, t.pos);
      case 'null':
        this.#next();
        return literal(null, t.pos);
      case 'severity_number':
        this.#next();
        return { get: (r) => r.severityNumber, pos: t.pos };
      case 'severity_text':
        this.#next();
        return { get: (r) => r.severityText, pos: t.pos };
      case 'event_name':
        this.#next();
        return { get: (r) => r.eventName, pos: t.pos };
      case 'body': {
        this.#next();
        const steps = this.#parseSteps();
        return { get: (r) => walk(r.body, steps), pos: t.pos };
      }
      case 'attributes':
      case 'resource': {
        this.#next();
        const open = this.peek();
        if (!this.#isPunct('[')) {
          const after = this.#tokens[this.#at + 1];
          const example =
            open.kind === 'punct' && open.value === '.' && after?.kind === 'name' ? after.value : 'key';
          throw new ExpressionSyntaxError(
            `${t.value} keys are written in brackets, e.g. ${t.value}["${example}"] (keys may contain dots)`,
            open.pos,
          );
        }
        const steps = this.#parseSteps();
        const firstIsKey = typeof steps[0] === 'string';
        if (!firstIsKey) throw new ExpressionSyntaxError(`${t.value} takes a string key first`, open.pos);
        return t.value === 'attributes'
          ? { get: (r) => walk(r.attributes, steps), pos: t.pos }
          : { get: (r) => walk(r.resource, steps), pos: t.pos };
      }
    }
    if (keywords.has(t.value))
      throw new ExpressionSyntaxError(`expected ${what} but found "${t.value}"`, t.pos);
    const lower = t.value.toLowerCase();
    if (keywords.has(lower) || lower === 'true' || lower === 'false' || lower === 'null') {
      throw new ExpressionSyntaxError(`keywords are lower case: write ${lower}`, t.pos);
    }
    throw new ExpressionSyntaxError(`unknown field "${t.value}"; fields are ${fieldNames}`, t.pos);
  }

  #parseSteps(): Step[] {
    const steps: Step[] = [];
    for (;;) {
      if (this.#isPunct('.')) {
        this.#next();
        const name = this.#next();
        if (name.kind !== 'name') {
          throw new ExpressionSyntaxError(
            `expected a field name after "." but found ${describe(name)}; use ["..."] for other keys`,
            name.pos,
          );
        }
        steps.push(name.value);
      } else if (this.#isPunct('[')) {
        this.#next();
        const key = this.#next();
        if (key.kind === 'string') steps.push(key.value);
        else if (key.kind === 'number' && Number.isSafeInteger(key.value) && key.value >= 0)
          steps.push(key.value);
        else {
          throw new ExpressionSyntaxError(
            `expected a quoted key or an array index in [...] but found ${describe(key)}`,
            key.pos,
          );
        }
        const close = this.#next();
        if (close.kind !== 'punct' || close.value !== ']') {
          throw new ExpressionSyntaxError(`expected "]" but found ${describe(close)}`, close.pos);
        }
      } else {
        return steps;
      }
    }
  }

  #parseList(): unknown[] {
    const open = this.#next();
    if (open.kind !== 'punct' || open.value !== '[') {
      throw new ExpressionSyntaxError(
        `expected a list such as ["a", "b"] after "in" but found ${describe(open)}`,
        open.pos,
      );
    }
    const items: unknown[] = [];
    if (this.#isPunct(']')) {
      this.#next();
      return items;
    }
    for (;;) {
      const t = this.#next();
      if (t.kind === 'string' || t.kind === 'number') items.push(t.value);
      else if (t.kind === 'name' && (t.value === 'true' || t.value === 'false'))
        items.push(t.value === 'true');
      else if (t.kind === 'name' && t.value === 'null') items.push(null);
      else {
        throw new ExpressionSyntaxError(
          `list items must be literals (string, number, true, false or null), found ${describe(t)}`,
          t.pos,
        );
      }
      const sep = this.#next();
      if (sep.kind === 'punct' && sep.value === ']') return items;
      if (sep.kind !== 'punct' || sep.value !== ',') {
        throw new ExpressionSyntaxError(
          `expected "," or "]" in the list but found ${describe(sep)}`,
          sep.pos,
        );
      }
    }
  }

  #parsePattern(): RegExp {
    const t = this.#next();
    let source: string;
    let flags = '';
    if (t.kind === 'string') source = t.value;
    else if (t.kind === 'regex') {
      source = t.source;
      flags = t.flags;
      // g and y make RegExp.test stateful (lastIndex), so one record's result would depend on the last.
      const bad = /[^imsu]/.exec(flags);
      if (bad !== null)
        throw new ExpressionSyntaxError(`regex flag "${bad[0]}" is not allowed (use i, m, s or u)`, t.pos);
      if (new Set(flags).size !== flags.length) throw new ExpressionSyntaxError('regex flags repeat', t.pos);
    } else {
      throw new ExpressionSyntaxError(
        `expected a string or /regex/ after "matches" but found ${describe(t)}`,
        t.pos,
      );
    }
    try {
      return new RegExp(source, flags);
    } catch (err) {
      // V8 words it "Invalid regular expression: /(/: Unterminated group".
      throw new ExpressionSyntaxError((err as Error).message.replace(/^Invalid/, 'invalid'), t.pos);
    }
  }
}

function literal(value: unknown, pos: number): Operand {
  return { get: () => value, literal: { value }, pos };
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation helpers: total functions over any value

function walk(root: unknown, steps: readonly Step[]): unknown {
  let value = root;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(value) || step >= value.length) return undefined;
      value = value[step] as unknown;
    } else {
      // Own keys only: body.constructor or body.__proto__ must not reach the prototype chain.
      if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
        return undefined;
      }
      if (!Object.hasOwn(value, step)) return undefined;
      value = (value as Record<string, unknown>)[step];
    }
  }
  return value;
}

const numericString = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function asNumber(value: string): number | undefined {
  if (!numericString.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Sign of a - b for two numbers, a number and a numeric string, or two strings; else undefined. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number') {
    const n = typeof b === 'number' ? b : typeof b === 'string' ? asNumber(b) : undefined;
    if (n === undefined || Number.isNaN(a) || Number.isNaN(n)) return undefined;
    return a < n ? -1 : a > n ? 1 : 0;
  }
  if (typeof a === 'string') {
    if (typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof b === 'number') {
      const r = compare(b, a);
      return r === undefined ? undefined : -r;
    }
  }
  return undefined;
}

function equals(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  return compare(a, b) === 0;
}

function contains(a: unknown, b: unknown): boolean {
  if (typeof a === 'string') return typeof b === 'string' && a.includes(b);
  if (Array.isArray(a)) {
    for (const item of a) if (equals(item, b)) return true;
  }
  return false;
}
