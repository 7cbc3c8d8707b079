import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigText } from '../../../core/config/validate.js';
import type { LogRecord } from '../../../core/consumer.js';
import { createRecord, SeverityNumber, sharedResource } from '../../../core/records.js';
import { filterProcessorFactory } from '../../../processors/filter/index.js';
import { toFilterRecord } from '../../../processors/filter/processor.js';
import { bodies, configured, startProcessor } from '../darktrace-filter/harness.js';

const factory = filterProcessorFactory;
const applianceA = sharedResource({
  'service.name': 'darktrace-collector',
  'darktrace.appliance': 'a.example',
});
const applianceB = sharedResource({
  'service.name': 'darktrace-collector',
  'darktrace.appliance': 'b.example',
});

// Small alerts of our own, in the shapes the Darktrace receivers emit.
const breach = (pbid: number, score: number, name: string, appliance = applianceA): LogRecord =>
  createRecord({
    body: { pbid, score, model: { name, category: 'Suspicious', tags: ['AP: Egress'] } },
    attributes: { 'darktrace.alert.kind': 'model_breach', 'darktrace.source': 'syslog' },
    eventName: 'darktrace.model_breach',
    severityNumber: score >= 0.8 ? SeverityNumber.ERROR : SeverityNumber.WARN,
    severityText: score >= 0.8 ? 'ERROR' : 'WARN',
    resource: appliance,
  });
const incident = (id: string, aiaScore: number, groupScore: string): LogRecord =>
  createRecord({
    body: { id, aiaScore, groupScore, category: 'critical', breachDevices: [{ ip: '10.0.0.7' }] },
    attributes: { 'darktrace.alert.kind': 'ai_analyst', 'darktrace.source': 'rest' },
    eventName: 'darktrace.ai_analyst',
    resource: applianceB,
  });

const high = breach(1, 0.92, 'Anomalous Connection::Data Sent to Rare Domain');
const low = breach(2, 0.31, 'Device::New Device');
const system = breach(3, 0.5, 'System::System', applianceB);
const incidentHigh = incident('inc-1', 88, '72.9');
const incidentLow = incident('inc-2', 12, '8.5');
const all = [high, low, system, incidentHigh, incidentLow];

describe('filterProcessorFactory', () => {
  it('is a processor of type filter with an example config that validates', () => {
    expect(factory.kind).toBe('processor');
    expect(factory.type).toBe('filter');
    expect(() => configured(factory, factory.exampleConfig)).not.toThrow();
  });

  it('reports a condition that does not compile at its list item, with the column', () => {
    const problems =
      factory.validate?.(
        { keep_if: ['body.score >= 0.5', 'body.score = 1'], drop_if: ['body.x matches /(/'] },
        { configDir: '/' },
      ) ?? [];
    expect(problems).toEqual([
      { path: ['keep_if', 1], message: 'column 12: use == to compare' },
      { path: ['drop_if', 0], message: expect.stringMatching(/^column 16: invalid regular expression/) },
    ]);
  });

  it('makes dtcol validate point at the line of the bad condition', async () => {
    const yaml = [
      'receivers:',
      '  generator: {}',
      'processors:',
      '  filter/high:',
      '    keep_if:',
      '      - body.score >= 0.5',
      '      - body.score && body.pbid',
      'exporters:',
      '  stdout: {}',
      'service:',
      '  pipelines:',
      '    logs: { receivers: [generator], processors: [filter/high], exporters: [stdout] }',
      '',
    ].join('\n');
    const result = await validateConfigText('p.yaml', '/tmp/p.yaml', yaml, {
      registry: builtinRegistry(),
      loadPlugins: false,
    });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([
      expect.objectContaining({
        code: 'ERR_COMPONENT_CONFIG',
        component: 'filter/high',
        path: 'keep_if[1]',
        message: 'column 12: use and instead of &&',
        location: expect.objectContaining({ line: 7 }),
      }),
    ]);
  });
});

describe('toFilterRecord', () => {
  it('exposes body, attributes, severity, event name and the resource attributes', () => {
    expect(toFilterRecord(high)).toEqual({
      body: high.body,
      attributes: high.attributes,
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      eventName: 'darktrace.model_breach',
      resource: { 'service.name': 'darktrace-collector', 'darktrace.appliance': 'a.example' },
    });
  });

  it('leaves out the optional fields a record does not have', () => {
    const view = toFilterRecord(incidentHigh);
    expect(Object.keys(view).sort()).toEqual(['attributes', 'body', 'eventName', 'resource']);
  });
});

describe('filter processor', () => {
  it.each<[string, Record<string, string[]>, LogRecord[]]>([
    ['keeps everything with an empty config', {}, all],
    ['keeps what a keep_if condition accepts', { keep_if: ['body.score >= 0.5'] }, [high, system]],
    [
      'joins keep_if entries with or',
      { keep_if: ['body.score >= 0.5', 'body.aiaScore >= 50'] },
      [high, system, incidentHigh],
    ],
    [
      'drops what a drop_if condition matches',
      { drop_if: ['body.model.name matches /^System::/'] },
      [high, low, incidentHigh, incidentLow],
    ],
    [
      'lets drop_if win over keep_if',
      { keep_if: ['body.score >= 0.5'], drop_if: ['body.model.name matches /^system::/i'] },
      [high],
    ],
    [
      'reads attributes by bracketed key',
      { keep_if: ['attributes["darktrace.source"] == "rest"'] },
      [incidentHigh, incidentLow],
    ],
    [
      'reads resource attributes',
      { keep_if: ['resource["darktrace.appliance"] == "b.example"'] },
      [system, incidentHigh, incidentLow],
    ],
    ['reads severity_number', { keep_if: ['severity_number >= 17'] }, [high]],
    ['reads severity_text', { drop_if: ['severity_text == "WARN"'] }, [high, incidentHigh, incidentLow]],
    ['reads event_name', { keep_if: ['event_name == "darktrace.ai_analyst"'] }, [incidentHigh, incidentLow]],
    ['compares numeric strings as numbers', { keep_if: ['body.groupScore > 50'] }, [incidentHigh]],
    [
      'steps into arrays',
      { keep_if: ['body.breachDevices[0].ip == "10.0.0.7"'] },
      [incidentHigh, incidentLow],
    ],
    [
      'tests membership in arrays',
      { keep_if: ['body.model.tags contains "AP: Egress"'] },
      [high, low, system],
    ],
  ])('%s', async (_label, raw, kept) => {
    const p = await startProcessor(factory, raw);
    await p.processor.consume(all);
    expect(bodies(p.sink.records)).toEqual(bodies(kept));
  });

  it('counts drops under keep_if or drop_if in the /metrics text', async () => {
    const p = await startProcessor(
      factory,
      { keep_if: ['body.score exists'], drop_if: ['body.score < 0.5'] },
      'filter/breaches',
    );
    await p.processor.consume(all);
    expect(p.sink.records).toEqual([high, system]);
    const text = await p.metrics();
    expect(text).toContain(
      'dtcol_component_records_total{component_id="filter/breaches",component_kind="processor",' +
        'outcome="dropped",reason="keep_if"} 2',
    );
    expect(await p.drops()).toEqual({ keep_if: 2, drop_if: 1 });
    expect(await p.count('accepted')).toBe(5);
  });
});

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  key: fc.constantFrom('score', 'model', 'name', 'tags', 'ip', 'breachDevices', '__proto__', 'constructor'),
});
const attributeValue = fc.oneof(
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
);

describe('filter processor with odd records', () => {
  it('never throws and keeps or drops each record with a reason', async () => {
    const p = await startProcessor(factory, {
      keep_if: [
        'body.score >= 0.5 or body.model.tags contains "x" or body.breachDevices[0].ip matches /^10\\./',
        'attributes["k"] in ["a", 1, true, null] and not resource["service.name"] missing',
        'severity_number > 4 or severity_text == "INFO" or event_name != "x" and body',
      ],
      drop_if: ['body.model.name matches "^System" or body.constructor exists or body["__proto__"].x == 1'],
    });
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            body: anything,
            k: fc.option(attributeValue),
            severity: fc.option(
              fc.constantFrom(
                SeverityNumber.UNSPECIFIED,
                SeverityNumber.DEBUG,
                SeverityNumber.INFO,
                SeverityNumber.WARN,
                SeverityNumber.FATAL4,
              ),
            ),
          }),
          { maxLength: 8 },
        ),
        async (items) => {
          const batch = items.map(({ body, k, severity }) =>
            createRecord({
              body,
              attributes: k === null ? {} : { k },
              ...(severity !== null && { severityNumber: severity }),
            }),
          );
          total += batch.length;
          await p.processor.consume(batch);
        },
      ),
      { numRuns: 300 },
    );
    expect(await p.count('failed')).toBe(0);
    const drops = await p.drops();
    expect(Object.keys(drops).every((r) => r === 'keep_if' || r === 'drop_if')).toBe(true);
    expect(p.sink.records.length + (drops['keep_if'] ?? 0) + (drops['drop_if'] ?? 0)).toBe(total);
  });
});
