import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type {
  DarktraceAlertKind,
  DarktraceFilterConfig,
} from '../../../processors/darktrace-filter/options.js';
import { compileDarktraceFilter } from '../../../processors/darktrace-filter/predicate.js';

// The Elastic fixtures live outside the repository (reference/darktrace.md §10); they are read, never copied.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus');
const exists = existsSync(corpusDir);
if (!exists) console.warn(`darktrace-filter corpus tests skipped: ${corpusDir} does not exist.`);

const MB = 'elastic/model_breach_alert/test-model-breach-alert.log';
const AI = 'elastic/ai_analyst_alert/test-ai-analyst-alert.log';
const SS = 'elastic/system_status_alert/test-system-status-alert.log';
const MB_SYSLOG = 'elastic/_package/sample_logs/model_breach_alert.log';
const AI_SYSLOG = 'elastic/_package/sample_logs/ai_analyst_alert.log';
const SS_SYSLOG = 'elastic/_package/sample_logs/system_status_alert.log';

/** Kind by the field checks of reference/darktrace.md §6, in that order. */
function kindOf(alert: Record<string, unknown>): DarktraceAlertKind {
  if ('pbid' in alert && 'model' in alert) return 'model_breach';
  if ('aiaScore' in alert) return 'ai_analyst';
  if ('alert_name' in alert || 'priority_level' in alert || 'last_updated' in alert) return 'system_status';
  return 'unknown';
}

/** Alerts of a corpus file with 1-based line numbers; the JSON starts at the first `{` of a line. */
function load(file: string): { line: number; kind: DarktraceAlertKind; alert: Record<string, unknown> }[] {
  return readFileSync(path.join(corpusDir, file), 'utf8')
    .split('\n')
    .map((text, i) => ({ text, line: i + 1 }))
    .filter(({ text }) => text.includes('{'))
    .map(({ text, line }) => {
      const alert = JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>;
      return { line, kind: kindOf(alert), alert };
    });
}

function keptLines(file: string, config: DarktraceFilterConfig): number[] {
  const filter = compileDarktraceFilter(config);
  return load(file)
    .filter(({ kind, alert }) => filter(kind, alert) === undefined)
    .map(({ line }) => line);
}

describe.skipIf(!exists)('compileDarktraceFilter over the Elastic corpus', () => {
  it.each([
    [MB, 11, 'model_breach'],
    [AI, 2, 'ai_analyst'],
    [SS, 2, 'system_status'],
    [MB_SYSLOG, 4, 'model_breach'],
    [AI_SYSLOG, 2, 'ai_analyst'],
    [SS_SYSLOG, 2, 'system_status'],
  ])('reads every line of %s as %i alerts of one kind', (file, count, kind) => {
    const alerts = load(file);
    expect(alerts).toHaveLength(count);
    expect(new Set(alerts.map((a) => a.kind))).toEqual(new Set([kind]));
  });

  // Expected line numbers were worked out by hand from the payloads (scores, categories, tags, addresses).
  it.each<[string, string, DarktraceFilterConfig, number[]]>([
    ['keeps everything with an empty config', MB, {}, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
    ['drops breaches of another kind', MB, { kinds: ['system_status'] }, []],
    [
      'min_score 50 drops the 2024 payloads (0.476, 0.439)',
      MB,
      { model_breach: { min_score: 50 } },
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    ],
    ['min_score 80 keeps 0.871 and the test alerts (1)', MB, { model_breach: { min_score: 80 } }, [2, 4, 5]],
    [
      'min_score 60 on pbscore keeps 0.634 and drops 0.586',
      MB,
      { model_breach: { min_score: 60, score_field: 'pbscore' } },
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ],
    [
      'min_priority 3 drops priority 2 and the test alert without one',
      MB,
      { model_breach: { min_priority: 3 } },
      [1, 2, 5, 6, 7, 8, 9],
    ],
    [
      'behaviours critical+suspicious keeps the one Suspicious breach',
      MB,
      { model_breach: { behaviours: ['critical', 'suspicious'] } },
      [2],
    ],
    [
      'behaviours informational drops Suspicious and the test alerts',
      MB,
      { model_breach: { behaviours: ['informational'] } },
      [1, 3, 6, 7, 8, 9, 10, 11],
    ],
    [
      'model_names exclude System::* drops the re-sent System breach',
      MB,
      { model_breach: { model_names: { exclude: ['System::*'] } } },
      [2, 3, 4, 5, 10, 11],
    ],
    [
      'model_names include a regex',
      MB,
      { model_breach: { model_names: { include: ['/^Antigena::/'] } } },
      [11],
    ],
    ['model_tags include AP: *', MB, { model_breach: { model_tags: { include: ['AP: *'] } } }, [2, 3, 10]],
    [
      'model_tags include one exact tag',
      MB,
      { model_breach: { model_tags: { include: ['ot engineer'] } } },
      [2, 10],
    ],
    [
      'device_ips include a /24 of device.ip',
      MB,
      { model_breach: { device_ips: { include: ['81.2.69.0/24'] } } },
      [2, 3],
    ],
    [
      'device_ips include matches device.ips history too',
      MB,
      { model_breach: { device_ips: { include: ['175.16.199.0/24'] } } },
      [2, 4, 5],
    ],
    [
      'device_ips exclude a private range',
      MB,
      { model_breach: { device_ips: { exclude: ['192.168.0.0/16'] } } },
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 11],
    ],
    ['device_tags include Linux', MB, { model_breach: { device_tags: { include: ['linux'] } } }, [2]],
    ['min_score 80 over syslog-framed lines', MB_SYSLOG, { model_breach: { min_score: 80 } }, [1, 4]],
    [
      'min_incident_score 50 reads the numeric string "72.9174234"',
      AI,
      { ai_analyst: { min_incident_score: 50 } },
      [1],
    ],
    ['min_event_score 64 keeps both', AI, { ai_analyst: { min_event_score: 64 } }, [1, 2]],
    ['min_event_score 65 keeps one', AI, { ai_analyst: { min_event_score: 65 } }, [1]],
    ['event_behaviours suspicious', AI, { ai_analyst: { event_behaviours: ['suspicious'] } }, [2]],
    [
      'AI device_ips ignore the /24 suffix',
      AI_SYSLOG,
      { ai_analyst: { device_ips: { include: ['175.16.199.0/24'] } } },
      [2],
    ],
    ['system min_priority 50', SS, { system_status: { min_priority: 50 } }, [2]],
    [
      'include_resolved false keeps active and Active',
      SS_SYSLOG,
      { system_status: { include_resolved: false } },
      [1, 2],
    ],
  ])('%s', (_label, file, config, expected) => {
    expect(keptLines(file, config)).toEqual(expected);
  });
});
