// `dtcol validate` and the start of `dtcol run`: every check, every problem reported, nothing started.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import type { ComponentId, ComponentKind } from '../component.js';
import { componentKinds, parseComponentId } from '../component.js';
import { errorMessage, PluginLoadError, type ConfigIssue } from '../errors.js';
import type { Factory, JsonSchema } from '../factory.js';
import type { LoadedPlugin } from '../plugins/load.js';
import type { Registry } from '../registry.js';
import { parseDuration } from '../units.js';
import { compileSchema } from './ajv.js';
import { loadConfigText, typedFromSubstitution, type ConfigPath, type LoadedConfig } from './load.js';
import { topLevelSchema } from './schema.js';
import { didYouMean } from './suggest.js';

/** One configured component, validated, with defaults applied and frozen. */
export interface ComponentConfig {
  readonly id: ComponentId;
  readonly kind: ComponentKind;
  readonly factory: Factory;
  readonly config: unknown;
}

/** One pipeline: ids of its receivers, ordered processors and exporters. */
export interface PipelineConfig {
  readonly id: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** A validated configuration, ready to build a service from. */
export interface ServiceConfig {
  readonly file: string;
  readonly configDir: string;
  readonly dataDir: string;
  readonly components: Readonly<Record<ComponentKind, ReadonlyMap<string, ComponentConfig>>>;
  readonly pipelines: readonly PipelineConfig[];
  readonly metricsAddress: { host: string; port: number } | undefined;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  /** Values to redact from anything printed: secret fields and secret-looking variables. */
  readonly secrets: readonly string[];
  readonly registry: Registry;
  readonly plugins: readonly LoadedPlugin[];
}

export interface ValidationResult {
  issues: ConfigIssue[];
  config: ServiceConfig | undefined;
  registry: Registry;
}

const sectionOf: Record<ComponentKind, 'receivers' | 'processors' | 'exporters'> = {
  receiver: 'receivers',
  processor: 'processors',
  exporter: 'exporters',
};

/** Human form of a path inside a component: `tls.ca_file`, `exporters[1]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

type SchemaNode = Readonly<Record<string, unknown>>;

/** The schema nodes that describe `path` inside `schema` (following properties, items, unions). */
function schemasAt(schema: SchemaNode, path: ConfigPath): SchemaNode[] {
  let nodes: SchemaNode[] = [schema];
  for (const seg of path) {
    const next: SchemaNode[] = [];
    for (const node of expandUnions(nodes)) {
      const props = node['properties'] as Record<string, SchemaNode> | undefined;
      if (typeof seg === 'string' && props?.[seg] !== undefined) next.push(props[seg]);
      else if (typeof seg === 'string' && typeof node['additionalProperties'] === 'object')
        next.push(node['additionalProperties'] as SchemaNode);
      else if (typeof seg === 'number' && typeof node['items'] === 'object')
        next.push(node['items'] as SchemaNode);
    }
    nodes = next;
  }
  return expandUnions(nodes);
}

function expandUnions(nodes: SchemaNode[]): SchemaNode[] {
  const out: SchemaNode[] = [];
  for (const n of nodes) {
    out.push(n);
    for (const k of ['oneOf', 'anyOf', 'allOf']) {
      const list = n[k];
      if (Array.isArray(list)) out.push(...expandUnions(list as SchemaNode[]));
    }
  }
  return out;
}

function typesOf(nodes: SchemaNode[]): Set<string> {
  const types = new Set<string>();
  for (const n of nodes) {
    const t = n['type'];
    if (typeof t === 'string') types.add(t);
    else if (Array.isArray(t)) for (const x of t) types.add(String(x));
    if (Array.isArray(n['enum']))
      for (const e of n['enum'] as unknown[]) types.add(e === null ? 'null' : typeof e);
  }
  return types;
}

function isSecretAt(schema: SchemaNode, path: ConfigPath): boolean {
  return schemasAt(schema, path).some((n) => n['secret'] === true);
}

function setAt(root: unknown, path: ConfigPath, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++)
    node = node[path[i] as string] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function collectSecrets(
  schema: SchemaNode,
  value: unknown,
  path: (string | number)[],
  out: Set<string>,
): void {
  if (typeof value === 'string') {
    if (value.length > 0 && isSecretAt(schema, path)) out.add(value);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectSecrets(schema, v, [...path, i], out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) collectSecrets(schema, v, [...path, k], out);
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return v.length > 40 ? `a string` : `"${v}"`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The path of the value an ajv error is about. */
function instancePathOf(err: ErrorObject): (string | number)[] {
  return err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Turn one ajv error into an issue with a location; `base` is the component's path in the file. */
function ajvIssue(
  err: ErrorObject,
  loaded: LoadedConfig,
  base: ConfigPath,
  component: string,
  value: unknown,
  hideValues: (path: ConfigPath) => boolean,
): ConfigIssue | undefined {
  const path = instancePathOf(err);
  const params = err.params as Record<string, unknown>;
  const issue = (
    code: string,
    p: ConfigPath,
    message: string,
    key = false,
    suggestion?: string,
  ): ConfigIssue => ({
    code,
    severity: 'error',
    component,
    path: formatPath(p),
    message,
    location: loaded.locate([...base, ...p], { key }),
    ...(suggestion !== undefined && { suggestion }),
  });
  const actual = path.reduce<unknown>(
    (v, seg) => (v as Record<string | number, unknown> | undefined)?.[seg],
    value,
  );
  switch (err.keyword) {
    case 'propertyNames': {
      // The inner error (a pattern failure) says nothing useful; report the bad key itself.
      const key = String(params['propertyName']);
      if (base.length === 0) {
        return issue(
          'ERR_INVALID_ID',
          [...path, key],
          `invalid id "${key}": write type or type/name (type: lower-case letters, digits and dashes)`,
          true,
        );
      }
      const names = err.parentSchema?.['propertyNames'] as { description?: unknown } | undefined;
      const expected = typeof names?.description === 'string' ? `; expected ${names.description}` : '';
      return issue('ERR_INVALID_KEY', [...path, key], `invalid key "${key}"${expected}`, true);
    }
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const props = Object.keys((err.parentSchema?.['properties'] as object | undefined) ?? {});
      const allowed = props.length > 0 ? ` (allowed: ${props.join(', ')})` : '';
      return issue(
        'ERR_UNKNOWN_KEY',
        [...path, key],
        `unknown key "${key}"${allowed}`,
        true,
        didYouMean(key, props),
      );
    }
    case 'required':
      // Point at the key of the map that lacks it, not at its first child.
      return issue(
        'ERR_MISSING_KEY',
        path,
        `missing required key "${String(params['missingProperty'])}"`,
        path.length > 0 || base.length > 0,
      );
    case 'type': {
      const got = hideValues(path) ? '' : ` (got ${describeValue(actual)})`;
      return issue('ERR_TYPE', path, `must be ${String(params['type']).replace(',', ' or ')}${got}`);
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v));
      const got = hideValues(path) ? '' : ` (got ${describeValue(actual)})`;
      const suggestion =
        typeof actual === 'string'
          ? didYouMean(actual, (params['allowedValues'] as unknown[]).map(String))
          : undefined;
      return issue('ERR_ENUM', path, `must be one of ${allowed.join(', ')}${got}`, false, suggestion);
    }
    case 'pattern': {
      const hint: unknown = err.parentSchema?.['hint'];
      if (typeof hint !== 'string') return issue('ERR_SCHEMA_PATTERN', path, err.message ?? 'is invalid');
      const got = hideValues(path) ? '' : ` (got ${describeValue(actual)})`;
      return issue('ERR_SCHEMA_PATTERN', path, `must be ${hint}${got}`);
    }
    case 'format': {
      const got = hideValues(path) ? '' : ` (got ${describeValue(actual)})`;
      if (params['format'] === 'duration')
        return issue('ERR_FORMAT', path, `must be a duration such as "30s", "5m" or "1h30m"${got}`);
      if (params['format'] === 'byte-size')
        return issue('ERR_FORMAT', path, `must be a size such as "64KiB" or "1MB"${got}`);
      return issue('ERR_FORMAT', path, `must be a valid ${String(params['format'])}${got}`);
    }
    case 'if':
      return undefined;
    default:
      return issue(`ERR_SCHEMA_${err.keyword.toUpperCase()}`, path, err.message ?? 'is invalid');
  }
}

/** Validate a config value against a schema; returns the defaulted clone and issues. */
function validateAgainst(
  schema: SchemaNode,
  input: unknown,
  loaded: LoadedConfig,
  base: ConfigPath,
  component: string,
): { value: unknown; issues: ConfigIssue[] } {
  const value: unknown = structuredClone(input ?? {});
  // Re-type substituted scalars where the schema wants a number or boolean (and never a string).
  const prefix = JSON.stringify(base).slice(0, -1);
  for (const [key, sub] of loaded.substitutions) {
    if (!key.startsWith(prefix)) continue;
    const full = JSON.parse(key) as (string | number)[];
    if (full.length <= base.length) continue;
    const rel = full.slice(base.length);
    const types = typesOf(schemasAt(schema, rel));
    if (!types.has('string') && types.size > 0) setAt(value, rel, typedFromSubstitution(sub.text));
  }
  const validate = compileSchema(schema);
  const issues: ConfigIssue[] = [];
  if (!validate(value)) {
    const hide = (p: ConfigPath): boolean =>
      isSecretAt(schema, p) || loaded.substitutions.has(JSON.stringify([...base, ...p]));
    for (const err of validate.errors ?? []) {
      // A value whose variable is unset was already reported as such; its emptiness is no second problem.
      if (loaded.substitutions.get(JSON.stringify([...base, ...instancePathOf(err)]))?.unresolved === true)
        continue;
      if (err.propertyName !== undefined) continue; // reported by its `propertyNames` error
      const issue = ajvIssue(err, loaded, base, component, value, hide);
      if (issue !== undefined) issues.push(issue);
    }
  }
  return { value, issues };
}

/** The valid component ids of a section (none when the section is not a map; bad ids are reported already). */
function idsIn(section: unknown): string[] {
  if (typeof section !== 'object' || section === null || Array.isArray(section)) return [];
  return Object.keys(section).filter((id) => parseComponentId(id) !== undefined);
}

/** Everything `validateConfigFile` needs besides the file. */
export interface ValidateOptions {
  registry: Registry;
  env?: NodeJS.ProcessEnv;
  /** Load plugins (default true). */
  loadPlugins?: boolean;
}

/** Read and validate a configuration file. Never throws for problems in the file; they are issues. */
export async function validateConfigFile(file: string, options: ValidateOptions): Promise<ValidationResult> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const issue: ConfigIssue = {
      code: 'ERR_CONFIG_READ',
      severity: 'error',
      component: '(file)',
      path: '',
      message: `cannot read ${file}: ${errorMessage(err)}`,
    };
    return { issues: [issue], config: undefined, registry: options.registry };
  }
  return validateConfigText(file, absolute, text, options);
}

/** Validate configuration text (the file name is for messages and resolving relative paths). */
export async function validateConfigText(
  displayFile: string,
  absoluteFile: string,
  text: string,
  options: ValidateOptions,
): Promise<ValidationResult> {
  const loaded = loadConfigText(displayFile, text, options.env ?? process.env);
  const issues = loaded.issues;
  const registry = options.registry.clone();
  const configDir = dirname(absoluteFile);
  if (issues.some((i) => i.code === 'ERR_YAML_SYNTAX' && i.severity === 'error')) {
    return { issues, config: undefined, registry };
  }
  const root = loaded.value;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    issues.push({
      code: 'ERR_TOP_LEVEL',
      severity: 'error',
      component: '(top level)',
      path: '',
      message: 'the file must be a map with receivers, processors, exporters and service',
      location: { file: displayFile, line: 1, col: 1 },
    });
    return { issues, config: undefined, registry };
  }

  // Top level: shape only (component configs are checked per component below).
  const top = validateAgainst(topLevelSchema, root, loaded, [], '(top level)');
  for (const issue of top.issues) {
    const [section, ...rest] = issue.path.split('.');
    if (section === 'service') issues.push({ ...issue, component: 'service', path: rest.join('.') });
    else issues.push(issue);
  }
  const doc = top.value as {
    plugins?: string[];
    receivers?: Record<string, unknown>;
    processors?: Record<string, unknown>;
    exporters?: Record<string, unknown>;
    service?: {
      pipelines?: Record<string, { receivers?: unknown; processors?: unknown; exporters?: unknown }>;
      data_dir?: string;
      shutdown_timeout?: string;
      telemetry?: { metrics?: { address?: string }; logs?: { level?: string } };
    };
  };

  // Plugins, so their types are known before components are checked.
  const plugins: LoadedPlugin[] = [];
  if (options.loadPlugins !== false && Array.isArray(doc.plugins) && doc.plugins.length > 0) {
    // Imported only for a file that lists plugins: its resolver and semver would otherwise stay in memory for
    // the life of `dtcol run` for nothing.
    const { loadPlugin } = await import('../plugins/load.js');
    for (const [i, specifier] of doc.plugins.entries()) {
      if (typeof specifier !== 'string') continue;
      try {
        plugins.push(await loadPlugin(specifier, absoluteFile, registry));
      } catch (err) {
        const e = err instanceof PluginLoadError ? err : undefined;
        issues.push({
          code: e?.code ?? 'ERR_PLUGIN_IMPORT',
          severity: 'error',
          component: 'plugins',
          path: `[${i}]`,
          message: errorMessage(err),
          location: loaded.locate(['plugins', i]),
        });
      }
    }
  }

  // Components.
  const secrets = new Set<string>();
  for (const sub of loaded.substitutions.values())
    if (sub.fromSecretVar && sub.text.length > 0) secrets.add(sub.text);
  const components: Record<ComponentKind, Map<string, ComponentConfig>> = {
    receiver: new Map(),
    processor: new Map(),
    exporter: new Map(),
  };
  for (const kind of componentKinds) {
    const section = sectionOf[kind];
    const entries: unknown = doc[section];
    // An empty section (`processors:` with nothing under it) is null; the schema reports it.
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) continue;
    for (const [idText, raw] of Object.entries(entries)) {
      const id = parseComponentId(idText);
      if (id === undefined) continue; // the top-level schema already reported the bad id
      const entry = registry.get(kind, id.type);
      if (entry === undefined) {
        const known = registry.list(kind).map((e) => e.factory.type);
        const suggestion = didYouMean(id.type, known);
        issues.push({
          code: 'ERR_UNKNOWN_TYPE',
          severity: 'error',
          component: `${section}::${idText}`,
          path: '',
          message: `unknown ${kind} type "${id.type}" (known: ${known.join(', ') || 'none'})`,
          location: loaded.locate([section, idText], { key: true }),
          ...(suggestion !== undefined && { suggestion }),
        });
        continue;
      }
      const factory = entry.factory;
      const schema = factory.configSchema;
      let checked: { value: unknown; issues: ConfigIssue[] };
      try {
        checked = validateAgainst(schema, raw, loaded, [section, idText], idText);
      } catch (err) {
        issues.push({
          code: 'ERR_SCHEMA_INVALID',
          severity: 'error',
          component: idText,
          path: '',
          message: `the config schema of ${kind} type "${id.type}" does not compile: ${errorMessage(err)}`,
          location: loaded.locate([section, idText], { key: true }),
        });
        continue;
      }
      issues.push(...checked.issues);
      if (checked.issues.length > 0) continue;
      collectSecrets(schema, checked.value, [], secrets);
      let own: readonly { path: readonly (string | number)[]; message: string }[];
      try {
        own = factory.validate?.(checked.value as never, { configDir }) ?? [];
      } catch (err) {
        own = [{ path: [], message: `validation failed: ${errorMessage(err)}` }];
      }
      for (const p of own) {
        issues.push({
          code: 'ERR_COMPONENT_CONFIG',
          severity: 'error',
          component: idText,
          path: formatPath(p.path),
          message: p.message,
          location: loaded.locate([section, idText, ...p.path]),
        });
      }
      if (own.length === 0) {
        components[kind].set(idText, { id, kind, factory, config: deepFreeze(checked.value) });
      }
    }
  }

  // Pipelines and references.
  const pipelines: PipelineConfig[] = [];
  const used: Record<ComponentKind, Set<string>> = {
    receiver: new Set(),
    processor: new Set(),
    exporter: new Set(),
  };
  const pipelineMap: unknown = doc.service?.pipelines;
  const pipelineEntries =
    typeof pipelineMap === 'object' && pipelineMap !== null && !Array.isArray(pipelineMap)
      ? Object.entries(pipelineMap as Record<string, unknown>)
      : [];
  for (const [pipelineId, p] of pipelineEntries) {
    const lists: Record<ComponentKind, string[]> = { receiver: [], processor: [], exporter: [] };
    for (const kind of componentKinds) {
      const key = sectionOf[kind];
      const listed = typeof p === 'object' && p !== null ? (p as Record<string, unknown>)[key] : undefined;
      const ids = Array.isArray(listed) ? listed.filter((x): x is string => typeof x === 'string') : [];
      const defined = idsIn(doc[key]);
      const seen = new Set<string>();
      ids.forEach((ref, i) => {
        const at = ['service', 'pipelines', pipelineId, key, i];
        used[kind].add(ref);
        if (!defined.includes(ref)) {
          const suggestion = didYouMean(ref, defined);
          issues.push({
            code: 'ERR_UNDEFINED_COMPONENT',
            severity: 'error',
            component: 'service',
            path: `pipelines.${pipelineId}.${key}[${i}]`,
            message: `${kind} "${ref}" is not defined under ${key}`,
            location: loaded.locate(at),
            ...(suggestion !== undefined && { suggestion }),
          });
        } else if (kind === 'processor' && seen.has(ref)) {
          issues.push({
            code: 'ERR_DUPLICATE_PROCESSOR',
            severity: 'error',
            component: 'service',
            path: `pipelines.${pipelineId}.${key}[${i}]`,
            message: `processor "${ref}" is listed twice in this pipeline`,
            location: loaded.locate(at),
          });
        }
        seen.add(ref);
      });
      lists[kind] = ids;
      if (kind !== 'processor' && ids.length === 0 && Array.isArray(listed)) {
        issues.push({
          code: 'ERR_EMPTY_PIPELINE',
          severity: 'error',
          component: 'service',
          path: `pipelines.${pipelineId}.${key}`,
          message: `a pipeline needs at least one ${kind}`,
          location: loaded.locate(['service', 'pipelines', pipelineId, key]),
        });
      }
    }
    pipelines.push({
      id: pipelineId,
      receivers: lists.receiver,
      processors: lists.processor,
      exporters: lists.exporter,
    });
  }
  if (doc.service?.pipelines !== undefined && pipelines.length === 0) {
    issues.push({
      code: 'ERR_NO_PIPELINES',
      severity: 'error',
      component: 'service',
      path: 'pipelines',
      message: 'no pipelines are defined, so nothing would run',
      location: loaded.locate(['service', 'pipelines'], { key: true }),
    });
  }
  for (const kind of componentKinds) {
    for (const idText of idsIn(doc[sectionOf[kind]])) {
      if (!used[kind].has(idText)) {
        issues.push({
          code: 'WARN_UNUSED_COMPONENT',
          severity: 'warning',
          component: idText,
          path: '',
          message: `${kind} "${idText}" is defined but no pipeline uses it; it will not run`,
          location: loaded.locate([sectionOf[kind], idText], { key: true }),
        });
      }
    }
  }

  // Service settings.
  let metricsAddress: ServiceConfig['metricsAddress'];
  const address = doc.service?.telemetry?.metrics?.address;
  if (typeof address === 'string') {
    const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(address);
    if (m === null || Number(m[2]) > 65535) {
      issues.push({
        code: 'ERR_ADDRESS',
        severity: 'error',
        component: 'service',
        path: 'telemetry.metrics.address',
        message: `must be host:port such as "127.0.0.1:8888" (got "${address}")`,
        location: loaded.locate(['service', 'telemetry', 'metrics', 'address']),
      });
    } else {
      metricsAddress = { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    }
  }

  const hasErrors = issues.some((i) => i.severity === 'error');
  const config: ServiceConfig | undefined = hasErrors
    ? undefined
    : {
        file: absoluteFile,
        configDir,
        dataDir: resolve(configDir, doc.service?.data_dir ?? '.dtcol'),
        components,
        pipelines,
        metricsAddress,
        logLevel: doc.service?.telemetry?.logs?.level ?? 'info',
        shutdownTimeoutMs: parseDuration(doc.service?.shutdown_timeout ?? '30s'),
        secrets: [...secrets],
        registry,
        plugins,
      };
  issues.sort(
    (a, b) =>
      (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0),
  );
  return { issues, config, registry };
}

/** The schema of one factory, for `dtcol components`. */
export function configKeys(schema: JsonSchema): string[] {
  return Object.keys((schema['properties'] as object | undefined) ?? {});
}
