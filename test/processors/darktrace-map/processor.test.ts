import { describe, expect, it } from 'vitest';
import { readDeadLetterFile, defaultDeadLetterPath } from '../../../core/helpers/dead-letter.js';
import { createRecord } from '../../../core/records.js';
import { LogsSink, testSettings } from '../../../core/testing/index.js';
import type { DarktraceMapConfig } from '../../../processors/darktrace-map/config.js';
import { darktraceMapProcessorFactory } from '../../../processors/darktrace-map/index.js';
import { createDarktraceMapProcessor } from '../../../processors/darktrace-map/processor.js';
import { fixture, type Loose } from './support.js';

function run(config: Partial<DarktraceMapConfig> & Pick<DarktraceMapConfig, 'schema'>) {
  const settings = testSettings('darktrace-map', 'processor');
  const sink = new LogsSink();
  const processor = createDarktraceMapProcessor(settings, { on_error: 'dead_letter', ...config }, sink);
  return { settings, sink, processor };
}

const breach = (attributes: Record<string, string> = { 'darktrace.alert.kind': 'model_breach' }) =>
  createRecord({
    body: fixture('model-breach-flat'),
    attributes: { ...attributes, 'network.transport': 'tcp' },
  });

describe('darktrace-map processor', () => {
  it('maps to the Sentinel legacy record, keeps the other attributes and names the schema', async () => {
    const { sink, processor } = run({ schema: 'sentinel-legacy' });
    const input = breach();
    await processor.consume([input]);
    const out = sink.records[0]!;
    expect(out).not.toBe(input);
    expect((out.body as Loose).dtProduct).toBe('Policy Breach');
    expect(out.attributes['darktrace.map.schema']).toBe('sentinel-legacy');
    expect(out.attributes['network.transport']).toBe('tcp');
    expect(out.eventName).toBe('darktrace.model_breach');
    expect(out.severityNumber).toBeGreaterThan(0);
    expect((input.body as Loose).dtProduct).toBeUndefined();
  });

  it('names the Logs Ingestion stream for sentinel-ccf so an exporter can route on it', async () => {
    const { sink, processor } = run({ schema: 'sentinel-ccf' });
    await processor.consume([breach()]);
    expect(String(sink.records[0]!.attributes['sentinel.stream'])).toMatch(/^Custom-Darktrace/);
  });

  it('detects the kind from the body when no receiver set the attribute', async () => {
    const { sink, processor } = run({ schema: 'sentinel-legacy' });
    await processor.consume([breach({})]);
    expect((sink.records[0]!.body as Loose).dtProduct).toBe('Policy Breach');
  });

  it('uses log.record.original for ecs event.original and does not pass it on', async () => {
    const { sink, processor } = run({ schema: 'ecs' });
    const alert = fixture('model-breach-flat');
    const text = JSON.stringify(alert);
    await processor.consume([
      createRecord({
        body: alert,
        attributes: { 'darktrace.alert.kind': 'model_breach', 'log.record.original': text },
      }),
    ]);
    const out = sink.records[0]!;
    expect((out.body as Loose).event.original).toBe(text);
    expect(out.attributes['log.record.original']).toBeUndefined();
  });

  it('dead-letters an alert it cannot map, with the reason, and passes the rest on', async () => {
    const { settings, sink, processor } = run({ schema: 'sentinel-legacy' });
    const junk = createRecord({
      body: { hello: 'world' },
      attributes: { 'darktrace.alert.kind': 'unknown' },
    });
    await processor.consume([junk, breach()]);
    expect(sink.records).toHaveLength(1);
    const { entries } = readDeadLetterFile(defaultDeadLetterPath(settings.dataDir, 'darktrace-map'));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toMatch(/^cannot map to sentinel-legacy: /);
    expect(entries[0]!.record.body).toEqual({ hello: 'world' });
    expect(await settings.service.recordCount('darktrace-map', 'failed')).toBe(1);
  });

  it('drops or passes unmappable alerts when asked', async () => {
    const junk = () => createRecord({ body: { hello: 'world' } });
    const dropped = run({ schema: 'sentinel-legacy', on_error: 'drop' });
    await dropped.processor.consume([junk()]);
    expect(dropped.sink.records).toHaveLength(0);
    expect(await dropped.settings.service.recordCount('darktrace-map', 'dropped')).toBe(1);
    const passed = run({ schema: 'sentinel-legacy', on_error: 'pass' });
    await passed.processor.consume([junk()]);
    expect(passed.sink.records[0]!.body).toEqual({ hello: 'world' });
  });

  it('reports bad field overrides as a config problem at fields', () => {
    const problems = darktraceMapProcessorFactory.validate?.(
      {
        schema: 'ecs',
        on_error: 'dead_letter',
        fields: { add: { 'x.y': { path: 'model.name', convert: ['no-such-converter'] } } },
      } as Loose,
      { configDir: '.' },
    );
    expect(problems?.[0]?.path).toEqual(['fields']);
    expect(problems?.[0]?.message).toMatch(/^Invalid darktrace-map fields: fields\/add/);
  });
});
