// The conformance suite every factory must pass: built-ins in test/conformance.test.ts, plugins in their own
// tests (`import { runFactoryConformance } from 'darktrace-collector/testing/conformance'`).
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../config/ajv.js';
import { typePattern } from '../component.js';
import type { Component } from '../component.js';
import type { LogsConsumer } from '../consumer.js';
import {
  isFactory,
  type Factory,
  type ExporterFactory,
  type ProcessorFactory,
  type ReceiverFactory,
} from '../factory.js';
import { generateLogs, LogsSink, testSettings } from './index.js';

/** Options for {@link runFactoryConformance}. */
export interface ConformanceOptions {
  /** Config to create instances with (default: the factory's exampleConfig, defaults applied). */
  config?: unknown;
  /** Skip start → consume → shutdown (for components that need a live peer to start). */
  skipStart?: boolean;
}

function withDefaults(factory: Factory, config: unknown): unknown {
  const value = structuredClone(config ?? {});
  const validate = compileSchema(factory.configSchema);
  if (!validate(value)) throw new Error(`config does not validate: ${JSON.stringify(validate.errors)}`);
  return value;
}

function walkSchema(
  node: unknown,
  path: string,
  visit: (node: Record<string, unknown>, path: string) => void,
): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Record<string, unknown>;
  visit(n, path);
  const props = n['properties'] as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) walkSchema(v, `${path}.${k}`, visit);
  if (typeof n['items'] === 'object') walkSchema(n['items'], `${path}[]`, visit);
  if (typeof n['additionalProperties'] === 'object')
    walkSchema(n['additionalProperties'], `${path}.*`, visit);
}

const host = { reportFatalError: (): void => undefined };

function create(factory: Factory, config: unknown, next: LogsConsumer): Component & Partial<LogsConsumer> {
  const settings = testSettings(factory.type, factory.kind);
  if (factory.kind === 'receiver') return (factory as ReceiverFactory).create(settings, config, next);
  if (factory.kind === 'processor') return (factory as ProcessorFactory).create(settings, config, next);
  return (factory as ExporterFactory).create(settings, config);
}

/** Register the conformance tests for one factory (call inside a test file). */
export function runFactoryConformance(factory: Factory, options: ConformanceOptions = {}): void {
  describe(`${factory.kind} ${factory.type}: conformance`, () => {
    it('is made by a define* helper and has a valid type name', () => {
      expect(isFactory(factory)).toBe(true);
      expect(factory.type).toMatch(typePattern);
      expect(factory.type.length).toBeLessThanOrEqual(63);
    });

    it('has a strict schema: compiles, closes every object and describes every property', () => {
      expect(() => compileSchema(factory.configSchema)).not.toThrow();
      const problems: string[] = [];
      walkSchema(factory.configSchema, factory.type, (node, path) => {
        if (
          node['type'] === 'object' &&
          node['properties'] !== undefined &&
          node['additionalProperties'] !== false
        )
          problems.push(`${path}: additionalProperties is not false`);
        for (const [k, v] of Object.entries(
          (node['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {},
        )) {
          if (typeof v['description'] !== 'string' || v['description'] === '')
            problems.push(`${path}.${k}: no description`);
        }
      });
      expect(problems).toEqual([]);
    });

    it('accepts its example config (defaults applied)', () => {
      expect(() => withDefaults(factory, options.config ?? factory.exampleConfig)).not.toThrow();
    });

    it('can be created and shut down without being started, and shutdown is idempotent', async () => {
      const component = create(
        factory,
        withDefaults(factory, options.config ?? factory.exampleConfig),
        new LogsSink(),
      );
      const first = component.shutdown(AbortSignal.timeout(2000));
      const second = component.shutdown(AbortSignal.timeout(2000));
      expect(second).toBe(first);
      await first;
    });

    it.skipIf(options.skipStart === true)(
      'starts, takes data, and stops; nothing is emitted after shutdown',
      async () => {
        const sink = new LogsSink();
        const component = create(
          factory,
          withDefaults(factory, options.config ?? factory.exampleConfig),
          sink,
        );
        await component.start(host, AbortSignal.timeout(5000));
        if (component.consume !== undefined) await component.consume(generateLogs(3));
        await component.shutdown(AbortSignal.timeout(1000));
        const after = sink.records.length;
        await new Promise((r) => setTimeout(r, 50));
        expect(sink.records.length).toBe(after);
      },
    );
  });
}
