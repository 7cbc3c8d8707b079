// Built-in receivers, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';
import { darktraceRestReceiverFactory } from './darktrace-rest/index.js';
import { darktraceSyslogReceiverFactory } from './darktrace-syslog/index.js';
import { generatorReceiverFactory } from './generator/index.js';

export const builtinReceivers: readonly Factory[] = [
  generatorReceiverFactory,
  darktraceSyslogReceiverFactory,
  darktraceRestReceiverFactory,
];
