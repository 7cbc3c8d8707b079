import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DarktraceFilterConfig } from '../../../processors/darktrace-filter/options.js';
import { darktraceAlertKinds } from '../../../processors/darktrace-filter/options.js';
import type { DropReason } from '../../../processors/darktrace-filter/predicate.js';
import {
  compileDarktraceFilter,
  DarktraceFilterConfigError,
  darktraceFilterDropReasons,
  validateDarktraceFilterConfig,
} from '../../../processors/darktrace-filter/predicate.js';
import type { AlertFixture, FixtureName } from './fixtures.js';
import { fixtures } from './fixtures.js';

type Row = readonly [
  label: string,
  config: DarktraceFilterConfig,
  alert: FixtureName | AlertFixture,
  expected: DropReason | undefined,
];

const breach = (alert: object): AlertFixture => ({ kind: 'model_breach', alert });
const KEEP = undefined;

// One table per config key. Each row: what it shows, the config, the alert, the expected verdict.
const tables: Record<string, readonly Row[]> = {
  kinds: [
    ['keeps a listed kind', { kinds: ['model_breach'] }, 'breachFlat', KEEP],
    [
      'drops an AI Analyst event when only breaches are listed',
      { kinds: ['model_breach'] },
      'aiCritical',
      'kind',
    ],
    [
      'drops a system alert when it is not listed',
      { kinds: ['model_breach', 'ai_analyst'] },
      'systemActive',
      'kind',
    ],
    ['drops an email alert when it is not listed', { kinds: ['system_status'] }, 'emailLegacy', 'kind'],
    ['drops unclassified payloads when unknown is not listed', { kinds: ['email'] }, 'unknownAlert', 'kind'],
    ['keeps unclassified payloads when unknown is listed', { kinds: ['unknown'] }, 'unknownAlert', KEEP],
    ['drops everything when no kind is listed', { kinds: [] }, 'breachTest', 'kind'],
    ['keeps every kind by default', {}, 'unknownAlert', KEEP],
  ],
  min_score: [
    [
      'keeps a breach above the 0-100 threshold (0.82 vs 80)',
      { model_breach: { min_score: 80 } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops a breach below it (0.35 vs 80)',
      { model_breach: { min_score: 80 } },
      'breachThenNow',
      'min_score',
    ],
    [
      'keeps a test alert whose score is the integer 1',
      { model_breach: { min_score: 100 } },
      'breachTest',
      KEEP,
    ],
    ['keeps a score exactly at the threshold', { model_breach: { min_score: 41 } }, 'breachNewer', KEEP],
    [
      'keeps 0.57 at 57 despite 0.57 * 100 < 57',
      { model_breach: { min_score: 57 } },
      breach({ score: 0.57 }),
      KEEP,
    ],
    ['drops 0.569 at 57', { model_breach: { min_score: 57 } }, breach({ score: 0.569 }), 'min_score'],
    [
      'reads percentscore when score is absent',
      { model_breach: { min_score: 55 } },
      'breachPercentOnly',
      KEEP,
    ],
    [
      'compares percentscore on the same scale',
      { model_breach: { min_score: 56 } },
      'breachPercentOnly',
      'min_score',
    ],
    ['uses score, not pbscore, by default', { model_breach: { min_score: 60 } }, 'breachNewer', 'min_score'],
    [
      'uses pbscore when score_field says so',
      { model_breach: { min_score: 60, score_field: 'pbscore' } },
      'breachNewer',
      KEEP,
    ],
    [
      'falls back to score when pbscore is absent',
      { model_breach: { min_score: 80, score_field: 'pbscore' } },
      'breachFlat',
      KEEP,
    ],
    ['accepts a numeric-string score', { model_breach: { min_score: 50 } }, breach({ score: '0.5' }), KEEP],
    [
      'drops a breach without any score',
      { model_breach: { min_score: 10 } },
      breach({ model: {} }),
      'min_score',
    ],
    [
      'keeps a breach without any score when off',
      { model_breach: { min_score: 0 } },
      breach({ model: {} }),
      KEEP,
    ],
    ['does not apply to AI Analyst events', { model_breach: { min_score: 90 } }, 'aiSuspicious', KEEP],
  ],
  min_priority: [
    ['keeps a model priority above the minimum', { model_breach: { min_priority: 3 } }, 'breachFlat', KEEP],
    ['reads the priority from model.now', { model_breach: { min_priority: 2 } }, 'breachThenNow', KEEP],
    ['drops below the minimum', { model_breach: { min_priority: 3 } }, 'breachThenNow', 'min_priority'],
    ['falls back to model.then', { model_breach: { min_priority: 3 } }, 'breachThenOnly', KEEP],
    [
      'drops a test alert without a priority',
      { model_breach: { min_priority: 1 } },
      'breachTest',
      'min_priority',
    ],
    ['drops priority 0 at minimum 1', { model_breach: { min_priority: 1 } }, 'breachMinimal', 'min_priority'],
    ['does not apply to system alerts', { model_breach: { min_priority: 5 } }, 'systemActive', KEEP],
  ],
  behaviours: [
    [
      'keeps a listed category (title case in the payload)',
      { model_breach: { behaviours: ['critical'] } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops an unlisted category',
      { model_breach: { behaviours: ['critical'] } },
      'breachNewer',
      'behaviours',
    ],
    [
      'reads the category from model.now',
      { model_breach: { behaviours: ['compliance'] } },
      'breachThenNow',
      KEEP,
    ],
    [
      'keeps any of several listed categories',
      { model_breach: { behaviours: ['suspicious', 'informational'] } },
      'breachMinimal',
      KEEP,
    ],
    [
      'accepts a lower-case category',
      { model_breach: { behaviours: ['critical'] } },
      breach({ model: { category: 'critical' } }),
      KEEP,
    ],
    [
      'accepts an upper-case category',
      { model_breach: { behaviours: ['suspicious'] } },
      breach({ model: { category: 'SUSPICIOUS' } }),
      KEEP,
    ],
    [
      'drops a breach without a category when narrowed',
      { model_breach: { behaviours: ['critical'] } },
      'breachTest',
      'behaviours',
    ],
    [
      'keeps a breach without a category when all four are listed',
      { model_breach: { behaviours: ['critical', 'suspicious', 'compliance', 'informational'] } },
      'breachTest',
      KEEP,
    ],
  ],
  model_names: [
    [
      'keeps a name matching an include glob',
      { model_breach: { model_names: { include: ['Anomalous Connection::*'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops a name matching no include glob',
      { model_breach: { model_names: { include: ['Anomalous Connection::*'] } } },
      'breachNewer',
      'model_names',
    ],
    [
      'matches globs ignoring case',
      { model_breach: { model_names: { include: ['anomalous connection::data sent to rare domain'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'treats regex characters in a glob literally',
      { model_breach: { model_names: { include: ['*::Remote Desktop (RDP) Outbound'] } } },
      'breachThenNow',
      KEEP,
    ],
    [
      'matches the current (now) name, not the old one',
      { model_breach: { model_names: { include: ['Compliance::Old*'] } } },
      'breachThenNow',
      'model_names',
    ],
    [
      'supports ? for one character',
      { model_breach: { model_names: { include: ['Device::New Devic?'] } } },
      'breachMinimal',
      KEEP,
    ],
    [
      'makes an escaped star literal',
      { model_breach: { model_names: { include: ['Device::\\*'] } } },
      'breachThenOnly',
      'model_names',
    ],
    [
      'searches a /regex/ anywhere in the name',
      { model_breach: { model_names: { include: ['/Beacon to Young/'] } } },
      'breachPercentOnly',
      KEEP,
    ],
    [
      'keeps regexes case-sensitive and anchored as written',
      { model_breach: { model_names: { include: ['/^beacon/'] } } },
      'breachPercentOnly',
      'model_names',
    ],
    [
      'honours regex flags',
      { model_breach: { model_names: { include: ['/^compromise::/i'] } } },
      'breachPercentOnly',
      KEEP,
    ],
    [
      'drops a name matching an exclude pattern',
      { model_breach: { model_names: { exclude: ['Unrestricted Test Model'] } } },
      'breachTest',
      'model_names',
    ],
    [
      'keeps a name matching no exclude pattern',
      { model_breach: { model_names: { exclude: ['Unrestricted Test Model'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'lets exclude win over include',
      { model_breach: { model_names: { include: ['Device::*'], exclude: ['*New Device'] } } },
      'breachMinimal',
      'model_names',
    ],
    [
      'keeps what include allows and exclude does not name',
      { model_breach: { model_names: { include: ['Device::*'], exclude: ['*New Device'] } } },
      'breachThenOnly',
      KEEP,
    ],
    [
      'drops a breach without a model name under include',
      { model_breach: { model_names: { include: ['*'] } } },
      breach({ model: {} }),
      'model_names',
    ],
    [
      'keeps a breach without a model name under exclude only',
      { model_breach: { model_names: { exclude: ['*'] } } },
      breach({ model: {} }),
      KEEP,
    ],
  ],
  model_tags: [
    [
      'keeps a breach with a tag matching include',
      { model_breach: { model_tags: { include: ['AP: *'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'reads tags from model.now',
      { model_breach: { model_tags: { include: ['compliance'] } } },
      'breachThenNow',
      KEEP,
    ],
    [
      'drops a breach whose tags all miss include',
      { model_breach: { model_tags: { include: ['AP: *'] } } },
      'breachThenNow',
      'model_tags',
    ],
    [
      'drops a breach without tags under include',
      { model_breach: { model_tags: { include: ['AP: *'] } } },
      'breachTest',
      'model_tags',
    ],
    [
      'drops a breach with any excluded tag',
      { model_breach: { model_tags: { exclude: ['team: finance'] } } },
      'breachFlat',
      'model_tags',
    ],
    [
      'checks model.then tags when there is no now',
      { model_breach: { model_tags: { exclude: ['Recon'] } } },
      'breachThenOnly',
      'model_tags',
    ],
  ],
  device_ips: [
    [
      'keeps a device inside an included IPv4 block',
      { model_breach: { device_ips: { include: ['10.20.30.0/24'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops a device outside every included block',
      { model_breach: { device_ips: { include: ['10.20.30.0/24'] } } },
      'breachThenNow',
      'device_ips',
    ],
    [
      'drops a device without an address under include',
      { model_breach: { device_ips: { include: ['10.20.30.0/24'] } } },
      'breachMinimal',
      'device_ips',
    ],
    [
      'matches a bare address against device.ips history',
      { model_breach: { device_ips: { include: ['10.20.30.41'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'matches device.ip6 against an IPv6 block',
      { model_breach: { device_ips: { include: ['2001:db8:10::/48'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops when only a neighbouring IPv6 block is included',
      { model_breach: { device_ips: { include: ['2001:db8:11::/48'] } } },
      'breachThenNow',
      'device_ips',
    ],
    [
      'matches an IPv4-mapped device address as IPv4',
      { model_breach: { device_ips: { include: ['198.51.100.0/24'] } } },
      'breachNewer',
      KEEP,
    ],
    [
      'matches a ::ffff: block against a mapped address',
      { model_breach: { device_ips: { include: ['::ffff:198.51.100.0/120'] } } },
      'breachNewer',
      KEEP,
    ],
    [
      'matches a ::ffff: block against a plain IPv4 address',
      { model_breach: { device_ips: { include: ['::ffff:198.51.100.0/120'] } } },
      breach({ device: { ip: '198.51.100.9' } }),
      KEEP,
    ],
    [
      'drops a device inside an excluded block',
      { model_breach: { device_ips: { exclude: ['10.0.0.0/8'] } } },
      'breachFlat',
      'device_ips',
    ],
    [
      'drops when only device.ip is excluded',
      { model_breach: { device_ips: { exclude: ['192.0.2.17'] } } },
      'breachThenNow',
      'device_ips',
    ],
    [
      'drops when only device.ip6 is excluded',
      { model_breach: { device_ips: { exclude: ['2001:db8:10::/48'] } } },
      'breachFlat',
      'device_ips',
    ],
    [
      'keeps a device outside the excluded blocks',
      { model_breach: { device_ips: { exclude: ['10.0.0.0/8'] } } },
      'breachThenNow',
      KEEP,
    ],
    [
      'keeps a device without an address under exclude only',
      { model_breach: { device_ips: { exclude: ['10.0.0.0/8'] } } },
      'breachMinimal',
      KEEP,
    ],
    [
      'lets exclude win over include',
      { model_breach: { device_ips: { include: ['192.0.2.0/24'], exclude: ['192.0.2.17'] } } },
      'breachThenNow',
      'device_ips',
    ],
    [
      'keeps what include allows and exclude does not cover',
      { model_breach: { device_ips: { include: ['192.0.2.0/24'], exclude: ['192.0.2.17'] } } },
      'breachThenOnly',
      KEEP,
    ],
    [
      'treats /0 as every IPv4 address',
      { model_breach: { device_ips: { include: ['0.0.0.0/0'] } } },
      'breachTest',
      KEEP,
    ],
    [
      'drops an excluded ::/0 IPv6 address',
      { model_breach: { device_ips: { exclude: ['::/0'] } } },
      'breachFlat',
      'device_ips',
    ],
    [
      'ignores values that are not addresses',
      { model_breach: { device_ips: { include: ['0.0.0.0/0'] } } },
      breach({
        device: { ip: 'not-an-ip', ip6: '1:2:3:4:5:6:7:8:9', ips: [{ ip: 12 }, { ip: '999.1.1.1' }, null] },
      }),
      'device_ips',
    ],
    [
      'strips an IPv6 zone index',
      { model_breach: { device_ips: { include: ['fe80::/10'] } } },
      breach({ device: { ip6: 'fe80::1%eth0' } }),
      KEEP,
    ],
  ],
  device_tags: [
    [
      'keeps a device with an included tag',
      { model_breach: { device_tags: { include: ['Finance'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'drops a device without tags under include',
      { model_breach: { device_tags: { include: ['Finance'] } } },
      'breachThenNow',
      'device_tags',
    ],
    [
      'drops a device with an excluded tag',
      { model_breach: { device_tags: { exclude: ['serv*'] } } },
      'breachFlat',
      'device_tags',
    ],
    [
      'accepts regex tag patterns',
      { model_breach: { device_tags: { include: ['/^Fin/'] } } },
      'breachFlat',
      KEEP,
    ],
    [
      'accepts tags given as plain strings',
      { model_breach: { device_tags: { include: ['lab'] } } },
      breach({ device: { tags: ['Lab'] } }),
      KEEP,
    ],
  ],
  min_event_score: [
    ['keeps an event at or above the minimum', { ai_analyst: { min_event_score: 90 } }, 'aiCritical', KEEP],
    ['drops an event below it', { ai_analyst: { min_event_score: 90 } }, 'aiSuspicious', 'min_event_score'],
    [
      'keeps a fractional score exactly at the minimum',
      { ai_analyst: { min_event_score: 38.5 } },
      'aiSuspicious',
      KEEP,
    ],
    [
      'drops an event whose score is not a number',
      { ai_analyst: { min_event_score: 1 } },
      'aiNoScores',
      'min_event_score',
    ],
    [
      'accepts a numeric-string score',
      { ai_analyst: { min_event_score: 60 } },
      { kind: 'ai_analyst', alert: { aiaScore: '64' } },
      KEEP,
    ],
    ['does not apply to breaches', { ai_analyst: { min_event_score: 90 } }, 'breachMinimal', KEEP],
  ],
  min_incident_score: [
    [
      'keeps an incident whose numeric-string score reaches the minimum',
      { ai_analyst: { min_incident_score: 75 } },
      'aiCritical',
      KEEP,
    ],
    [
      'drops one just below ("77.5" vs 78)',
      { ai_analyst: { min_incident_score: 78 } },
      'aiCritical',
      'min_incident_score',
    ],
    [
      'drops a float score below the minimum',
      { ai_analyst: { min_incident_score: 75 } },
      'aiSuspicious',
      'min_incident_score',
    ],
    [
      'drops an event without a group score',
      { ai_analyst: { min_incident_score: 1 } },
      'aiNoScores',
      'min_incident_score',
    ],
  ],
  event_behaviours: [
    ['keeps a listed event category', { ai_analyst: { event_behaviours: ['critical'] } }, 'aiCritical', KEEP],
    [
      'drops an unlisted event category',
      { ai_analyst: { event_behaviours: ['critical'] } },
      'aiSuspicious',
      'event_behaviours',
    ],
    [
      'keeps any listed category',
      { ai_analyst: { event_behaviours: ['suspicious', 'compliance'] } },
      'aiSuspicious',
      KEEP,
    ],
  ],
  incident_behaviours: [
    [
      'reads the incident category, not the event one',
      { ai_analyst: { incident_behaviours: ['compliance'] } },
      'aiSuspicious',
      KEEP,
    ],
    [
      'drops an unlisted incident category',
      { ai_analyst: { incident_behaviours: ['compliance'] } },
      'aiCritical',
      'incident_behaviours',
    ],
    [
      'drops an event without an incident category',
      { ai_analyst: { incident_behaviours: ['critical'] } },
      'aiNoScores',
      'incident_behaviours',
    ],
  ],
  'ai_analyst device_ips': [
    [
      'ignores a /24 suffix on breach device addresses',
      { ai_analyst: { device_ips: { include: ['198.51.100.0/24'] } } },
      'aiSuspicious',
      KEEP,
    ],
    [
      'drops when no breach device is included',
      { ai_analyst: { device_ips: { include: ['10.0.0.0/8'] } } },
      'aiSuspicious',
      'device_ips',
    ],
    [
      'keeps when a breach device is included',
      { ai_analyst: { device_ips: { include: ['10.0.0.0/8'] } } },
      'aiCritical',
      KEEP,
    ],
    [
      'drops an excluded breach device',
      { ai_analyst: { device_ips: { exclude: ['10.20.30.40'] } } },
      'aiCritical',
      'device_ips',
    ],
    [
      'drops an event without breach devices under include',
      { ai_analyst: { device_ips: { include: ['10.0.0.0/8'] } } },
      'aiNoScores',
      'device_ips',
    ],
    [
      'does not reuse the breach device filter',
      { model_breach: { device_ips: { include: ['10.0.0.0/8'] } } },
      'aiSuspicious',
      KEEP,
    ],
  ],
  'system_status min_priority': [
    [
      'drops a system alert below the minimum',
      { system_status: { min_priority: 50 } },
      'systemActive',
      'min_priority',
    ],
    ['keeps one above it', { system_status: { min_priority: 50 } }, 'systemResolved', KEEP],
    ['keeps one exactly at it', { system_status: { min_priority: 35 } }, 'systemActive', KEEP],
    [
      'falls back to the lower bound of priority_level (high = 61)',
      { system_status: { min_priority: 61 } },
      'systemLevelOnly',
      KEEP,
    ],
    [
      'drops a band whose lower bound is below the minimum',
      { system_status: { min_priority: 62 } },
      'systemLevelOnly',
      'min_priority',
    ],
    ['does not apply to breaches', { system_status: { min_priority: 100 } }, 'breachMinimal', KEEP],
  ],
  include_resolved: [
    [
      'drops a resolved alert (any case) when false',
      { system_status: { include_resolved: false } },
      'systemResolved',
      'include_resolved',
    ],
    [
      'keeps an active alert when false',
      { system_status: { include_resolved: false } },
      'systemActive',
      KEEP,
    ],
    [
      'keeps an Active alert when false',
      { system_status: { include_resolved: false } },
      'systemLevelOnly',
      KEEP,
    ],
    [
      'keeps a resolved alert when true',
      { system_status: { include_resolved: true } },
      'systemResolved',
      KEEP,
    ],
  ],
  min_anomaly_score: [
    [
      'keeps an email at or above the minimum (anomaly_score)',
      { email: { min_anomaly_score: 80 } },
      'emailLegacy',
      KEEP,
    ],
    [
      'drops an email below it (anomalyScore)',
      { email: { min_anomaly_score: 80 } },
      'emailStream',
      'min_anomaly_score',
    ],
    ['reads anomalyScore', { email: { min_anomaly_score: 20 } }, 'emailStream', KEEP],
    [
      'drops an email without a score',
      { email: { min_anomaly_score: 10 } },
      { kind: 'email', alert: { uuid: 'x' } },
      'min_anomaly_score',
    ],
  ],
};

describe('compileDarktraceFilter', () => {
  describe.each(Object.entries(tables))('%s', (_key, rows) => {
    it.each(rows)('%s', (_label, config, alert, expected) => {
      const { kind, alert: payload } = typeof alert === 'string' ? fixtures[alert] : alert;
      expect(compileDarktraceFilter(config)(kind, payload)).toBe(expected);
    });
  });

  it('keeps every fixture with an empty config', () => {
    const keep = compileDarktraceFilter({});
    for (const { kind, alert } of Object.values(fixtures)) expect(keep(kind, alert)).toBeUndefined();
  });

  it('reports the first failing check in a fixed order (score before category)', () => {
    const filter = compileDarktraceFilter({ model_breach: { min_score: 99, behaviours: ['critical'] } });
    expect(filter('model_breach', fixtures.breachNewer.alert)).toBe('min_score');
  });

  it('only returns documented drop reasons', () => {
    const filter = compileDarktraceFilter({
      kinds: ['model_breach', 'ai_analyst', 'system_status', 'email'],
      model_breach: { min_score: 90, min_priority: 5, behaviours: ['critical'] },
      ai_analyst: { min_event_score: 99, min_incident_score: 99 },
      system_status: { min_priority: 99, include_resolved: false },
      email: { min_anomaly_score: 99 },
    });
    for (const { kind, alert } of Object.values(fixtures)) {
      const reason = filter(kind, alert);
      expect(reason).toBeDefined();
      expect(darktraceFilterDropReasons).toContain(reason);
    }
  });

  it('treats payloads that are not objects as alerts without fields', () => {
    const filter = compileDarktraceFilter({ model_breach: { min_score: 1 } });
    expect(filter('model_breach', 'a string')).toBe('min_score');
    expect(filter('model_breach', null)).toBe('min_score');
    expect(filter('model_breach', [1, 2])).toBe('min_score');
    expect(compileDarktraceFilter({})('model_breach', undefined)).toBeUndefined();
  });

  it('does not read inherited properties of the payload', () => {
    const filter = compileDarktraceFilter({ model_breach: { min_score: 10 } });
    const inherited = Object.create({ score: 0.9 }) as object;
    expect(filter('model_breach', inherited)).toBe('min_score');
  });

  it('is unaffected by changes to the config after compiling', () => {
    const include = ['10.20.30.0/24'];
    const filter = compileDarktraceFilter({ model_breach: { device_ips: { include } } });
    include.push('192.0.2.0/24');
    expect(filter('model_breach', fixtures.breachThenNow.alert)).toBe('device_ips');
  });

  it('never throws, whatever the payload', () => {
    const filter = compileDarktraceFilter({
      model_breach: {
        min_score: 10,
        min_priority: 1,
        behaviours: ['critical'],
        model_names: { include: ['*'], exclude: ['/x/'] },
        model_tags: { include: ['*'] },
        device_ips: { include: ['0.0.0.0/0', '::/0'], exclude: ['10.0.0.0/8'] },
        device_tags: { exclude: ['a*'] },
      },
      ai_analyst: {
        min_event_score: 1,
        min_incident_score: 1,
        event_behaviours: ['critical'],
        device_ips: { include: ['0.0.0.0/0'] },
      },
      system_status: { min_priority: 1, include_resolved: false },
      email: { min_anomaly_score: 1 },
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...darktraceAlertKinds),
        fc.anything({
          withNullPrototype: true,
          withTypedArray: true,
          withBigInt: true,
          withSparseArray: true,
        }),
        (kind, alert) => {
          const reason = filter(kind, alert);
          expect(reason === undefined || darktraceFilterDropReasons.includes(reason)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('validateDarktraceFilterConfig', () => {
  it('accepts addresses and blocks in every valid spelling', () => {
    const good = [
      '10.0.0.0/8',
      '192.0.2.1',
      '0.0.0.0/0',
      '::',
      '::1',
      '1::',
      '::/0',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7::',
      'FE80::1/64',
      '::ffff:1.2.3.4',
      '64:ff9b::192.0.2.1/120',
      '2001:db8::/32',
    ];
    expect(validateDarktraceFilterConfig({ model_breach: { device_ips: { include: good } } })).toEqual([]);
  });

  it.each([
    ['10.0.0.0/33'],
    ['::/129'],
    ['10.0.0.0/'],
    ['10.0.0.0/abc'],
    ['256.0.0.1'],
    ['1.2.3'],
    ['1.2.3.4.5'],
    ['1::2::3'],
    ['12345::'],
    [':1'],
    ['1:'],
    ['1:2:3:4:5:6:7:8:9'],
    ['1:2:3:4:5:6:7'],
    ['1:2:3:4'],
    ['1::2:3:4:5:6:7:8'],
    ['example.com'],
  ])('reports %s as a bad address block, with its path', (entry) => {
    const problems = validateDarktraceFilterConfig({
      ai_analyst: { device_ips: { exclude: ['10.0.0.0/8', entry] } },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toEqual(['ai_analyst', 'device_ips', 'exclude', 1]);
    expect(problems[0]?.message).toContain(entry);
  });

  it('reports an invalid regular expression', () => {
    const problems = validateDarktraceFilterConfig({
      model_breach: { model_names: { include: ['/(unclosed/'] } },
    });
    expect(problems).toEqual([
      {
        path: ['model_breach', 'model_names', 'include', 0],
        message: expect.stringContaining('invalid regular expression'),
      },
    ]);
  });

  it('rejects the stateful g and y regex flags', () => {
    const problems = validateDarktraceFilterConfig({
      model_breach: { device_tags: { exclude: ['/a/g', '/b/y'] } },
    });
    expect(problems.map((p) => p.path.at(-1))).toEqual([0, 1]);
    expect(problems[0]?.message).toContain('"g"');
  });

  it('makes compileDarktraceFilter throw an error with a code and every problem', () => {
    const config: DarktraceFilterConfig = {
      model_breach: { device_ips: { include: ['nope'] }, model_tags: { include: ['/[/'] } },
    };
    expect(() => compileDarktraceFilter(config)).toThrow(DarktraceFilterConfigError);
    try {
      compileDarktraceFilter(config);
    } catch (err) {
      expect((err as DarktraceFilterConfigError).code).toBe('ERR_CONFIG_INVALID');
      expect((err as DarktraceFilterConfigError).problems).toHaveLength(2);
      expect((err as Error).message).toContain('model_breach::device_ips::include[0]');
    }
  });
});
