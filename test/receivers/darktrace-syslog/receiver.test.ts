import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { LogBatch, LogRecord, LogsConsumer } from '../../../core/consumer.js';
import { RetryableError } from '../../../core/errors.js';
import { defaultDeadLetterPath, readDeadLetterFile } from '../../../core/helpers/dead-letter.js';
import { hrTimeToMs } from '../../../core/records.js';
import { GateConsumer, LogsSink, testSettings } from '../../../core/testing/index.js';
import type { DarktraceSyslogConfig } from '../../../receivers/darktrace-syslog/config.js';
import {
  createDarktraceSyslogReceiver,
  watchListener,
  type DarktraceSyslogReceiver,
} from '../../../receivers/darktrace-syslog/receiver.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import { canMakeCertificates, testPki } from '../../support/tls.js';
import { octetFrame, syslogLine } from './helpers.js';

const host = { reportFatalError: () => undefined };
const id = 'darktrace-syslog';

function config(overrides: Partial<DarktraceSyslogConfig> = {}): DarktraceSyslogConfig {
  return {
    protocol: 'tcp',
    endpoint: '127.0.0.1:0',
    max_message_size: '64KiB',
    batch_size: 100,
    flush_timeout: '0',
    max_pending_records: 5000,
    keep_original: false,
    ...overrides,
  };
}

type TestSettings = ReturnType<typeof testSettings>;

async function startReceiver(
  overrides: Partial<DarktraceSyslogConfig>,
  next: LogsConsumer,
  settings: TestSettings = testSettings(id, 'receiver'),
): Promise<{ receiver: DarktraceSyslogReceiver; settings: TestSettings; port: number }> {
  const receiver = createDarktraceSyslogReceiver(settings, config(overrides), next);
  onTestFinished(() => receiver.shutdown(AbortSignal.timeout(2000)));
  await receiver.start(host, AbortSignal.timeout(2000));
  const port = receiver.address?.port;
  if (port === undefined) throw new Error('receiver has no address');
  return { receiver, settings, port };
}

async function tcpClient(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  onTestFinished(() => void socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Resolves when the socket closes, whatever error came first (`once` would reject on 'error'). */
function closeOf(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

/** Holds every batch until the caller's signal aborts, then refuses it (as a blocked exporter queue does). */
class BlockedConsumer implements LogsConsumer {
  readonly capabilities = { mutatesData: false };
  held = 0;

  consume(_batch: LogBatch, signal?: AbortSignal): Promise<void> {
    this.held++;
    return new Promise<void>((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }
}

/** Settings whose logger writes JSON lines into `lines`. */
function capturingSettings(): { settings: TestSettings; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { settings: { ...testSettings(id, 'receiver'), logger: pino({ level: 'info' }, stream) }, lines };
}

const samples = loadSampleAlerts();
const sample = (name: string): Record<string, unknown> => {
  const found = samples.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sample ${name}`);
  return found.alert;
};
const line = (alert: unknown, style: Parameters<typeof syslogLine>[1] = 'rfc5424'): string =>
  `${syslogLine(alert, style)}\n`;
const marker = (seq: number): Record<string, unknown> => ({
  pbid: seq,
  time: 1717243200000 + seq,
  model: {},
});
const seqOf = (r: LogRecord): number => (r.body as { pbid: number }).pbid;

describe('darktrace-syslog receiver (tcp)', () => {
  it('turns each alert into a record with kind, event name, alert time, header and peer attributes', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({}, sink);
    const client = await tcpClient(port);
    client.write(line(sample('model-breach-flat'), 'rfc5424'));
    client.write(line(sample('ai-analyst-sections'), 'rfc3164'));
    client.write(line(sample('system-status-active'), 'bare'));
    await vi.waitFor(() => expect(sink.records).toHaveLength(3));
    const [breach, ai, status] = sink.records as [LogRecord, LogRecord, LogRecord];

    expect(breach.body).toEqual(sample('model-breach-flat'));
    expect(breach.eventName).toBe('darktrace.model_breach');
    expect(hrTimeToMs(breach.hrTime)).toBe(sample('model-breach-flat')['time']);
    expect(breach.attributes).toEqual({
      'darktrace.alert.kind': 'model_breach',
      'darktrace.source': 'syslog',
      'log.syslog.priority': 165,
      'log.syslog.facility.code': 20,
      'log.syslog.severity.code': 5,
      'log.syslog.version': '1',
      'log.syslog.timestamp': '2024-06-01T12:00:00+00:00',
      'log.syslog.hostname': 'dt-demo.example.com',
      'log.syslog.appname': 'darktrace',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': client.localPort,
      'network.transport': 'tcp',
    });
    expect(breach.resource.attributes).toEqual({
      'service.name': 'darktrace-collector',
      'darktrace.appliance': 'dt-demo.example.com',
    });

    expect(ai.attributes['darktrace.alert.kind']).toBe('ai_analyst');
    expect(ai.eventName).toBe('darktrace.ai_analyst');
    expect(ai.attributes['log.syslog.timestamp']).toBe('Jun  1 12:00:00');
    expect(hrTimeToMs(ai.hrTime)).toBe(sample('ai-analyst-sections')['createdAt']);
    // One shared resource object per appliance, so OTLP groups the records.
    expect(ai.resource).toBe(breach.resource);

    // No header: the appliance is known only by its address.
    expect(status.attributes['darktrace.alert.kind']).toBe('system_status');
    expect(status.attributes['log.syslog.hostname']).toBeUndefined();
    expect(status.resource.attributes['darktrace.appliance']).toBe('127.0.0.1');
    expect(hrTimeToMs(status.hrTime)).toBeCloseTo(
      Number(sample('system-status-active')['last_updated']) * 1000,
      3,
    );
  });

  it('detects newline and octet-counted framing per connection', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({}, sink);
    const newline = await tcpClient(port);
    const counted = await tcpClient(port);
    newline.write(line(marker(1)) + line(marker(2)));
    counted.write(
      Buffer.concat([
        octetFrame(syslogLine(marker(3), 'rfc5424')),
        octetFrame(syslogLine(marker(4), 'rfc3164')),
      ]),
    );
    await vi.waitFor(() => expect(sink.records.map(seqOf).sort()).toEqual([1, 2, 3, 4]));
  });

  it('forwards an alert of unknown shape with kind unknown', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({}, sink);
    const client = await tcpClient(port);
    client.write(line({ hello: 'world', timestamp: '2024-06-01T10:00:00Z' }, 'rfc3164'));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(sink.records[0]?.attributes['darktrace.alert.kind']).toBe('unknown');
    expect(sink.records[0]?.eventName).toBe('darktrace.unknown');
    expect(sink.records[0]?.body).toEqual({ hello: 'world', timestamp: '2024-06-01T10:00:00Z' });
  });

  it('hands records on in batches of at most batch_size, in order', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({ batch_size: 3 }, sink);
    const client = await tcpClient(port);
    client.write([1, 2, 3, 4, 5, 6, 7].map((i) => line(marker(i))).join(''));
    await vi.waitFor(() => expect(sink.records).toHaveLength(7));
    expect(sink.records.map(seqOf)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...sink.batches.map((b) => b.length))).toBeLessThanOrEqual(3);
  });

  it('waits up to flush_timeout to fill a batch from several reads', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({ batch_size: 100, flush_timeout: '300ms' }, sink);
    const client = await tcpClient(port);
    client.write(line(marker(1)));
    client.write(line(marker(2)));
    await vi.waitFor(() => expect(sink.records).toHaveLength(2));
    expect(sink.batches).toHaveLength(1);
  });

  it('stops reading while downstream holds a batch, then delivers everything when it lets go', async () => {
    const gate = new GateConsumer();
    const { receiver, port } = await startReceiver({ batch_size: 10 }, gate);
    const client = await tcpClient(port);
    // ~20 MB: far more than the kernel socket buffers, so only the receiver's reading can absorb it.
    const padding = 'x'.repeat(2000);
    const total = 10_000;
    let text = '';
    for (let i = 0; i < total; i++) text += line({ ...marker(i), padding });
    client.write(text);

    await vi.waitFor(() => {
      expect(gate.held).toBe(1);
      expect(receiver.connections()[0]?.paused).toBe(true);
    });
    const stats = receiver.connections()[0]!;
    // Bounded: one batch in flight plus what one socket read decoded, not the whole stream.
    expect(stats.pendingRecords).toBeLessThan(100);
    expect(client.writableLength).toBeGreaterThan(5_000_000);
    expect(gate.sink.records).toHaveLength(0);

    gate.release();
    await vi.waitFor(() => expect(gate.sink.records).toHaveLength(total), { timeout: 20_000 });
    expect(gate.sink.records.map(seqOf)).toEqual([...Array(total).keys()]);
    expect(receiver.connections()[0]?.paused).toBe(false);
  });

  it('keeps the socket paused and retries while downstream answers retryable errors', async () => {
    const sink = new LogsSink();
    let refusals = 0;
    const flaky: LogsConsumer = {
      capabilities: { mutatesData: false },
      consume(batch: LogBatch) {
        if (refusals < 2) {
          refusals++;
          return Promise.reject(new RetryableError('queue full'));
        }
        return sink.consume(batch);
      },
    };
    const { receiver, settings, port } = await startReceiver({}, flaky);
    const client = await tcpClient(port);
    client.write(line(marker(1)));
    await vi.waitFor(() => expect(refusals).toBe(1));
    expect(receiver.connections()[0]?.paused).toBe(true);
    await vi.waitFor(() => expect(sink.records.map(seqOf)).toEqual([1]));
    expect(refusals).toBe(2);
    expect(await settings.service.recordCount(id, 'accepted')).toBe(1);
    await vi.waitFor(() => expect(receiver.connections()[0]?.paused).toBe(false));
    client.write(line(marker(2)));
    await vi.waitFor(() => expect(sink.records.map(seqOf)).toEqual([1, 2]));
  });

  it('counts and dead-letters malformed messages and keeps delivering the rest of the connection', async () => {
    const sink = new LogsSink();
    const { settings, port } = await startReceiver({ max_message_size: '4KiB' }, sink);
    const client = await tcpClient(port);
    const truncated = syslogLine(marker(99), 'rfc5424').slice(0, -5);
    const noJson = '<165>1 2024-06-01T12:00:00+00:00 dt-demo.example.com darktrace - - - no alert here';
    const oversize = syslogLine({ ...marker(98), padding: 'y'.repeat(5000) }, 'rfc5424');
    client.write(
      Buffer.concat([
        Buffer.from(line(marker(1))),
        Buffer.from(`${truncated}\n`),
        Buffer.from([0x3c, 0x31, 0x36, 0x35, 0x3e, 0x7b, 0xff, 0xfe, 0x7d, 0x0a]), // `<165>{` + invalid UTF-8 + `}`
        Buffer.from([0x01, 0x02, 0x7b, 0x00, 0x7d, 0x0a]), // binary
        Buffer.from(`${noJson}\n`),
        Buffer.from(`${oversize}\n`),
        Buffer.from(line(marker(2))),
      ]),
    );
    await vi.waitFor(() => expect(sink.records.map(seqOf)).toEqual([1, 2]));
    expect(await settings.service.recordCount(id, 'malformed')).toBe(5);

    const { entries } = readDeadLetterFile(defaultDeadLetterPath(settings.dataDir, id));
    const byReason = (text: string) => entries.find((e) => e.reason.includes(text));
    expect(entries).toHaveLength(5);
    expect(byReason('Truncated or invalid JSON')?.record.body).toBe(truncated);
    expect(byReason('not valid UTF-8')?.record.body).toContain('<165>{');
    expect(byReason('binary or control bytes')?.record.body).toBe('\x01\x02{\x00}');
    expect(byReason('No JSON object')?.record.body).toBe(noJson);
    const big = byReason('max_message_size');
    expect(big?.reason).toContain(`${oversize.length} bytes`);
    expect(big?.record.body).toBe(oversize.slice(0, 1024));
    expect(big?.record.attributes['network.peer.port']).toBe(client.localPort);
    for (const e of entries) expect(e.record.attributes['dtcol.malformed.reason']).toBe(e.reason);
  });

  it('closes connections beyond max_connections and keeps serving the open one', async () => {
    const sink = new LogsSink();
    const { port } = await startReceiver({ max_connections: 1 }, sink);
    const first = await tcpClient(port);
    const second = connect({ host: '127.0.0.1', port });
    second.on('error', () => undefined);
    await closeOf(second);
    first.write(line(marker(1)));
    await vi.waitFor(() => expect(sink.records.map(seqOf)).toEqual([1]));
  });

  it('fails to start with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void blocker.close());
    const { port } = blocker.address() as AddressInfo;
    const receiver = createDarktraceSyslogReceiver(
      testSettings(id, 'receiver'),
      config({ endpoint: `127.0.0.1:${port}` }),
      new LogsSink(),
    );
    onTestFinished(() => receiver.shutdown(AbortSignal.timeout(1000)));
    await expect(receiver.start(host, AbortSignal.timeout(2000))).rejects.toThrow(
      new RegExp(`cannot listen on tcp://127.0.0.1:${port}: .*EADDRINUSE`),
    );
  });
});

describe('darktrace-syslog receiver shutdown', () => {
  it('is safe before start and returns the same promise when called twice', async () => {
    const receiver = createDarktraceSyslogReceiver(testSettings(id, 'receiver'), config(), new LogsSink());
    const first = receiver.shutdown(AbortSignal.timeout(1000));
    expect(receiver.shutdown(AbortSignal.timeout(1000))).toBe(first);
    await first;
    // Started after shutdown: nothing listens.
    await receiver.start(host, AbortSignal.timeout(1000));
    expect(receiver.address).toBeUndefined();
  });

  it('hands on an unterminated last message, closes connections and stops accepting', async () => {
    const sink = new LogsSink();
    const { receiver, settings, port } = await startReceiver({}, sink);
    const client = await tcpClient(port);
    const closed = closeOf(client);
    client.write(line(marker(1)) + syslogLine(marker(2), 'rfc5424'));
    await vi.waitFor(() => expect(receiver.connections()[0]?.bufferedBytes).toBeGreaterThan(0));

    await receiver.shutdown(AbortSignal.timeout(2000));
    expect(sink.records.map(seqOf)).toEqual([1, 2]);
    await closed;
    const late = connect({ host: '127.0.0.1', port });
    const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    // Closing on purpose is not a failure.
    expect(settings.service.health().healthy).toBe(true);
  });

  it('gives up on a blocked downstream at the deadline and counts what it could not hand on', async () => {
    const blocked = new BlockedConsumer();
    const { receiver, settings, port } = await startReceiver({ batch_size: 2 }, blocked);
    const client = await tcpClient(port);
    client.write([1, 2, 3, 4, 5].map((i) => line(marker(i))).join(''));
    await vi.waitFor(() => expect(blocked.held).toBe(1));
    await receiver.shutdown(AbortSignal.timeout(300));
    expect(await settings.service.recordCount(id, 'refused')).toBe(5);
    expect(await settings.service.recordCount(id, 'accepted')).toBe(0);
  });

  it('returns at the deadline even when downstream ignores the abort', async () => {
    const gate = new GateConsumer();
    const { receiver, settings, port } = await startReceiver({ batch_size: 2 }, gate);
    const client = await tcpClient(port);
    client.write([1, 2, 3, 4, 5].map((i) => line(marker(i))).join(''));
    await vi.waitFor(() => expect(gate.held).toBe(1));
    await receiver.shutdown(AbortSignal.timeout(300));
    // The batch in flight is still downstream's to take; the 3 behind it are given up and counted.
    expect(await settings.service.recordCount(id, 'refused')).toBe(3);
    gate.release();
    await vi.waitFor(() => expect(gate.sink.records.map(seqOf)).toEqual([1, 2]));
  });
});

describe('darktrace-syslog receiver health', () => {
  it('reports failed when its listener closes while it should be running', async () => {
    const settings = testSettings(id, 'receiver');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    watchListener(server, settings, () => false);
    expect(settings.service.health().healthy).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(settings.service.health().components[`receiver:${id}`]).toEqual({
      status: 'failed',
      message: 'listener closed unexpectedly',
    });
  });

  it('reports failed when its listener errors', () => {
    const settings = testSettings(id, 'receiver');
    const server = createServer();
    watchListener(server, settings, () => false);
    server.emit('error', new Error('EMFILE: too many open files'));
    expect(settings.service.health().components[`receiver:${id}`]?.status).toBe('failed');
  });
});

describe('darktrace-syslog receiver (udp)', () => {
  async function udpClient(port: number): Promise<(text: string | Buffer) => Promise<void>> {
    const socket = createSocket('udp4');
    onTestFinished(() => void socket.close());
    socket.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return (text) =>
      new Promise<void>((resolve, reject) => socket.send(text, (err) => (err ? reject(err) : resolve())));
  }

  it('takes one alert per datagram and dead-letters oversize datagrams', async () => {
    const sink = new LogsSink();
    const { settings, port } = await startReceiver({ protocol: 'udp', max_message_size: 2048 }, sink);
    const send = await udpClient(port);
    await send(syslogLine(sample('system-status-resolved'), 'rfc3164'));
    await send(syslogLine({ ...marker(7), padding: 'z'.repeat(3000) }, 'rfc5424'));
    await send(`${syslogLine(marker(8), 'rfc5424')}\n`);
    await vi.waitFor(() => expect(sink.records).toHaveLength(2));
    const [status, last] = sink.records as [LogRecord, LogRecord];
    expect(status.body).toEqual(sample('system-status-resolved'));
    expect(status.attributes['network.transport']).toBe('udp');
    expect(status.attributes['log.syslog.hostname']).toBe('dt-demo.example.com');
    expect(seqOf(last)).toBe(8);
    expect(await settings.service.recordCount(id, 'malformed')).toBe(1);
  });

  it('drops and counts datagrams beyond max_pending_records while downstream is blocked, logging once', async () => {
    const gate = new GateConsumer();
    const { settings, lines } = capturingSettings();
    const { port } = await startReceiver(
      { protocol: 'udp', batch_size: 1, max_pending_records: 5 },
      gate,
      settings,
    );
    const send = await udpClient(port);
    for (let i = 0; i < 20; i++) await send(syslogLine(marker(i), 'rfc5424'));
    await vi.waitFor(async () => expect(await settings.service.recordCount(id, 'dropped')).toBe(15));
    const warnings = lines.filter((l) => String(l['msg']).includes('UDP messages'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['msg']).toContain('downstream is not keeping up');

    gate.release();
    await vi.waitFor(() => expect(gate.sink.records.map(seqOf)).toEqual([0, 1, 2, 3, 4]));
  });
});

describe.skipIf(!canMakeCertificates())('darktrace-syslog receiver (tls)', () => {
  if (!canMakeCertificates()) console.warn('Skipping TLS receiver tests: openssl is not on PATH.');

  async function tlsClient(
    port: number,
    options: { cert?: string; key?: string } = {},
  ): Promise<ReturnType<typeof tlsConnect>> {
    const pki = testPki();
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca, ...options });
    socket.on('error', () => undefined);
    onTestFinished(() => void socket.destroy());
    await once(socket, 'secureConnect');
    return socket;
  }

  it('receives alerts over TLS', async () => {
    const pki = testPki();
    const sink = new LogsSink();
    const { port } = await startReceiver(
      {
        protocol: 'tls',
        tls: { cert_file: pki.serverCertFile, key_file: pki.serverKeyFile, client_auth: 'none' },
      },
      sink,
    );
    const client = await tlsClient(port);
    client.write(line(sample('model-breach-2024-scores'), 'rfc3164'));
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    expect(sink.records[0]?.body).toEqual(sample('model-breach-2024-scores'));
    expect(sink.records[0]?.attributes['network.transport']).toBe('tcp');
  });

  it('refuses clients without a trusted certificate when client_auth is require', async () => {
    const pki = testPki();
    const sink = new LogsSink();
    const { port } = await startReceiver(
      {
        protocol: 'tls',
        tls: {
          cert_file: pki.serverCertFile,
          key_file: pki.serverKeyFile,
          ca_file: pki.caFile,
          client_auth: 'require',
        },
      },
      sink,
    );
    const anonymous = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca });
    anonymous.on('error', () => undefined);
    anonymous.write(line(marker(1)));
    await closeOf(anonymous);

    const trusted = await tlsClient(port, { cert: pki.clientCert, key: pki.clientKey });
    trusted.write(line(marker(2)));
    await vi.waitFor(() => expect(sink.records.map(seqOf)).toEqual([2]));
    expect(sink.records[0]?.attributes['network.peer.port']).toBe(trusted.localPort);
  });
});
