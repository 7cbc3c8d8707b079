import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Component, Settings } from '../../../core/component.js';
import type { LogBatch, LogRecord, LogsConsumer } from '../../../core/consumer.js';
import { validateConfigText } from '../../../core/config/validate.js';
import { defineExporter, defineProcessor, defineReceiver, type Factory } from '../../../core/factory.js';
import { Service } from '../../../core/graph/service.js';
import { registryOf } from '../../../core/registry.js';
import { generateLogs } from '../../../core/testing/index.js';

const schema = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Test components that log their lifecycle into `events` and keep what they receive. */
function world(options: { failStart?: string; hangStart?: string } = {}) {
  const events: string[] = [];
  const received = new Map<string, LogRecord[]>();
  const pushers: ((batch: LogBatch) => Promise<void>)[] = [];
  const lifecycle = (settings: Settings, extra: Partial<Component> = {}): Component => ({
    start: () => {
      events.push(`start ${settings.kind} ${settings.id.id} ${settings.pipelines.join(',')}`);
      if (options.failStart === settings.id.id) return Promise.reject(new Error('port in use'));
      if (options.hangStart === settings.id.id) return new Promise(() => undefined);
      return Promise.resolve();
    },
    shutdown: () => {
      events.push(`stop ${settings.kind} ${settings.id.id}`);
      return Promise.resolve();
    },
    ...extra,
  });
  const factories: Factory[] = [
    defineReceiver({
      type: 'src',
      stability: 'development',
      description: 'test source',
      configSchema: schema,
      create(settings, _config, next) {
        events.push(`create receiver ${settings.id.id}`);
        pushers.push((batch) => next.consume(batch));
        return lifecycle(settings);
      },
    }),
    defineProcessor({
      type: 'mut',
      stability: 'development',
      description: 'mutates bodies in place (declares it)',
      configSchema: schema,
      create(settings, _config, next): Component & LogsConsumer {
        events.push(`create processor ${settings.id.id} ${settings.pipelines.join(',')}`);
        return {
          ...lifecycle(settings),
          capabilities: { mutatesData: true },
          consume(batch) {
            for (const r of batch) (r.body as Record<string, unknown>)['mutated'] = settings.pipelines[0];
            return next.consume(batch);
          },
        };
      },
    }),
    defineExporter({
      type: 'keep',
      stability: 'development',
      description: 'keeps records',
      configSchema: schema,
      create(settings): Component & LogsConsumer {
        events.push(`create exporter ${settings.id.id}`);
        received.set(settings.id.id, []);
        return {
          ...lifecycle(settings),
          capabilities: { mutatesData: false },
          consume(batch) {
            received.get(settings.id.id)?.push(...batch);
            return Promise.resolve();
          },
        };
      },
    }),
  ];
  return { events, received, pushers, registry: registryOf(factories) };
}

const yaml = `
receivers: { src: {} }
processors: { mut: {} }
exporters: { keep/a: {}, keep/b: {} }
service:
  shutdown_timeout: 2s
  pipelines:
    logs/a: { receivers: [src], processors: [mut], exporters: [keep/a] }
    logs/b: { receivers: [src], exporters: [keep/b] }
`;

async function build(
  w: ReturnType<typeof world>,
  options: { startTimeoutMs?: number } = {},
): Promise<Service> {
  const result = await validateConfigText('test.yaml', '/tmp/test.yaml', yaml, { registry: w.registry });
  expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  if (result.config === undefined) throw new Error('invalid');
  return new Service(result.config, { logger: pino({ level: 'silent' }), ...options });
}

describe('service graph', () => {
  it('creates a shared receiver once, processors per pipeline, and exporters once', async () => {
    const w = world();
    await build(w);
    expect(w.events.filter((e) => e.startsWith('create receiver'))).toEqual(['create receiver src']);
    expect(w.events.filter((e) => e.startsWith('create processor'))).toEqual(['create processor mut logs/a']);
    expect(w.events.filter((e) => e.startsWith('create exporter')).sort()).toEqual([
      'create exporter keep/a',
      'create exporter keep/b',
    ]);
  });

  it('starts exporters, then processors, then receivers, and stops in reverse', async () => {
    const w = world();
    const service = await build(w);
    await service.start();
    await service.shutdown();
    const order = w.events
      .filter((e) => e.startsWith('start') || e.startsWith('stop'))
      .map((e) => e.split(' ').slice(0, 2).join(' '));
    expect(order).toEqual([
      'start exporter',
      'start exporter',
      'start processor',
      'start receiver',
      'stop receiver',
      'stop processor',
      'stop exporter',
      'stop exporter',
    ]);
  });

  it('gives a mutating branch its own copy, so the other branch never sees the change', async () => {
    const w = world();
    const service = await build(w);
    await service.start();
    await w.pushers[0]?.(generateLogs(2));
    expect(w.received.get('keep/a')?.map((r) => (r.body as Record<string, unknown>)['mutated'])).toEqual([
      'logs/a',
      'logs/a',
    ]);
    expect(w.received.get('keep/b')?.map((r) => (r.body as Record<string, unknown>)['mutated'])).toEqual([
      undefined,
      undefined,
    ]);
    await service.shutdown();
  });

  it('is all or nothing: a component that fails to start stops the ones already started', async () => {
    const w = world({ failStart: 'src' });
    const service = await build(w);
    await expect(service.start()).rejects.toThrow('receiver "src" failed to start: port in use');
    expect(w.events).toContain('stop exporter keep/a');
    expect(w.events).toContain('stop exporter keep/b');
  });

  it('names the component that does not start in time', async () => {
    const w = world({ hangStart: 'keep/b' });
    const service = await build(w, { startTimeoutMs: 100 });
    await expect(service.start()).rejects.toThrow(
      'exporter "keep/b" failed to start: did not start within 100 ms',
    );
  });
});
