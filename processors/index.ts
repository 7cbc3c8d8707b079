// Built-in processors, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';

export const builtinProcessors: readonly Factory[] = [];
