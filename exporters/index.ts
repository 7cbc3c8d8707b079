// Built-in exporters, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';
import { httpExporterFactory } from './http/index.js';
import { stdoutExporterFactory } from './stdout/index.js';

export const builtinExporters: readonly Factory[] = [
  stdoutExporterFactory as Factory,
  httpExporterFactory as Factory,
];
