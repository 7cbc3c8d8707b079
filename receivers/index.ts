// Built-in receivers, listed explicitly (nothing registers itself on import).
import type { Factory } from '../core/factory.js';
import { generatorReceiverFactory } from './generator/index.js';

export const builtinReceivers: readonly Factory[] = [generatorReceiverFactory as Factory];
