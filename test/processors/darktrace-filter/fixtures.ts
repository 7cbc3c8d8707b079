// Small Darktrace alerts written for these tests. The shapes follow reference/darktrace.md §3 and §8 (flat
// and then/now models, newer score fields, numeric-string AI scores, mixed-case statuses); every value is
// invented, with documentation addresses (RFC 5737, RFC 3849) and private ranges.
import type { DarktraceAlertKind } from '../../../processors/darktrace-filter/options.js';

export interface AlertFixture {
  readonly kind: DarktraceAlertKind;
  readonly alert: unknown;
}

const tag = (tid: number, name: string) => ({
  tid,
  thid: tid,
  name,
  expiry: 0,
  restricted: false,
  isReferenced: true,
  data: { auto: false, color: 120, description: '' },
});

/** Syslog / historicmodelonly shape: flat model, full device. */
export const breachFlat: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9001,
    time: 1714566001234,
    creationTime: 1714566003000,
    commentCount: 0,
    score: 0.82,
    breachUrl: 'https://dt.example.com/#modelbreach/9001',
    mitreTechniques: [{ technique: 'Exfiltration Over C2 Channel', techniqueID: 'T1041' }],
    model: {
      name: 'Anomalous Connection::Data Sent to Rare Domain',
      pid: 310,
      phid: 4411,
      uuid: '1111aaaa-2222-bbbb-3333-cccc4444dddd',
      priority: 4,
      category: 'Critical',
      compliance: false,
      tags: ['AP: Exfiltration', 'Team: Finance'],
    },
    device: {
      did: 42,
      ip: '10.20.30.40',
      ip6: '2001:db8:10::40',
      ips: [{ ip: '10.20.30.41', timems: 1714560000000, time: '2024-05-01 10:40:00', sid: 3 }],
      sid: 3,
      hostname: 'fin-laptop-7',
      tags: [tag(12, 'Server'), tag(19, 'Finance')],
    },
    triggeredComponents: [
      { time: 1714566001000, cid: 900, metric: { mlid: 1, name: 'externalconnections' } },
    ],
  },
};

/** REST shape without historicmodelonly: model.then / model.now, the current definition in now. */
export const breachThenNow: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9002,
    time: 1714566100000,
    creationTime: 1714566105000,
    score: 0.35,
    model: {
      then: { name: 'Compliance::Old Remote Desktop', priority: 1, category: 'Informational', tags: [] },
      now: {
        name: 'Compliance::Remote Desktop (RDP) Outbound',
        priority: 2,
        category: 'Compliance',
        tags: ['Compliance'],
      },
    },
    device: { did: 77, ip: '192.0.2.17', sid: 1 },
    triggeredComponents: [],
  },
};

/** A REST breach that only carries model.then. */
export const breachThenOnly: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9003,
    time: 1714566200000,
    score: 0.6,
    model: {
      then: { name: 'Device::Unusual Port Scan', priority: 3, category: 'Suspicious', tags: ['Recon'] },
    },
    device: { did: 78, ip: '192.0.2.18' },
  },
};

/** Newer appliance: score and percentscore follow the device score, pbscore is separate (corpus MB 10-11). */
export const breachNewer: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9004,
    time: 1733800000000,
    creationTime: 1733800010000,
    acknowledged: { time: 1733800500000, username: 'analyst@example.com' },
    score: 0.41,
    pbscore: 0.66,
    percentscore: 41,
    devicescore: 0.41,
    devicepercentscore: 41,
    did: 5150,
    model: {
      name: 'Antigena::Network::Significant Anomaly::Antigena Alerts Over Time Block',
      priority: 3,
      category: 'Suspicious',
      tags: [],
      mitre: { tactics: ['impact'], techniques: ['T1499'] },
    },
    device: { did: 5150, ip: '::ffff:198.51.100.7', sid: -4, typename: 'desktop' },
  },
};

/** Only the 0-100 percentscore is present. */
export const breachPercentOnly: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9005,
    time: 1733800100000,
    percentscore: 55,
    model: { name: 'Compromise::Beacon to Young Endpoint', priority: 2, category: 'Suspicious', tags: [] },
    device: { did: 9, ip: '172.16.5.9' },
  },
};

/** Darktrace's test alert: model holds only a name, no category or priority, score is the integer 1. */
export const breachTest: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 123,
    time: 1714566300456,
    creationTime: 1714566300000,
    score: 1,
    breachUrl: '',
    model: { name: 'Unrestricted Test Model' },
    device: { ip: '203.0.113.5' },
    triggeredComponents: [{ metric: { label: 'Test' }, triggeredFilters: [] }],
  },
};

/** Reduced Message Size output: no device address, empty component. */
export const breachMinimal: AlertFixture = {
  kind: 'model_breach',
  alert: {
    pbid: 9006,
    time: 1714566400000,
    score: 0.2,
    model: { name: 'Device::New Device', priority: 0, category: 'Informational', tags: [] },
    device: { did: -1 },
    triggeredComponents: [{}],
  },
};

/** AI Analyst event with a numeric-string incident score (corpus AI 1 does the same). */
export const aiCritical: AlertFixture = {
  kind: 'ai_analyst',
  alert: {
    id: 'aaaa1111-bbbb-2222-cccc-3333dddd4444',
    summariser: 'BeaconSummary',
    title: 'Possible HTTP Command and Control',
    createdAt: 1714566500000,
    aiaScore: 91,
    groupScore: '77.5',
    category: 'critical',
    groupCategory: 'critical',
    currentGroup: 'gaaaa1111-bbbb-2222-cccc-3333dddd0000',
    groupPreviousGroups: null,
    breachDevices: [
      { identifier: 'fin-laptop-7', hostname: 'fin-laptop-7', ip: '10.20.30.40', did: 42, sid: 3 },
    ],
    relatedBreaches: [{ modelName: 'Compromise / Beaconing Activity', pbid: 9001, threatScore: 82 }],
  },
};

/** AI Analyst event with float scores, a /24 device address and a device without one. */
export const aiSuspicious: AlertFixture = {
  kind: 'ai_analyst',
  alert: {
    id: 'eeee5555-ffff-6666-aaaa-7777bbbb8888',
    summariser: 'AdminConnSummary',
    title: 'Unusual Administrative Connections',
    createdAt: 1714566600000,
    aiaScore: 38.5,
    groupScore: 12.25,
    category: 'suspicious',
    groupCategory: 'compliance',
    groupPreviousGroups: [],
    breachDevices: [
      { identifier: null, hostname: null, ip: '198.51.100.0/24', did: 61, subnet: 'Lab' },
      { identifier: 'printer', ip: null, did: 62, subnet: null },
    ],
  },
};

/** AI Analyst event whose scores are missing or unreadable. */
export const aiNoScores: AlertFixture = {
  kind: 'ai_analyst',
  alert: {
    id: 'cccc9999-dddd-0000-eeee-1111ffff2222',
    title: 'Scoreless event',
    createdAt: 1714566700000,
    aiaScore: 'high',
    category: 'critical',
    breachDevices: [],
  },
};

/** System status alert, lower-case status, low priority. */
export const systemActive: AlertFixture = {
  kind: 'system_status',
  alert: {
    uuid: '0f0f0f0f-1111-2222-3333-444455556666',
    name: 'advanced_search',
    alert_name: 'Advanced Search',
    status: 'active',
    priority: 35,
    priority_level: 'low',
    hostname: 'dt-master',
    ip_address: '10.0.0.5',
    child_id: null,
    last_updated: 1714566800,
    last_updated_status: 1714566800,
    acknowledge_timeout: null,
    message: 'No Advanced Search hits seen recently.',
  },
};

/** System status alert, resolved with a capital R, critical priority. */
export const systemResolved: AlertFixture = {
  kind: 'system_status',
  alert: {
    uuid: '0f0f0f0f-7777-8888-9999-aaaabbbbcccc',
    name: 'probe_down-2',
    alert_name: 'Probe Down',
    status: 'Resolved',
    priority: 88,
    priority_level: 'critical',
    child_id: 2,
    last_updated: 1714566900.25,
    message: 'The probe has reconnected.',
  },
};

/** System status alert carrying only a priority band. */
export const systemLevelOnly: AlertFixture = {
  kind: 'system_status',
  alert: {
    uuid: '0f0f0f0f-dddd-eeee-ffff-000011112222',
    name: 'disk_space-0',
    alert_name: 'Disk Space',
    status: 'Active',
    priority_level: 'high',
    last_updated: 1714567000,
  },
};

/** Email alert as the legacy Sentinel push sends it (snake_case score). */
export const emailLegacy: AlertFixture = {
  kind: 'email',
  alert: {
    uuid: '3c3c3c3c-4d4d-5e5e-6f6f-707070707070.1',
    anomaly_score: 85,
    direction: 'inbound',
    subject: 'Invoice overdue',
    actions: ['Hold'],
    timestamp: '2024-05-01T12:00:00.000',
  },
};

/** Email alert in the newer stream's camelCase. */
export const emailStream: AlertFixture = {
  kind: 'email',
  alert: { uuid: '8a8a8a8a-9b9b-acac-bdbd-cececececece.2', anomalyScore: 20, direction: 'outbound' },
};

/** A payload no rule recognised. */
export const unknownAlert: AlertFixture = { kind: 'unknown', alert: { hello: 'world' } };

/** Every fixture by name, for tables. */
export const fixtures = {
  breachFlat,
  breachThenNow,
  breachThenOnly,
  breachNewer,
  breachPercentOnly,
  breachTest,
  breachMinimal,
  aiCritical,
  aiSuspicious,
  aiNoScores,
  systemActive,
  systemResolved,
  systemLevelOnly,
  emailLegacy,
  emailStream,
  unknownAlert,
} as const;

/** Fixture name. */
export type FixtureName = keyof typeof fixtures;
