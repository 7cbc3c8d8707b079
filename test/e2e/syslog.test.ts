// End-to-end: Darktrace syslog lines through the real CLI (`dtcol run`: darktrace-syslog over TCP, UDP and TLS
// → http exporter → loopback sink), and `dtcol send` into it.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readDeadLetterFile } from '../../core/helpers/dead-letter.js';
import { createRecord, toStoredRecord, type StoredRecord } from '../../core/records.js';
import { formatSyslogLine, type SyslogLineFormat } from '../../receivers/darktrace-syslog/format.js';
import type { AlertKind } from '../../receivers/darktrace-syslog/kind.js';
import { headerAttributes, parseSyslogMessage } from '../../receivers/darktrace-syslog/parse.js';
import { loadSampleAlerts } from '../../receivers/darktrace-syslog/samples/index.js';
import { alertTimeMs, msToHrTime } from '../../receivers/darktrace-syslog/time.js';
import { metricValue, runCli, startCli, type RunningCli } from '../support/cli.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';
import { canMakeCertificates, testPki } from '../support/tls.js';
import { corpusDir, corpusExists } from '../receivers/darktrace-syslog/helpers.js';

const elasticDir = path.join(corpusDir, 'elastic');
if (!corpusExists) {
  console.warn(
    `Syslog e2e: ${elasticDir} is absent, so only the bundled samples are sent (darktrace.md §10).`,
  );
}
const tlsAvailable = canMakeCertificates();
if (!tlsAvailable) console.warn('Syslog e2e: openssl is not on PATH, so the TLS receiver is left out.');

/** One alert to send, with what must arrive. */
interface Alert {
  source: string;
  alert: Record<string, unknown>;
  kind: AlertKind;
}

const streams: Record<string, AlertKind> = {
  model_breach_alert: 'model_breach',
  ai_analyst_alert: 'ai_analyst',
  system_status_alert: 'system_status',
};

/** Every line of every corpus .log file, raw and as an alert. */
function corpusLines(): { raw: string; alert: Alert }[] {
  if (!corpusExists) return [];
  const files = (readdirSync(elasticDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.log'))
    .sort();
  const out: { raw: string; alert: Alert }[] = [];
  for (const rel of files) {
    const kind = Object.entries(streams).find(([s]) => rel.includes(s))?.[1];
    if (kind === undefined) throw new Error(`no data stream in ${rel}`);
    readFileSync(path.join(elasticDir, rel), 'utf8')
      .split('\n')
      .forEach((raw, i) => {
        if (raw.trim() === '') return;
        const parsed = parseSyslogMessage(raw);
        if (!parsed.ok) throw new Error(`${rel} line ${i + 1}: ${parsed.reason}`);
        out.push({ raw, alert: { source: `${rel}:${i + 1}`, alert: parsed.alert, kind } });
      });
  }
  return out;
}

const corpus = corpusLines();
const alerts: Alert[] = [
  ...corpus.map((c) => c.alert),
  ...loadSampleAlerts().map((s) => ({ source: `sample ${s.name}`, alert: s.alert, kind: s.kind })),
];

const headerTime = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
const headerTimestamp: Record<SyslogLineFormat, string> = {
  rfc5424: '2024-06-01T12:00:00+00:00',
  rfc3164: 'Jun  1 12:00:00',
};

type Transport = 'tcp' | 'udp' | 'tls';

/** A formatted message; its unique hostname tells which one a delivered document is. */
interface Case {
  transport: Transport;
  format: SyslogLineFormat;
  hostname: string;
  alert: Alert;
  line: string;
}

function casesFor(transport: Transport): Case[] {
  return (['rfc5424', 'rfc3164'] as const).flatMap((format) =>
    alerts.map((alert, i) => {
      const hostname = `${transport}-${format}-${i}.example.com`;
      return {
        transport,
        format,
        hostname,
        alert,
        line: formatSyslogLine(alert.alert, { format, hostname, time: headerTime }),
      };
    }),
  );
}

/** The record time the stdout/http exporters print for an alert (nanoseconds, UTC). */
function expectedTime(alert: Alert): string {
  const ms = alertTimeMs(alert.kind, alert.alert);
  if (ms === undefined) throw new Error(`${alert.source} has no time`);
  return toStoredRecord(createRecord({ time: msToHrTime(ms), observedTime: 0 })).time;
}

/** Only the `log.syslog.*` attributes. */
function syslogAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => k.startsWith('log.syslog.')));
}

function writeConfig(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dtcol-syslog-e2e-'));
  const file = path.join(dir, 'pipelines.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

async function tcpLike(transport: 'tcp' | 'tls', port: number): Promise<Socket> {
  const socket =
    transport === 'tls'
      ? tlsConnect({ host: '127.0.0.1', port, ca: testPki().ca })
      : connect({ host: '127.0.0.1', port });
  await once(socket, transport === 'tls' ? 'secureConnect' : 'connect');
  return socket;
}

async function endStream(socket: Socket, text: string): Promise<void> {
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.end(text);
  await closed;
}

describe('darktrace-syslog (real CLI)', () => {
  let sink: HttpSink;
  let cli: RunningCli;
  let dir: string;
  let metricsUrl = '';
  const ports: Partial<Record<Transport, number>> = {};
  const docs = (): StoredRecord[] => sink.docs as StoredRecord[];

  beforeAll(async () => {
    sink = await startHttpSink();
    const pki = tlsAvailable ? testPki() : undefined;
    const receivers: string[] = ['darktrace-syslog/tcp', 'darktrace-syslog/udp'];
    if (pki !== undefined) receivers.push('darktrace-syslog/tls');
    const config = writeConfig(`
receivers:
  darktrace-syslog/tcp: { protocol: tcp, endpoint: "127.0.0.1:0" }
  darktrace-syslog/udp: { protocol: udp, endpoint: "127.0.0.1:0" }
${
  pki === undefined
    ? ''
    : `  darktrace-syslog/tls:
    protocol: tls
    endpoint: "127.0.0.1:0"
    tls: { cert_file: ${pki.serverCertFile}, key_file: ${pki.serverKeyFile} }`
}
exporters:
  http:
    endpoint: ${sink.url}
    content: record
    batch: { flush_timeout: 20ms }
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [${receivers.join(', ')}], exporters: [http] }
`);
    dir = config.dir;
    cli = startCli(['run', '-c', config.file]);
    await vi.waitFor(
      () => {
        const logs = cli.logs();
        for (const l of logs) {
          const component = l['component'];
          if (typeof l['endpoint'] === 'string' && typeof component === 'string') {
            const transport = component.split('/')[1] as Transport;
            ports[transport] = Number(l['endpoint'].split(':').at(-1));
          }
          if (typeof l['url'] === 'string') metricsUrl = l['url'];
        }
        if (Object.keys(ports).length !== receivers.length || metricsUrl === '')
          throw new Error(`not listening yet; stderr: ${cli.stderr()}`);
      },
      { timeout: 20_000, interval: 50 },
    );
  });

  afterAll(async () => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGTERM');
      expect((await cli.exited).code).toBe(0);
    }
    await sink.close();
  });

  it('delivers every corpus line and bundled sample over TCP, UDP and TLS in both header forms', async () => {
    const transports: Transport[] = tlsAvailable ? ['tcp', 'udp', 'tls'] : ['tcp', 'udp'];
    const cases = transports.flatMap(casesFor);
    // Every line of the six Elastic .log files (darktrace.md §10), when the corpus is there.
    expect(corpus).toHaveLength(corpusExists ? 23 : 0);
    const before = docs().length;

    // TCP and TLS: one connection each, newline framing, as a Darktrace forwarder sends.
    const rawConnection = await tcpLike('tcp', ports.tcp!);
    const rawPort = rawConnection.localPort;
    await Promise.all([
      endStream(rawConnection, corpus.map((c) => `${c.raw}\n`).join('')),
      ...(['tcp', 'tls'] as const)
        .filter((t) => transports.includes(t))
        .map(async (t) => {
          const socket = await tcpLike(t, ports[t]!);
          await endStream(
            socket,
            cases
              .filter((c) => c.transport === t)
              .map((c) => `${c.line}\n`)
              .join(''),
          );
        }),
    ]);

    // UDP: one datagram per alert, a few at a time so a busy receiver's socket buffer cannot overflow.
    const udp = createSocket('udp4');
    udp.connect(ports.udp!, '127.0.0.1');
    await once(udp, 'connect');
    const udpCases = cases.filter((c) => c.transport === 'udp');
    for (let i = 0; i < udpCases.length; i += 8) {
      const group = udpCases.slice(i, i + 8);
      for (const c of group)
        await new Promise<void>((resolve, reject) => udp.send(c.line, (e) => (e ? reject(e) : resolve())));
      const hostnames = new Set(group.map((c) => c.hostname));
      await vi.waitFor(
        () =>
          expect(
            docs().filter((d) => hostnames.has(String(d.attributes['log.syslog.hostname']))),
          ).toHaveLength(group.length),
        { timeout: 10_000 },
      );
    }
    udp.close();

    const total = cases.length + corpus.length;
    await vi.waitFor(() => expect(docs().length - before).toBe(total), { timeout: 30_000, interval: 100 });
    const byHost = new Map(docs().map((d) => [String(d.attributes['log.syslog.hostname']), d]));

    for (const c of cases) {
      const doc = byHost.get(c.hostname);
      const what = `${c.alert.source} via ${c.transport} ${c.format}`;
      expect(doc, what).toBeDefined();
      expect(doc?.body, what).toEqual(c.alert.alert);
      expect(doc?.event_name, what).toBe(`darktrace.${c.alert.kind}`);
      expect(doc?.time, what).toBe(expectedTime(c.alert));
      expect(doc?.attributes, what).toEqual({
        'darktrace.alert.kind': c.alert.kind,
        'darktrace.source': 'syslog',
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        ...(c.format === 'rfc5424' && { 'log.syslog.version': '1' }),
        'log.syslog.timestamp': headerTimestamp[c.format],
        'log.syslog.hostname': c.hostname,
        'log.syslog.appname': 'darktrace',
        'network.peer.address': '127.0.0.1',
        'network.peer.port': doc?.attributes['network.peer.port'],
        'network.transport': c.transport === 'udp' ? 'udp' : 'tcp',
      });
      expect(doc?.resource, what).toEqual({
        'service.name': 'darktrace-collector',
        'darktrace.appliance': c.hostname,
      });
    }

    // The corpus lines as they are (bare JSON, `darktrace {…}`, full 5424 and 3164 headers). Exporter
    // requests may overtake each other, so compare as multisets.
    const summary = (body: unknown, kind: unknown, time: string, header: Record<string, unknown>): string =>
      JSON.stringify({ body, kind, time, header });
    const expectedRaw = corpus.map((c) => {
      const parsed = parseSyslogMessage(c.raw);
      if (!parsed.ok) throw new Error(parsed.reason);
      const header = parsed.header === undefined ? {} : headerAttributes(parsed.header);
      return summary(c.alert.alert, c.alert.kind, expectedTime(c.alert), header);
    });
    const raw = docs().filter((d) => d.attributes['network.peer.port'] === rawPort);
    const actualRaw = raw.map((d) =>
      summary(d.body, d.attributes['darktrace.alert.kind'], d.time, syslogAttributes(d.attributes)),
    );
    expect(actualRaw.sort()).toEqual(expectedRaw.sort());

    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    const count = (id: string, outcome: string): number =>
      metricValue(metrics, 'dtcol_component_records_total', { component_id: id, outcome });
    expect(count('darktrace-syslog/udp', 'accepted')).toBe(udpCases.length);
    expect(count('darktrace-syslog/tcp', 'malformed')).toBe(0);
  }, 90_000);

  it('dead-letters a malformed line and delivers the next one on the same connection', async () => {
    const socket = await tcpLike('tcp', ports.tcp!);
    const good = formatSyslogLine(
      { hello: 'after the bad line' },
      { format: 'rfc3164', hostname: 'after-bad.example.com' },
    );
    await endStream(
      socket,
      `<165>1 2024-06-01T12:00:00+00:00 bad.example.com darktrace - - - {"pbid": 1, "mod\n${good}\n`,
    );
    await vi.waitFor(() =>
      expect(docs().some((d) => d.attributes['log.syslog.hostname'] === 'after-bad.example.com')).toBe(true),
    );
    const { entries } = readDeadLetterFile(path.join(dir, 'state/dead-letter/darktrace-syslog_tcp.ndjson'));
    expect(entries).toHaveLength(1);
    expect(entries[0]?.component).toBe('darktrace-syslog/tcp');
    expect(entries[0]?.reason).toMatch(/^Truncated or invalid JSON/);
    expect(entries[0]?.record.body).toBe(
      '<165>1 2024-06-01T12:00:00+00:00 bad.example.com darktrace - - - {"pbid": 1, "mod',
    );
  });

  it('takes what `dtcol send` replays', async () => {
    const samples = loadSampleAlerts().map((s) => s.alert);
    const result = await runCli([
      'send',
      '--endpoint',
      `127.0.0.1:${ports.tcp!}`,
      '--format',
      'rfc3164',
      '--count',
      String(samples.length * 2),
      '--hostname',
      'send-e2e.example.com',
    ]);
    expect(result.stderr).not.toMatch(/Could not/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Sent ${samples.length * 2} alerts \\(\\d+ bytes, rfc3164\\) to tcp://127\\.0\\.0\\.1:${ports.tcp!} in \\d+\\.\\d\\d s\\.\\n$`,
      ),
    );
    const sent = (): StoredRecord[] =>
      docs().filter((d) => d.attributes['log.syslog.hostname'] === 'send-e2e.example.com');
    await vi.waitFor(() => expect(sent()).toHaveLength(samples.length * 2), { timeout: 10_000 });
    const key = (v: unknown): string => JSON.stringify(v);
    expect(
      sent()
        .map((d) => key(d.body))
        .sort(),
    ).toEqual([...samples, ...samples].map(key).sort());
  }, 30_000);
});
