import { describe, expect, it } from 'vitest';
import { createMapper, ecsDuplicateCustomFields } from '../../../processors/darktrace-map/map.js';
import { deepFreeze, fixture, ok, type Loose } from './support.js';

type Doc = Loose;

describe('ecs mapping of model breaches', () => {
  const map = createMapper({ schema: 'ecs' });
  const doc = (name: string): Doc => ok(map('model_breach', deepFreeze(fixture(name)))).body;

  it('maps a flat 2024 breach to ECS fields and the darktrace.model_breach_alert namespace', () => {
    const d = doc('model-breach-flat');
    expect(d['@timestamp']).toBe('2024-06-01T10:00:00.123Z');
    expect(d.event).toMatchObject({
      kind: 'alert',
      category: ['threat', 'network'],
      type: ['info', 'connection'],
      action: 'quarantineDevice',
      severity: 4,
      risk_score: 0.582,
      // Elastic multiplies by 100.0 without rounding.
      risk_score_norm: 0.582 * 100,
      created: '2024-06-01T10:00:04.000Z',
      start: ['2024-06-01T10:00:00.000Z'],
      url: 'https://dt.example.org/#modelbreach/4242',
    });
    expect(d.host).toEqual({
      id: '311',
      hostname: 'ws-311.corp.example.org',
      ip: ['10.20.30.40'],
      mac: ['AA-BB-CC-00-11-22'],
      type: 'laptop',
    });
    expect(d.related).toEqual({
      ip: ['10.20.30.40'],
      hosts: ['ws-311.corp.example.org'],
      user: ['System', 'analyst'],
    });
    expect(d.rule).toMatchObject({
      name: 'Anomalous Connection::Data Sent to Rare Domain',
      version: '9',
      author: ['System'],
    });
    expect(d.threat).toEqual({ technique: { id: ['T1041'], name: ['Exfiltration Over C2 Channel'] } });
  });

  it('maps the newer breach fields: pbscore, device score, acknowledgement object and antigena settings', () => {
    const mb = doc('model-breach-flat').darktrace.model_breach_alert;
    expect(mb.pb_score).toBe(0.61);
    expect(mb.device_score).toBe(0.4);
    expect(mb.is_acknowledged).toBe(true);
    expect(mb.model.actions.antigena).toEqual({
      action: 'quarantineDevice',
      duration: 600,
      is_confirm_by_human_operator: true,
      threshold: 50,
    });
    expect(mb.aianalyst_data).toEqual([
      { uuid: '0f8d2c1e-7a3b-4c5d-9e6f-1a2b3c4d5e6f', related: [4242, 4243], summariser: 'ExfilSummary' },
    ]);
  });

  it('renames nested keys, converts dates and drops empty values like Elastic', () => {
    const mb = doc('model-breach-flat').darktrace.model_breach_alert;
    expect(mb.model.logic).toEqual({
      data_weighted_component_list: [
        { cid: 7001, weight: 1 },
        { cid: 7002, weight: -50 },
      ],
      target_score: 1,
      type: 'weightedComponentList',
      version: 1,
    });
    expect(mb.model.active_times).toEqual({ type: 'exclusions', version: 2 });
    expect(mb.model.modified).toBe('2024-05-20T08:15:30.000Z');
    expect(mb.device.ips).toEqual([
      { ip: '10.20.30.40', timems: '2024-06-01T09:00:00.000Z', time: '2024-06-01T09:00:00.000Z', sid: 14 },
    ]);
    expect(mb.device.tags[0]).toEqual({
      tid: 5,
      thid: 5,
      name: 'Finance',
      expiry: 0,
      restricted: false,
      is_referenced: true,
      data: { auto: false, color: 12, visibility: 'Public' },
    });
    const component = mb.triggered_components[0];
    expect(component.logic.data).toBe('{left=A, right={left=B, right=d1, operator=OR}, operator=AND}');
    expect(component.triggered_filters[1]).toEqual({
      cfid: 2,
      id: 'B',
      filter_type: 'Rare domain',
      comparator_type: '>',
      arguments: { value: 90 },
      trigger: { value: '100' },
    });
    expect(component.triggered_filters[2]).not.toHaveProperty('arguments');
  });

  it('reads model.now from a REST model.then/now breach and keeps REST-only component fields', () => {
    const d = doc('model-breach-then-now');
    expect(d.rule).toMatchObject({
      name: 'Compliance::Remote Desktop to Rare Host',
      version: '4',
      ruleset: ['AP: Lateral'],
    });
    expect(d.darktrace.model_breach_alert.model.phid).toBe(400);
    expect(d.darktrace.model_breach_alert.model.logic.data_component_list).toEqual([8001, 8002]);
    expect(d.darktrace.model_breach_alert.is_acknowledged).toBe(false);
    expect(d.event.kind).toBe('event');
    // One entry per connection component, duplicates kept, as Elastic's script appends.
    expect(d.event.category).toEqual(['network', 'network']);
    expect(d.event.type).toEqual(['info', 'connection', 'connection']);
    expect(d.darktrace.model_breach_alert.triggered_components[0]).toMatchObject({
      ip: '198.51.100.0/24',
      port: 3389,
      device: { did: 12 },
    });
  });

  it('treats an IP-address hostname as an address and takes IPv6 device addresses', () => {
    const d = doc('model-breach-then-now');
    expect(d.host).not.toHaveProperty('hostname');
    expect(d.host.ip).toEqual(['2001:db8::12']);
    expect(d.related.ip).toEqual(['198.51.100.77', '2001:db8::12']);
  });

  it('falls back to model.then and drops the system device id −1', () => {
    const d = doc('model-breach-then-only');
    expect(d.rule.name).toBe('Device::Only Then');
    expect(d.event.kind).toBe('event');
    expect(d).not.toHaveProperty('host');
    expect(d.darktrace.model_breach_alert).not.toHaveProperty('device');
  });

  it('maps a Darktrace test alert with an empty breach URL and a dotted MAC', () => {
    const d = doc('model-breach-test-alert');
    expect(d.event).not.toHaveProperty('url');
    expect(d.event).not.toHaveProperty('kind');
    expect(d.darktrace.model_breach_alert).not.toHaveProperty('breach_url');
    expect(d.host.mac).toEqual(['00-11-22-33-44-55']);
    expect(d.darktrace.model_breach_alert.triggered_components).toEqual([
      {
        metric: { label: 'Test Metric' },
        triggered_filters: [
          {
            comparator_type: 'display',
            filter_type: 'Test Metric Filter',
            trigger: { value: 'Test filter value' },
          },
        ],
      },
    ]);
  });

  it('writes event.original and log.syslog.appname from the raw message when given', () => {
    const alert = fixture('model-breach-test-alert');
    const text = JSON.stringify(alert);
    const tagged: Doc = ok(map('model_breach', alert, `darktrace ${text}`)).body;
    expect(tagged.event.original).toBe(text);
    expect(tagged.log).toEqual({ syslog: { appname: 'darktrace' } });
    const bare: Doc = ok(map('model_breach', alert, text)).body;
    expect(bare.event.original).toBe(text);
    expect(bare).not.toHaveProperty('log');
    expect(ok(map('model_breach', alert)).body['event']).not.toHaveProperty('original');
  });
});

describe('ecs mapping of AI Analyst events', () => {
  const map = createMapper({ schema: 'ecs' });
  const doc = (name: string): Doc => ok(map('ai_analyst', deepFreeze(fixture(name)))).body;

  it('maps the section layout of details and collects related hosts and addresses in pipeline order', () => {
    const d = doc('ai-analyst-sections');
    expect(d.related).toEqual({
      ip: ['10.9.8.7', '10.9.1.5', '10.9.1.6'],
      hosts: ['ws-17.example.org', 'srv-db.example.org'],
    });
    expect(d.host).toEqual({ id: ['17'], hostname: ['ws-17.example.org'], mac: ['02-00-5E-10-00-01'] });
    const values = d.darktrace.ai_analyst_alert.details[0][0].contents[0].values[0];
    expect(values).toEqual({
      did: 17,
      hostname: 'ws-17.example.org',
      ip: '10.9.8.7',
      mac_address: '02-00-5E-10-00-01',
      sid: 3,
    });
    expect(d.darktrace.ai_analyst_alert.details[1][0].contents[2]).toEqual({
      key: 'Connection count',
      type: 'integer',
      values: [12],
    });
  });

  it('maps scores, periods and related breaches', () => {
    const d = doc('ai-analyst-sections');
    expect(d.event).toMatchObject({
      kind: 'alert',
      category: ['threat'],
      type: ['indicator'],
      risk_score: 57.5,
      risk_score_norm: 57.5,
      start: ['2024-05-27T06:06:40.000Z', '2024-05-27T03:20:00.000Z'],
      end: ['2024-05-27T07:30:00.000Z', '2024-05-27T04:43:20.000Z'],
      duration: [5_000_000_000_000, 5_000_000_000_000],
      reason: 'Unusual RDP Connections',
    });
    const ai = d.darktrace.ai_analyst_alert;
    expect(ai.group_score).toBe(81.25);
    expect(ai.attack_phases).toEqual([3, 4]);
    expect(ai).not.toHaveProperty('group_previous_groups');
    expect(ai.breach_devices).toEqual([
      { hostname: 'ws-17.example.org', ip: '10.9.8.7/24', mac_address: '02-00-5E-10-00-01', did: 17, sid: 3 },
    ]);
    expect(ai.related_breaches[1]).toEqual({
      model_name: 'Device / Unusual RDP',
      pbid: 902,
      threat_score: 61,
      timestamp: '2024-05-27T06:23:20.000Z',
    });
    expect(d.rule.name).toEqual(['Compliance / Outgoing RDP', 'Device / Unusual RDP']);
    expect(d.threat.group.id).toBe('g2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d');
  });

  it('keeps the block layout of details and falls back to the activity id as the group', () => {
    const d = doc('ai-analyst-blocks');
    expect(d.event.kind).toBe('event');
    expect(d.event).not.toHaveProperty('category');
    expect(d.threat.group.id).toBe('beefcafe');
    expect(d.host.name).toEqual(['SaaS::Mail: user@example.org']);
    expect(d.darktrace.ai_analyst_alert.details).toEqual(fixture('ai-analyst-blocks')['details']);
    expect(d.darktrace.ai_analyst_alert.incident_event_url).toEqual({
      original: 'https://dt.example.org/#aiaincidentevent/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      scheme: 'https',
      domain: 'dt.example.org',
      path: '/',
      fragment: 'aiaincidentevent/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    });
    expect(d.darktrace.ai_analyst_alert.is_acknowledged).toBe(true);
  });
});

describe('ecs mapping of system status and email alerts', () => {
  const map = createMapper({ schema: 'ecs' });

  it('treats a resolved system alert as an alert and lower-cases its status', () => {
    const d: Doc = ok(map('system_status', fixture('system-status'))).body;
    expect(d['@timestamp']).toBe('2024-05-29T02:33:20.250Z');
    expect(d.event).toMatchObject({
      kind: 'alert',
      type: ['info'],
      risk_score: 71,
      id: '5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e',
    });
    const ssa = d.darktrace.system_status_alert;
    expect(ssa).toMatchObject({
      status: 'resolved',
      child_id: 2,
      last_updated_status: '2024-05-29T02:33:20.000Z',
    });
    expect(ssa.url).toMatchObject({
      domain: 'dt.example.org',
      path: '/sysstatus/5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e',
    });
    expect(ssa).not.toHaveProperty('acknowledge_timeout');
    expect(d.related).toEqual({ hosts: ['dt-master-01'], ip: ['192.0.2.44'] });
  });

  it('maps an email alert to ECS email fields', () => {
    const d: Doc = ok(map('email', fixture('email'))).body;
    expect(d['@timestamp']).toBe('2024-06-03T10:20:30.456Z');
    expect(d.email).toEqual({
      direction: 'inbound',
      from: { address: ['billing@invoices-example.net'] },
      to: { address: ['ap@example.org'] },
      subject: 'Invoice overdue',
    });
    expect(d.event.risk_score).toBe(91);
  });
});

describe('ecsDuplicateCustomFields', () => {
  it('gives Elastic’s default document when dropped: ECS fields stay, darktrace copies go', () => {
    const map = createMapper({ schema: 'ecs', fields: { drop: [...ecsDuplicateCustomFields] } });
    const breach: Doc = ok(map('model_breach', fixture('model-breach-flat'))).body;
    expect(breach.rule.name).toBe('Anomalous Connection::Data Sent to Rare Domain');
    expect(breach.darktrace.model_breach_alert.model).not.toHaveProperty('name');
    expect(breach.darktrace.model_breach_alert).not.toHaveProperty('time');
    expect(breach.darktrace.model_breach_alert.triggered_components[0]).not.toHaveProperty('time');
    expect(breach.event.start).toEqual(['2024-06-01T10:00:00.000Z']);

    const ai: Doc = ok(map('ai_analyst', fixture('ai-analyst-sections'))).body;
    expect(ai.darktrace.ai_analyst_alert).not.toHaveProperty('periods');
    expect(ai.darktrace.ai_analyst_alert.related_breaches[0]).not.toHaveProperty('model_name');
    expect(ai.event.start).toHaveLength(2);
  });
});
