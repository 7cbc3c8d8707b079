// Every built-in factory passes the conformance suite.
import { builtinExporters } from '../exporters/index.js';
import { builtinProcessors } from '../processors/index.js';
import { builtinReceivers } from '../receivers/index.js';
import { runFactoryConformance, type ConformanceOptions } from '../core/testing/conformance.js';
import { describe, expect, it } from 'vitest';

/** Configs that must not touch fixed ports or live services in a unit test. */
const overrides: Record<string, ConformanceOptions> = {
  'receiver:darktrace-syslog': { config: { protocol: 'tcp', endpoint: '127.0.0.1:0' } },
};

describe('built-in factories', () => {
  it('are unique per kind and type', () => {
    const keys = [...builtinReceivers, ...builtinProcessors, ...builtinExporters].map(
      (f) => `${f.kind}:${f.type}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });
});

for (const factory of [...builtinReceivers, ...builtinProcessors, ...builtinExporters]) {
  runFactoryConformance(factory, overrides[`${factory.kind}:${factory.type}`] ?? {});
}
