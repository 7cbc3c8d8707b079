// Built-in processors, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';
import { darktraceFilterProcessorFactory } from './darktrace-filter/index.js';
import { darktraceMapProcessorFactory } from './darktrace-map/index.js';
import { filterProcessorFactory } from './filter/index.js';

export const builtinProcessors: readonly Factory[] = [
  darktraceFilterProcessorFactory,
  darktraceMapProcessorFactory,
  filterProcessorFactory,
];
