// The owner-tags example, loaded the way dtcol loads it: through its pipelines.yaml and the plugin loader.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../core/builtins.js';
import { validateConfigFile, validateConfigText, type ComponentConfig } from '../../core/config/validate.js';
import type { LogRecord, LogsConsumer, ProcessorFactory } from 'darktrace-collector';
import { createRecord } from 'darktrace-collector';
import { LogsSink, testSettings } from '../../core/testing/index.js';
import type { OwnerTagsConfig } from './owner-tags.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const configFile = path.join(here, 'pipelines.yaml');

let entry: ComponentConfig;
let exampleBodies: unknown[];
const running: (LogsConsumer & { shutdown(signal: AbortSignal): Promise<void> })[] = [];

beforeAll(async () => {
  const result = await validateConfigFile(configFile, { registry: builtinRegistry() });
  expect(result.issues).toEqual([]);
  const processor = result.config?.components.processor.get('owner-tags');
  if (processor === undefined)
    throw new Error('examples/owner-tags/pipelines.yaml has no owner-tags processor');
  entry = processor;
  const generator = result.config?.components.receiver.get('generator')?.config as { bodies: unknown[] };
  exampleBodies = generator.bodies;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.shutdown(AbortSignal.timeout(1000))));
});

/** Run bodies through an owner-tags processor built from `config` (default: the example's). */
async function tag(bodies: readonly unknown[], config: unknown = entry.config): Promise<LogRecord[]> {
  const sink = new LogsSink();
  const factory = entry.factory as ProcessorFactory;
  const processor = factory.create(testSettings('owner-tags', 'processor'), config, sink);
  running.push(processor);
  await processor.consume(
    bodies.map((body, i) =>
      createRecord({
        time: 1_700_000_000_000 + i,
        body,
        attributes: { seq: i },
      }),
    ),
  );
  return sink.records;
}

const owners = (records: LogRecord[]): unknown[] => records.map((r) => r.attributes['owner']);

/** A config like the example's, with schema defaults, validated through a pipelines.yaml next to it. */
async function configFrom(processorYaml: string): Promise<{ config?: OwnerTagsConfig; issues: string[] }> {
  const text = [
    'plugins: [./owner-tags.ts]',
    'receivers: { generator: {} }',
    'processors:',
    '  owner-tags:',
    processorYaml,
    'exporters: { stdout: {} }',
    'service: { pipelines: { logs: { receivers: [generator], processors: [owner-tags], exporters: [stdout] } } }',
  ].join('\n');
  const result = await validateConfigText('inline.yaml', path.join(here, 'inline.yaml'), text, {
    registry: builtinRegistry(),
    env: {},
  });
  const config = result.config?.components.processor.get('owner-tags')?.config as OwnerTagsConfig | undefined;
  return {
    ...(config !== undefined && { config }),
    issues: result.issues.map(
      (i) => `${i.location?.line ?? 0}:${i.location?.col ?? 0} ${i.path}: ${i.message}`,
    ),
  };
}

describe('owner-tags example', () => {
  it('loads from its pipelines.yaml with defaults applied', () => {
    expect(entry.factory.type).toBe('owner-tags');
    expect(entry.config).toMatchObject({ attribute: 'owner', default_owner: 'unassigned' });
  });

  it('tags the three example alerts: most specific range, hostname, system status address', async () => {
    expect(owners(await tag(exampleBodies))).toEqual(['build-infra', 'messaging', 'security-ops']);
  });

  it('keeps the body and the other attributes, and leaves the input records alone', async () => {
    const input = createRecord({ body: { device: { ip: '10.20.9.9' } }, attributes: { seq: 7 } });
    const sink = new LogsSink();
    const processor = (entry.factory as ProcessorFactory).create(
      testSettings('owner-tags', 'processor'),
      entry.config,
      sink,
    );
    running.push(processor);
    await processor.consume([input]);
    expect(sink.records[0]?.attributes).toEqual({ seq: 7, owner: 'platform' });
    expect(sink.records[0]?.body).toBe(input.body);
    expect(input.attributes).toEqual({ seq: 7 });
  });

  it.each([
    ['an exact hostname, case-insensitive', { device: { hostname: 'MAIL01.corp.example' } }, 'messaging'],
    ['a wildcard hostname', { device: { hostname: 'gpu-3.lab.corp.example' } }, 'research'],
    [
      'a hostname before an address',
      { device: { hostname: 'x.lab.corp.example', ip: '10.20.1.2' } },
      'research',
    ],
    [
      'the current address before the history',
      { device: { ip: '10.20.7.1', ips: [{ ip: '10.20.1.1' }] } },
      'platform',
    ],
    ['an address from the history', { device: { ips: [{ ip: '10.20.1.200' }] } }, 'build-infra'],
    [
      'an AI Analyst device with a /24 suffix',
      { breachDevices: [{ ip: '198.51.100.9/24' }] },
      'security-ops',
    ],
    ['a hostname that is an IP address', { device: { hostname: '10.20.1.1' } }, 'build-infra'],
    ['no match: the default owner', { device: { ip: '203.0.113.5', hostname: 'elsewhere' } }, 'unassigned'],
    ['a body without devices: the default owner', { alert_name: 'Probe Down' }, 'unassigned'],
  ])('finds the owner by %s', async (_case, body, owner) => {
    expect(owners(await tag([body]))).toEqual([owner]);
  });

  it('matches IPv6 ranges and sets a custom attribute, leaving unmatched alerts untagged without a default', async () => {
    const { config, issues } = await configFrom(
      ['    attribute: team', '    cidrs:', "      '2001:db8:10::/48': platform"].join('\n'),
    );
    expect(issues).toEqual([]);
    const records = await tag(
      [{ device: { ip6: '2001:db8:10::17' } }, { device: { ip: '10.0.0.1' } }, 'not an alert'],
      config,
    );
    expect(records.map((r) => r.attributes)).toEqual([{ seq: 0, team: 'platform' }, { seq: 1 }, { seq: 2 }]);
  });

  it('rejects a malformed range and an empty team in pipelines.yaml, at their lines', async () => {
    const { issues } = await configFrom(
      ['    cidrs:', '      10.20.0.0/33: platform', '    hostnames:', "      web.corp.example: ''"].join(
        '\n',
      ),
    );
    expect(issues).toEqual([
      '6:7 cidrs.10.20.0.0/33: invalid key "10.20.0.0/33"; expected an IPv4 or IPv6 CIDR range such as 10.20.0.0/16',
      '8:25 hostnames.web.corp.example: must NOT have fewer than 1 characters',
    ]);
  });
});

const corpus = path.resolve(repoRoot, '../shared/corpus');
const corpusPresent = existsSync(corpus);
if (!corpusPresent) console.warn(`owner-tags: ${corpus} is absent; skipping the real-alert test.`);

describe.skipIf(!corpusPresent)('owner-tags on the Elastic Darktrace corpus', () => {
  /** JSON bodies of a corpus .log file: each line's JSON starts at its first `{`. */
  const alerts = (relative: string): unknown[] =>
    readFileSync(path.join(corpus, relative), 'utf8')
      .split('\n')
      .filter((line) => line.includes('{'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as unknown);

  it('finds the devices of real model breaches, AI Analyst events and system status alerts', async () => {
    const { config, issues } = await configFrom(
      [
        '    hostnames:',
        '      test-device.example.com: qa',
        '    cidrs:',
        '      81.2.69.0/24: dmz',
        '      175.16.199.0/24: lab',
        '      192.168.0.0/16: office',
      ].join('\n'),
    );
    expect(issues).toEqual([]);
    const tagged = async (relative: string): Promise<unknown[]> =>
      owners(await tag(alerts(relative), config));
    expect(await tagged('elastic/model_breach_alert/test-model-breach-alert.log')).toEqual([
      undefined, // the system itself (did -1): no address
      'dmz', // device.ip wins over the ips history and a hostname that is an address
      'dmz',
      'qa', // test alerts name test-device.example.com
      'qa',
      undefined,
      undefined,
      undefined,
      undefined,
      'office',
      undefined,
    ]);
    expect(await tagged('elastic/ai_analyst_alert/test-ai-analyst-alert.log')).toEqual(['dmz', 'lab']);
    expect(await tagged('elastic/system_status_alert/test-system-status-alert.log')).toEqual(['lab', 'lab']);
  });
});
