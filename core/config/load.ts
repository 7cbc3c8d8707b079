// Reading pipelines.yaml: YAML with source positions, then ${env:…} substitution on scalars.
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Scalar,
} from 'yaml';
import type { ConfigIssue, SourceLocation } from '../errors.js';

/** A path into the configuration tree. */
export type ConfigPath = readonly (string | number)[];

/** A substituted scalar: the text after substitution, and whether a secret-looking variable fed it. */
export interface Substitution {
  text: string;
  fromSecretVar: boolean;
  /** A reference in it was unset (without default) or malformed; that is already an issue of its own. */
  unresolved: boolean;
}

/** The parsed file with what validation needs to point at lines. */
export interface LoadedConfig {
  file: string;
  /** The plain JS value of the document after substitution (substituted scalars are strings). */
  value: unknown;
  /** Key: JSON of the path. Every scalar that had `${…}` in it. */
  substitutions: Map<string, Substitution>;
  /** Source position of a path; `key: true` gives the position of the key rather than the value. */
  locate(path: ConfigPath, options?: { key?: boolean }): SourceLocation;
  issues: ConfigIssue[];
}

const refRe = /\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-((?:[^}\\]|\\.)*))?\}|\$\{([^}]*)\}?/g;
const secretVarRe = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE/i;

/** Canonical YAML 1.2 core-schema scalars that a whole-value substitution may turn into a number or bool. */
export function typedFromSubstitution(text: string): string | number | boolean | null {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

/** Parse YAML text and substitute environment references. Never throws; problems land in `issues`. */
export function loadConfigText(file: string, text: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = [];
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, col: pos.col };
  };
  for (const err of [...doc.errors, ...doc.warnings]) {
    issues.push({
      code: 'ERR_YAML_SYNTAX',
      severity: doc.errors.includes(err) ? 'error' : 'warning',
      component: '(yaml)',
      path: '',
      message: err.message.split('\n')[0] ?? err.message,
      location: at(err.pos[0]),
    });
  }
  const substitutions = new Map<string, Substitution>();
  if (doc.errors.length === 0) substitute(doc, env, substitutions, issues, at);
  const value: unknown = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 100 }) : undefined;
  return {
    file,
    value,
    substitutions,
    issues,
    locate: (path, options) => at(findOffset(doc, path, options?.key === true)),
  };
}

function substitute(
  doc: Document,
  env: NodeJS.ProcessEnv,
  substitutions: Map<string, Substitution>,
  issues: ConfigIssue[],
  at: (offset: number) => SourceLocation,
): void {
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const path = pathOf(ancestors, node);
      let fromSecretVar = false;
      const state = { touched: false, unresolved: false };
      const replaced = node.value.replace(refRe, (match, name?: string, fallback?: string, bad?: string) => {
        state.touched = true;
        if (match === '$$') return '$';
        if (name === undefined) {
          state.unresolved = true;
          issues.push({
            code: 'ERR_ENV_SYNTAX',
            severity: 'error',
            component: '(env)',
            path: path.join('.'),
            message: `"${match}" is not a valid reference; write \${env:NAME} or \${env:NAME:-default}${bad === undefined ? '' : ''}.`,
            location: at(node.range?.[0] ?? 0),
          });
          return match;
        }
        if (secretVarRe.test(name)) fromSecretVar = true;
        const value = env[name];
        if (value !== undefined) return value;
        if (fallback !== undefined) return fallback.replace(/\\(.)/g, '$1');
        state.unresolved = true;
        issues.push({
          code: 'ERR_ENV_UNSET',
          severity: 'error',
          component: '(env)',
          path: path.join('.'),
          message: `environment variable ${name} is not set and has no default (write \${env:${name}:-default} to give one).`,
          location: at(node.range?.[0] ?? 0),
        });
        return '';
      });
      if (!state.touched) return;
      substitutions.set(JSON.stringify(path), {
        text: replaced,
        fromSecretVar,
        unresolved: state.unresolved,
      });
      // The substituted text stays a string here; validation re-types it only where the schema asks for a
      // number or boolean, so a secret such as "0123" never becomes 83 or 123. Changed in place: a node
      // returned from a yaml `visit` callback is visited again, which would expand `$${x}` (and any `${…}`
      // inside a variable's value) a second time.
      node.value = replaced;
      return undefined;
    },
  });
}

function pathOf(ancestors: readonly unknown[], node: Scalar): (string | number)[] {
  const path: (string | number)[] = [];
  let child: unknown = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (isPair(a)) {
      if (a.key === child) return ['(key)'];
      const key: unknown = isScalar(a.key) ? a.key.value : a.key;
      path.unshift(String(key));
    } else if (isSeq(a)) {
      path.unshift(a.items.indexOf(child));
    }
    child = a;
  }
  return path;
}

function findOffset(doc: Document, path: ConfigPath, wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return offset;
      const keyNode = pair.key as Node;
      if (last && wantKey) return keyNode.range?.[0] ?? offset;
      const valueNode = pair.value as Node | null;
      // An empty value (`stdout:`) has no range of its own: point at the key.
      offset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (item === undefined) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}
