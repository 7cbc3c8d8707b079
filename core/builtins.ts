// The registry of built-in component types.
import { builtinExporters } from '../exporters/index.js';
import { builtinProcessors } from '../processors/index.js';
import { builtinReceivers } from '../receivers/index.js';
import { registryOf, type Registry } from './registry.js';

/** A fresh registry holding every built-in type. */
export function builtinRegistry(): Registry {
  return registryOf([...builtinReceivers, ...builtinProcessors, ...builtinExporters]);
}
