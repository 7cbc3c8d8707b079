import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../receivers/darktrace-syslog/framing.js';
import { detectAlertKind, type AlertKind } from '../../../receivers/darktrace-syslog/kind.js';
import { headerAttributes, parseSyslogMessage } from '../../../receivers/darktrace-syslog/parse.js';
import { alertTimeMs } from '../../../receivers/darktrace-syslog/time.js';
import { corpusDir, corpusExists } from './helpers.js';

const elasticDir = path.join(corpusDir, 'elastic');
if (!corpusExists) {
  console.warn(`Skipping Darktrace corpus tests: ${elasticDir} is absent (see reference/darktrace.md §10).`);
}

// The data stream a file belongs to names the kind: `model_breach_alert/…` or `sample_logs/model_breach_alert.log`.
const kindByStream: Record<string, AlertKind> = {
  model_breach_alert: 'model_breach',
  ai_analyst_alert: 'ai_analyst',
  system_status_alert: 'system_status',
};

function kindForFile(rel: string): AlertKind {
  const stream = Object.keys(kindByStream).find((s) => rel.includes(s));
  if (stream === undefined) throw new Error(`no data stream in ${rel}`);
  return kindByStream[stream]!;
}

function corpusLogs(): string[] {
  return (readdirSync(elasticDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.log')).sort();
}

/** Frames a whole file the way the TCP receiver would. */
function frames(file: string): Buffer[] {
  const out: Buffer[] = [];
  const decoder = new FrameDecoder({ onFrame: (f) => out.push(f) });
  decoder.push(readFileSync(file));
  decoder.end();
  return out;
}

/** The parts of Elastic's expected documents these tests read. */
interface ElasticDoc {
  '@timestamp': string;
  event: { original: string };
  log?: { syslog?: { appname?: string } };
}

interface SampleEvent {
  log: {
    syslog: {
      priority: number;
      facility: { code: number };
      severity: { code: number };
      hostname: string;
      version: string;
    };
  };
}

function readJson(rel: string): unknown {
  return JSON.parse(readFileSync(path.join(elasticDir, rel), 'utf8'));
}

describe.skipIf(!corpusExists)('Elastic corpus', () => {
  it('holds the .log files the reference describes', () => {
    expect(corpusLogs()).toHaveLength(6);
  });

  it('parses every line of every .log file to an alert of the right kind', () => {
    let lines = 0;
    for (const rel of corpusLogs()) {
      const file = path.join(elasticDir, rel);
      const expectedLines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      const decoded = frames(file);
      expect(decoded, rel).toHaveLength(expectedLines);
      decoded.forEach((frame, i) => {
        const result = parseSyslogMessage(frame);
        if (!result.ok) expect.fail(`${rel} line ${i + 1}: ${result.reason}`);
        expect(detectAlertKind(result.alert), `${rel} line ${i + 1}`).toBe(kindForFile(rel));
        expect(
          alertTimeMs(detectAlertKind(result.alert), result.alert),
          `${rel} line ${i + 1}`,
        ).toBeGreaterThan(0);
        lines++;
      });
    }
    expect(lines).toBe(23);
  });

  it.each([
    [
      'model_breach_alert/test-model-breach-alert.log',
      'model_breach_alert/test-model-breach-alert.log-expected.json',
    ],
    [
      'ai_analyst_alert/test-ai-analyst-alert.log',
      'ai_analyst_alert/test-ai-analyst-alert.log-expected.json',
    ],
    [
      'system_status_alert/test-system-status-alert.log',
      'system_status_alert/test-system-status-alert.log-expected.json',
    ],
  ])('gives %s the @timestamp and appname Elastic expected', (log, expectedFile) => {
    const { expected } = readJson(expectedFile) as { expected: ElasticDoc[] };
    const decoded = frames(path.join(elasticDir, log));
    expected.forEach((doc, i) => {
      const result = parseSyslogMessage(decoded[i]!);
      if (!result.ok) return expect.fail(result.reason);
      // Elastic keeps the JSON text (tag stripped) as event.original: same alert as ours.
      expect(result.alert, `${log} line ${i + 1}`).toEqual(JSON.parse(doc.event.original));
      const ms = alertTimeMs(detectAlertKind(result.alert), result.alert);
      expect(new Date(ms!).toISOString(), `${log} line ${i + 1}`).toBe(doc['@timestamp']);
      expect(result.header?.appname, `${log} line ${i + 1}`).toBe(doc.log?.syslog?.appname);
    });
  });

  it.each(['model_breach_alert', 'ai_analyst_alert', 'system_status_alert'])(
    'reads the syslog headers of %s sample logs as Elastic did',
    (stream) => {
      const s = (readJson(`${stream}/sample_event.json`) as SampleEvent).log.syslog;
      for (const frame of frames(path.join(elasticDir, `_package/sample_logs/${stream}.log`))) {
        const result = parseSyslogMessage(frame);
        if (!result.ok || result.header === undefined) return expect.fail(`no header in ${stream}`);
        const attrs = headerAttributes(result.header);
        expect(attrs).toMatchObject({
          'log.syslog.priority': s.priority,
          'log.syslog.facility.code': s.facility.code,
          'log.syslog.severity.code': s.severity.code,
          'log.syslog.hostname': s.hostname,
          'log.syslog.appname': 'darktrace',
        });
        if (result.header.format === 'rfc5424') expect(attrs['log.syslog.version']).toBe(s.version);
      }
    },
  );
});
