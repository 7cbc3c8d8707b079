// The per-service registry of component types: the built-ins plus whatever plugins added.
import { componentKinds, type ComponentKind } from './component.js';
import type { Factory } from './factory.js';

/** Where a type came from: `built-in`, or the plugin's name and resolved file. */
export interface FactorySource {
  readonly origin: 'built-in' | 'plugin';
  readonly plugin?: string;
  readonly file?: string;
}

export interface RegisteredFactory {
  readonly factory: Factory;
  readonly source: FactorySource;
}

/** Component types by kind. Clone the built-in registry per service before adding plugins. */
export class Registry {
  readonly #entries = new Map<string, RegisteredFactory>();

  static #key(kind: ComponentKind, type: string): string {
    return `${kind}:${type}`;
  }

  /** Add a factory; returns the entry it clashes with instead of adding when the kind+type exists. */
  add(factory: Factory, source: FactorySource): RegisteredFactory | undefined {
    const key = Registry.#key(factory.kind, factory.type);
    const existing = this.#entries.get(key);
    if (existing !== undefined) return existing;
    this.#entries.set(key, { factory, source });
    return undefined;
  }

  get(kind: ComponentKind, type: string): RegisteredFactory | undefined {
    return this.#entries.get(Registry.#key(kind, type));
  }

  /** Every type of a kind (or all), sorted by kind then type. */
  list(kind?: ComponentKind): RegisteredFactory[] {
    return [...this.#entries.values()]
      .filter((e) => kind === undefined || e.factory.kind === kind)
      .sort((a, b) =>
        a.factory.kind === b.factory.kind
          ? a.factory.type.localeCompare(b.factory.type)
          : componentKinds.indexOf(a.factory.kind) - componentKinds.indexOf(b.factory.kind),
      );
  }

  clone(): Registry {
    const copy = new Registry();
    for (const entry of this.#entries.values()) copy.add(entry.factory, entry.source);
    return copy;
  }
}

/** A registry holding the given built-in factories; throws on a duplicate (a programming error). */
export function registryOf(factories: readonly Factory[]): Registry {
  const registry = new Registry();
  for (const factory of factories) {
    if (registry.add(factory, { origin: 'built-in' }) !== undefined) {
      throw new Error(`Duplicate built-in ${factory.kind} type "${factory.type}".`);
    }
  }
  return registry;
}
