import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { LogsSink, testSettings } from '../../../core/testing/index.js';
import type { DarktraceSyslogConfig } from '../../../receivers/darktrace-syslog/config.js';
import { createDarktraceSyslogReceiver } from '../../../receivers/darktrace-syslog/receiver.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import {
  planSend,
  runSend,
  SendError,
  type SendArgs,
  type SendIo,
} from '../../../receivers/darktrace-syslog/send.js';
import { canMakeCertificates, testPki } from '../../support/tls.js';

const host = { reportFatalError: () => undefined };

async function listen(
  overrides: Partial<DarktraceSyslogConfig> = {},
): Promise<{ sink: LogsSink; endpoint: string }> {
  const sink = new LogsSink();
  const receiver = createDarktraceSyslogReceiver(
    testSettings('darktrace-syslog', 'receiver'),
    {
      protocol: 'tcp',
      endpoint: '127.0.0.1:0',
      max_message_size: '64KiB',
      batch_size: 100,
      flush_timeout: '0',
      keep_original: false,
      max_pending_records: 5000,
      ...overrides,
    },
    sink,
  );
  onTestFinished(() => receiver.shutdown(AbortSignal.timeout(2000)));
  await receiver.start(host, AbortSignal.timeout(2000));
  return { sink, endpoint: `127.0.0.1:${receiver.address?.port ?? 0}` };
}

function io(): SendIo & { outLines: string[]; errLines: string[]; drawn: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const drawn: string[] = [];
  return {
    outLines,
    errLines,
    drawn,
    out: (t) => outLines.push(t),
    err: (t) => errLines.push(t),
    progress: undefined,
  };
}

const samples = loadSampleAlerts().map((s) => s.alert);

describe('dtcol send', () => {
  it.each<[SendArgs, string]>([
    [{ endpoint: 'localhost' }, '--endpoint must be host:port'],
    [{ endpoint: '127.0.0.1:0' }, '--endpoint port must be 1-65535'],
    [{ protocol: 'http' }, '--protocol must be tcp, udp or tls'],
    [{ format: 'json' }, '--format must be rfc5424 or rfc3164'],
    [{ count: '0' }, '--count must be a positive integer'],
    [{ rate: 'fast' }, '--rate must be a positive number per second'],
  ])('refuses %o with exit code 2', async (args, message) => {
    expect(() => planSend(args)).toThrow(message);
    const out = io();
    expect(await runSend(args, out)).toBe(2);
    expect(out.errLines[0]).toContain(message);
  });

  it('sends every bundled sample once over TCP in the RFC 5424 form and prints a summary', async () => {
    const { sink, endpoint } = await listen();
    const out = io();
    expect(await runSend({ endpoint, hostname: 'dt-lab.example.com' }, out)).toBe(0);
    await vi.waitFor(() => expect(sink.records).toHaveLength(samples.length));
    expect(sink.records.map((r) => r.body)).toEqual(samples);
    expect(sink.records[0]?.attributes['log.syslog.version']).toBe('1');
    expect(sink.records[0]?.attributes['log.syslog.hostname']).toBe('dt-lab.example.com');
    expect(out.outLines).toHaveLength(1);
    const m = /^Sent (\d+) alerts \((\d+) bytes, rfc5424\) to tcp:\/\/(\S+) in \d+\.\d\d s\.$/.exec(
      out.outLines[0]!,
    );
    expect(m?.[1]).toBe(String(samples.length));
    expect(m?.[3]).toBe(endpoint);
    // Every line: a header of known length, the compact JSON, a newline.
    const jsonBytes = samples.reduce<number>((n, a) => n + Buffer.byteLength(JSON.stringify(a)), 0);
    const headerBytes = '<165>1 2024-06-01T12:00:00+00:00 dt-lab.example.com darktrace - - - \n'.length;
    expect(Number(m?.[2])).toBe(jsonBytes + samples.length * headerBytes);
  });

  it('repeats the alerts up to --count, paced by --rate, over UDP in the RFC 3164 form', async () => {
    const { sink, endpoint } = await listen({ protocol: 'udp' });
    const started = performance.now();
    const out = io();
    expect(
      await runSend({ endpoint, protocol: 'udp', format: 'rfc3164', count: '15', rate: '200/s' }, out),
    ).toBe(0);
    // 15 alerts at 200/s: the last leaves 70 ms after the first. Timers round to whole milliseconds, so allow
    // slack; unpaced, the 15 datagrams would all leave within a few milliseconds.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    await vi.waitFor(() => expect(sink.records).toHaveLength(15));
    expect(sink.records.map((r) => r.body)).toEqual([...samples, ...samples.slice(0, 3)]);
    expect(sink.records[0]?.attributes['log.syslog.timestamp']).toMatch(
      /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d$/,
    );
    expect(out.outLines[0]).toMatch(/^Sent 15 alerts \(\d+ bytes, rfc3164\) to udp:/);
  });

  it('sends the alerts of an NDJSON file and refuses a file with a line that is not an alert', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dtcol-send-'));
    const good = path.join(dir, 'alerts.ndjson');
    writeFileSync(
      good,
      `${JSON.stringify({ pbid: 1, model: {} })}\n\n${JSON.stringify({ uuid: 'x', status: 'active', alert_name: 'A' })}\n`,
    );
    const { sink, endpoint } = await listen();
    expect(await runSend({ endpoint, file: good }, io())).toBe(0);
    await vi.waitFor(() =>
      expect(sink.records.map((r) => r.attributes['darktrace.alert.kind'])).toEqual([
        'model_breach',
        'system_status',
      ]),
    );

    const bad = path.join(dir, 'bad.ndjson');
    writeFileSync(bad, `${JSON.stringify({ pbid: 1 })}\n[1,2]\n`);
    const out = io();
    expect(await runSend({ endpoint, file: bad }, out)).toBe(1);
    expect(out.errLines[0]).toBe(`${bad} line 2 is not a JSON object (expected one alert per line).`);
  });

  it('exits 1 with a clear message when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const out = io();
    expect(await runSend({ endpoint: `127.0.0.1:${port}` }, out)).toBe(1);
    expect(out.errLines).toEqual([
      `Could not connect to tcp://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}.`,
    ]);
    expect(out.outLines).toEqual([]);
  });

  it('draws a progress bar when stderr is a terminal', async () => {
    const { endpoint } = await listen();
    const out = io();
    out.progress = (t) => out.drawn.push(t);
    expect(await runSend({ endpoint, count: '3' }, out)).toBe(0);
    expect(out.drawn.join('')).toMatch(/\r\[#{30}\] 3\/3 alerts, \d+ bytes\n$/);
  });

  it('reports failures as SendError with an exit code', () => {
    expect(() => planSend({ file: '/nonexistent/alerts.ndjson' })).toThrow(SendError);
  });
});

describe.skipIf(!canMakeCertificates())('dtcol send over TLS', () => {
  if (!canMakeCertificates()) console.warn('Skipping dtcol send TLS tests: openssl is not on PATH.');

  it('refuses an untrusted listener with a hint, and sends with --insecure', async () => {
    const pki = testPki();
    const { sink, endpoint } = await listen({
      protocol: 'tls',
      tls: { cert_file: pki.serverCertFile, key_file: pki.serverKeyFile, client_auth: 'none' },
    });
    const refused = io();
    expect(await runSend({ endpoint, protocol: 'tls' }, refused)).toBe(1);
    expect(refused.errLines[0]).toMatch(
      /^Could not connect to tls:\/\/127\.0\.0\.1:\d+: .*certificate.*--insecure/,
    );

    expect(await runSend({ endpoint, protocol: 'tls', insecure: true, count: '2' }, io())).toBe(0);
    await vi.waitFor(() => expect(sink.records.map((r) => r.body)).toEqual(samples.slice(0, 2)));
  });
});
