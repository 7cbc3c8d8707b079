// The OTLP serializers group a batch into ResourceLogs/ScopeLogs by object identity (collectors.md §8.3),
// so records that mean the same resource must carry the same object. Records normally share
// `sharedResource` objects already; this also folds equal-but-distinct ones (e.g. from plugins) and adds
// the exporter's own attributes (service.name, host.name) once per distinct resource, not per record.
import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { LogRecord } from '../../core/consumer.js';

type Scope = LogRecord['instrumentationScope'];

/** Distinct resources remembered before the cache starts over (appliances are few; this is a guard). */
const maxEntries = 1000;

function stableKey(value: object): string {
  return JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Maps records to shared resource and scope objects, with the exporter's resource attributes laid over. */
export class ResourceGrouper {
  readonly #overrides: Attributes;
  #byObject = new WeakMap<Resource, Resource>();
  #byKey = new Map<string, Resource>();
  #scopeByObject = new WeakMap<Scope, Scope>();
  #scopeByKey = new Map<string, Scope>();

  /** `overrides` win over the records' own resource attributes. */
  constructor(overrides: Attributes) {
    this.#overrides = Object.freeze({ ...overrides });
  }

  /** The shared resource a record with `resource` is sent under. */
  resourceFor(resource: Resource): Resource {
    let out = this.#byObject.get(resource);
    if (out !== undefined) return out;
    const merged = { ...resource.attributes, ...this.#overrides };
    const key = `${resource.schemaUrl ?? ''}\n${stableKey(merged)}`;
    out = this.#byKey.get(key);
    if (out === undefined) {
      out = resourceFromAttributes(
        merged,
        resource.schemaUrl === undefined ? undefined : { schemaUrl: resource.schemaUrl },
      );
      this.#byKey.set(key, out);
    }
    this.#byObject.set(resource, out);
    return out;
  }

  /** The shared scope object for `scope` (same name, version, schema URL and attributes → same object). */
  scopeFor(scope: Scope): Scope {
    let out = this.#scopeByObject.get(scope);
    if (out !== undefined) return out;
    const key = JSON.stringify([
      scope.name,
      scope.version,
      scope.schemaUrl,
      stableKey(scope.attributes ?? {}),
    ]);
    out = this.#scopeByKey.get(key);
    if (out === undefined) {
      out = scope;
      this.#scopeByKey.set(key, out);
    }
    this.#scopeByObject.set(scope, out);
    return out;
  }

  /** The records as they are serialized: same content, shared resource and scope objects. */
  prepare(records: readonly LogRecord[]): LogRecord[] {
    // Forget between batches, never within one, so a batch is always grouped consistently.
    if (this.#byKey.size > maxEntries || this.#scopeByKey.size > maxEntries) {
      this.#byObject = new WeakMap();
      this.#byKey = new Map();
      this.#scopeByObject = new WeakMap();
      this.#scopeByKey = new Map();
    }
    return records.map((r) => {
      const resource = this.resourceFor(r.resource);
      const instrumentationScope = this.scopeFor(r.instrumentationScope);
      return resource === r.resource && instrumentationScope === r.instrumentationScope
        ? r
        : { ...r, resource, instrumentationScope };
    });
  }
}
