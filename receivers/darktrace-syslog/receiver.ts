// The darktrace-syslog receiver: TCP/TLS listeners with one FrameDecoder per connection, or a UDP socket
// with one message per datagram. Records go downstream in small batches; TCP pushes back by not reading.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Component, Host, Settings } from '../../core/component.js';
import type { LogRecord, LogsConsumer } from '../../core/consumer.js';
import { errorMessage } from '../../core/errors.js';
import { LogOnce } from '../../core/helpers/log-once.js';
import { deliverDownstream, MalformedInput } from '../../core/helpers/receiver-helper.js';
import type { AnyValue, Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { createRecord, sharedResource } from '../../core/records.js';
import { parseByteSize, parseDuration } from '../../core/units.js';
import { splitEndpoint, type DarktraceSyslogConfig } from './config.js';
import { decodeDatagram, FrameDecoder, type OversizeEvent } from './framing.js';
import { detectAlertKind, eventNameForKind, type AlertKind } from './kind.js';
import { headerAttributes, parseSyslogMessage, type SyslogHeader } from './parse.js';
import { alertTimeMs, msToHrTime } from './time.js';

/** Where a message came from. */
interface Peer {
  readonly address: string;
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
}

/** What a test or an operator can see of one open connection. */
export interface ConnectionStats {
  readonly peer: string;
  /** True while the socket is not being read because downstream has not accepted a batch yet. */
  readonly paused: boolean;
  /** Records decoded and not yet accepted downstream (waiting plus in flight). */
  readonly pendingRecords: number;
  /** Bytes of an incomplete message held by the frame decoder. */
  readonly bufferedBytes: number;
}

// `::ffff:192.0.2.1` is how a dual-stack listener reports an IPv4 peer.
function normaliseAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Marks the component failed when its listener errors or closes while it should be running. Exported so
 * the path can be tested against a real server without killing the receiver's own.
 */
export function watchListener(listener: EventEmitter, settings: Settings, stopping: () => boolean): void {
  listener.on('error', (err: Error) => {
    settings.telemetry.setHealth('failed', `listener error: ${err.message}`);
    settings.logger.error(
      { err: err.message },
      `Receiver "${settings.id.id}" listener failed: ${err.message}. No more alerts are received.`,
    );
  });
  listener.on('close', () => {
    if (stopping()) return;
    settings.telemetry.setHealth('failed', 'listener closed unexpectedly');
    settings.logger.error(
      `Receiver "${settings.id.id}" listener closed unexpectedly. No more alerts are received.`,
    );
  });
}

/** True when two headers give the same attributes apart from the per-message timestamp and structured data. */
function sameHeaderShape(a: SyslogHeader | undefined, b: SyslogHeader | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.format === b.format &&
    a.priority === b.priority &&
    a.version === b.version &&
    a.hostname === b.hostname &&
    a.appname === b.appname &&
    a.procid === b.procid &&
    a.msgid === b.msgid &&
    (a.timestamp === undefined) === (b.timestamp === undefined) &&
    (a.structuredData === undefined) === (b.structuredData === undefined)
  );
}

/**
 * Builds each record's attributes. The messages of one connection nearly always share their header fields and
 * peer, so the attributes are cloned from a template built for that shape (one fast copy) and only the fields
 * that change per message are set, instead of assembling fifteen keys from scratch for every alert.
 */
export class AttributeBuilder {
  #header: SyslogHeader | undefined;
  #peer: Peer | undefined;
  #template: Record<string, AnyValue> | undefined;

  build(
    kind: AlertKind,
    header: SyslogHeader | undefined,
    peer: Peer,
    original: string | undefined,
  ): Attributes {
    const last = this.#peer;
    if (
      this.#template === undefined ||
      last?.address !== peer.address ||
      last.port !== peer.port ||
      last.transport !== peer.transport ||
      !sameHeaderShape(this.#header, header)
    ) {
      this.#template = {
        'darktrace.alert.kind': kind,
        'darktrace.source': 'syslog',
        ...(header !== undefined && headerAttributes(header)),
        ...peerAttributes(peer),
      };
      this.#header = header;
      this.#peer = peer;
    }
    const attributes = { ...this.#template };
    attributes['darktrace.alert.kind'] = kind;
    if (header?.timestamp !== undefined) attributes['log.syslog.timestamp'] = header.timestamp;
    if (header?.structuredData !== undefined)
      attributes['log.syslog.structured_data'] = header.structuredData;
    if (original !== undefined) attributes['log.record.original'] = original;
    return attributes;
  }
}

/** Hands records downstream in batches of at most `batchSize`, one batch in flight at a time. */
class Batcher {
  /** Attributes for the records of this connection (or UDP socket). */
  readonly attributes = new AttributeBuilder();
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #deliver: (batch: LogRecord[]) => Promise<boolean>;
  readonly #onBusy: () => void;
  readonly #onIdle: () => void;
  readonly #onAbandon: (count: number) => void;
  #pending: LogRecord[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;

  constructor(options: {
    batchSize: number;
    flushMs: number;
    /** Resolves false when delivery was aborted (shutdown deadline): the rest is dropped. */
    deliver: (batch: LogRecord[]) => Promise<boolean>;
    onBusy?: () => void;
    onIdle?: () => void;
    onAbandon: (count: number) => void;
  }) {
    this.#batchSize = options.batchSize;
    this.#flushMs = options.flushMs;
    this.#deliver = options.deliver;
    this.#onBusy = options.onBusy ?? (() => undefined);
    this.#onIdle = options.onIdle ?? (() => undefined);
    this.#onAbandon = options.onAbandon;
  }

  /** Records waiting plus the batch in flight. */
  get size(): number {
    return this.#pending.length + this.#inFlight;
  }

  get busy(): boolean {
    return this.#draining !== undefined;
  }

  add(record: LogRecord): void {
    this.#pending.push(record);
  }

  /** Called after each read: deliver a full batch now, a partial one after flush_timeout. */
  afterRead(): void {
    if (this.#pending.length === 0 || this.#draining !== undefined) return;
    if (this.#pending.length >= this.#batchSize || this.#flushMs === 0) {
      void this.flush();
    } else {
      this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs).unref();
    }
  }

  /** Deliver everything pending; resolves when nothing is pending or in flight. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#draining !== undefined) return this.#draining;
    if (this.#pending.length === 0) return Promise.resolve();
    this.#onBusy();
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      this.#onIdle();
    });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    // Records decoded while a batch is in flight (UDP, or a TCP close) join the loop.
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#batchSize);
      this.#inFlight = batch.length;
      const carryOn = await this.#deliver(batch);
      this.#inFlight = 0;
      if (!carryOn) {
        this.abandon();
        return;
      }
    }
  }

  /** Give up what waits behind the batch in flight (shutdown deadline passed); counted by the owner. */
  abandon(): void {
    const rest = this.#pending.splice(0);
    if (rest.length > 0) this.#onAbandon(rest.length);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** What a connection needs from its receiver. */
interface ConnectionDeps {
  batcher(hooks: { onBusy: () => void; onIdle: () => void }): Batcher;
  decoder(peer: Peer, batcher: Batcher): FrameDecoder;
  stopping(): boolean;
  onError(connection: Connection, err: Error): void;
  onFailure(connection: Connection, err: unknown): void;
}

/** One TCP or TLS connection: its decoder, its batches, and pause/resume for backpressure. */
class Connection {
  readonly socket: Socket;
  readonly peer: Peer;
  readonly #decoder: FrameDecoder;
  readonly #batcher: Batcher;
  #ended = false;
  #done: Promise<void> | undefined;

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.socket = socket;
    this.peer = {
      address: normaliseAddress(socket.remoteAddress),
      port: socket.remotePort ?? 0,
      transport: 'tcp',
    };
    // Backpressure: no reads while a batch is with downstream, so the sender's TCP window closes.
    this.#batcher = deps.batcher({
      onBusy: () => socket.pause(),
      onIdle: () => {
        if (!this.#ended && !deps.stopping()) socket.resume();
      },
    });
    this.#decoder = deps.decoder(this.peer, this.#batcher);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#decoder.push(chunk);
        this.#batcher.afterRead();
      } catch (err) {
        // Defensive: the decoder and parser are not expected to throw; one bad connection must not crash us.
        deps.onFailure(this, err);
      }
    });
    socket.on('end', () => void this.finish());
    socket.on('close', () => void this.finish());
    socket.on('error', (err) => deps.onError(this, err));
  }

  stats(): ConnectionStats {
    return {
      peer: `${this.peer.address}:${this.peer.port}`,
      paused: this.socket.isPaused(),
      pendingRecords: this.#batcher.size,
      bufferedBytes: this.#decoder.bufferedBytes,
    };
  }

  /** Give up records not yet handed downstream (shutdown deadline passed). */
  abandon(): void {
    this.#batcher.abandon();
  }

  /** Stop reading, hand on the last unterminated message and everything pending. Idempotent. */
  finish(): Promise<void> {
    this.#done ??= (() => {
      this.#ended = true;
      this.socket.pause();
      this.#decoder.end();
      return this.#batcher.flush().finally(() => this.#batcher.dispose());
    })();
    return this.#done;
  }
}

/** The darktrace-syslog receiver. `address` and `connections()` are there for tests and diagnostics. */
export class DarktraceSyslogReceiver implements Component {
  readonly #settings: Settings;
  readonly #config: DarktraceSyslogConfig;
  readonly #next: LogsConsumer;
  readonly #maxMessageSize: number;
  readonly #keepOriginal: boolean;
  readonly #resources = new Map<string, Resource>();
  readonly #flushMs: number;
  readonly #malformed: MalformedInput;
  readonly #logOnce: LogOnce;
  readonly #ac = new AbortController();
  readonly #connections = new Set<Connection>();
  #server: Server | undefined;
  #udp: UdpSocket | undefined;
  #udpBatcher: Batcher | undefined;
  #started = false;
  #stopping = false;
  #shutdown: Promise<void> | undefined;

  constructor(settings: Settings, config: DarktraceSyslogConfig, next: LogsConsumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#maxMessageSize = parseByteSize(config.max_message_size);
    this.#keepOriginal = config.keep_original;
    this.#flushMs = parseDuration(config.flush_timeout);
    this.#malformed = new MalformedInput(settings);
    this.#logOnce = new LogOnce(settings.logger);
  }

  /** The bound address once started (port 0 resolved). */
  get address(): { host: string; port: number } | undefined {
    const info = (this.#server?.address() ?? this.#udpAddress()) as AddressInfo | string | null | undefined;
    if (info === undefined || info === null || typeof info === 'string') return undefined;
    return { host: info.address, port: info.port };
  }

  #udpAddress(): AddressInfo | undefined {
    try {
      return this.#udp?.address();
    } catch {
      return undefined; // not bound yet, or closed
    }
  }

  /** One entry per open TCP/TLS connection. */
  connections(): ConnectionStats[] {
    return [...this.#connections].map((c) => c.stats());
  }

  async start(_host: Host, signal: AbortSignal): Promise<void> {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    const { host, port } = splitEndpoint(this.#config.endpoint);
    const protocol = this.#config.protocol;
    try {
      if (protocol === 'udp') await this.#bindUdp(host, port, signal);
      else await this.#listenTcp(host, port, signal);
    } catch (err) {
      throw new Error(`cannot listen on ${protocol}://${this.#config.endpoint}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const bound = this.address;
    const endpoint = bound === undefined ? this.#config.endpoint : formatEndpoint(bound.host, bound.port);
    this.#settings.logger.info(
      { endpoint, protocol },
      `Receiver "${this.#settings.id.id}" is listening on ${protocol}://${endpoint}.`,
    );
  }

  shutdown(signal: AbortSignal): Promise<void> {
    this.#shutdown ??= this.#stop(signal);
    return this.#shutdown;
  }

  #batcher(hooks: { onBusy?: () => void; onIdle?: () => void }): Batcher {
    return new Batcher({
      batchSize: this.#config.batch_size,
      flushMs: this.#flushMs,
      deliver: async (batch) =>
        (await deliverDownstream(this.#settings, this.#next, batch, this.#ac.signal)) !== 'aborted',
      onAbandon: (count) => this.#settings.telemetry.refused(count),
      ...hooks,
    });
  }

  #decoder(peer: Peer, batcher: Batcher): FrameDecoder {
    return new FrameDecoder({
      maxMessageSize: this.#maxMessageSize,
      onFrame: (frame) => this.#frame(frame, peer, batcher),
      onOversize: (event) => this.#oversize(event, peer),
    });
  }

  readonly #connectionDeps: ConnectionDeps = {
    batcher: (hooks) => this.#batcher(hooks),
    decoder: (peer, batcher) => this.#decoder(peer, batcher),
    stopping: () => this.#stopping,
    onError: (connection, err) => {
      // Resets and TLS alerts are routine; 'close' follows and flushes what was decoded.
      this.#settings.logger.debug(
        { peer: connection.stats().peer, err: err.message },
        `Receiver "${this.#settings.id.id}" connection error: ${err.message}.`,
      );
    },
    onFailure: (connection, err) => {
      this.#logOnce.log(
        'error',
        'connection_failed',
        0,
        () =>
          `Receiver "${this.#settings.id.id}" closed a connection after an internal error: ${errorMessage(err)}.`,
      );
      connection.socket.destroy();
    },
  };

  #frame(frame: Buffer, peer: Peer, batcher: Batcher): void {
    const parsed = parseSyslogMessage(frame);
    if (!parsed.ok) {
      this.#malformed.report(parsed.raw, parsed.code, parsed.reason, peerAttributes(peer));
      return;
    }
    const { header, alert } = parsed;
    const kind = detectAlertKind(alert);
    const now = this.#settings.clock.now();
    const alertMs = alertTimeMs(kind, alert);
    batcher.add(
      createRecord({
        time: msToHrTime(alertMs ?? now),
        observedTime: now,
        body: alert,
        eventName: eventNameForKind(kind),
        attributes: batcher.attributes.build(
          kind,
          header,
          peer,
          this.#keepOriginal ? parsed.raw.slice(parsed.raw.indexOf('{')) : undefined,
        ),
        resource: this.#resourceFor(header?.hostname ?? peer.address),
      }),
    );
  }

  /** One shared resource per appliance; a small map in front of sharedResource's keyed cache (hot path). */
  #resourceFor(appliance: string): Resource {
    let resource = this.#resources.get(appliance);
    if (resource === undefined) {
      if (this.#resources.size >= 256) this.#resources.clear();
      resource = sharedResource({ 'service.name': 'darktrace-collector', 'darktrace.appliance': appliance });
      this.#resources.set(appliance, resource);
    }
    return resource;
  }

  #oversize(event: OversizeEvent, peer: Peer): void {
    const what = event.complete ? `${event.length} bytes` : `a declared ${event.length} bytes (cut short)`;
    this.#malformed.report(
      event.head.toString('utf8'),
      'oversize',
      `Message of ${what} is longer than max_message_size (${this.#maxMessageSize} bytes); only its first ${event.head.length} bytes are kept.`,
      { ...peerAttributes(peer), 'dtcol.malformed.length': event.length },
    );
  }

  async #listenTcp(host: string, port: number, signal: AbortSignal): Promise<void> {
    const onSocket = (socket: Socket): void => this.#accept(socket);
    let server: Server;
    if (this.#config.protocol === 'tls') {
      server = createTlsServer(this.#tlsOptions(), onSocket);
      server.on('tlsClientError', (err: Error) =>
        this.#logOnce.log(
          'warn',
          'tls_handshake',
          0,
          () => `Receiver "${this.#settings.id.id}" refused a TLS client: ${err.message}.`,
        ),
      );
    } else {
      server = createTcpServer(onSocket);
    }
    const max = this.#config.max_connections;
    if (max !== undefined) {
      server.maxConnections = max;
      server.on('drop', () =>
        this.#logOnce.log(
          'warn',
          'max_connections',
          0,
          () =>
            `Receiver "${this.#settings.id.id}" closed a new connection: max_connections (${max}) are open.`,
        ),
      );
    }
    this.#server = server;
    await listening(server, signal, (done) => server.listen({ host, port }, done));
    watchListener(server, this.#settings, () => this.#stopping);
  }

  #tlsOptions(): TlsOptions {
    const tls = this.#config.tls;
    if (tls === undefined) throw new Error('protocol tls needs tls.cert_file and tls.key_file');
    const read = (file: string): Buffer => readFileSync(resolve(this.#settings.configDir, file));
    return {
      cert: read(tls.cert_file),
      key: read(tls.key_file),
      ...(tls.ca_file !== undefined && { ca: read(tls.ca_file) }),
      requestCert: tls.client_auth !== 'none',
      rejectUnauthorized: tls.client_auth === 'require',
    };
  }

  #accept(socket: Socket): void {
    if (this.#stopping) {
      socket.destroy();
      return;
    }
    // Appliances keep one connection open for good; keep-alive frees the slot of one that vanished.
    socket.setKeepAlive(true, 60_000);
    const connection = new Connection(socket, this.#connectionDeps);
    this.#connections.add(connection);
    socket.on('close', () => this.#connections.delete(connection));
    this.#settings.logger.debug(
      { peer: connection.stats().peer },
      `Receiver "${this.#settings.id.id}" accepted a connection from ${connection.stats().peer}.`,
    );
  }

  async #bindUdp(host: string, port: number, signal: AbortSignal): Promise<void> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const batcher = this.#batcher({});
    this.#udp = socket;
    this.#udpBatcher = batcher;
    const limit = this.#config.max_pending_records;
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (this.#stopping) return;
      // UDP cannot push back: past the bound, drop and count rather than buffer without limit.
      if (batcher.size >= limit) {
        this.#settings.telemetry.dropped(1, 'backpressure');
        this.#logOnce.log(
          'warn',
          'udp_backpressure',
          1,
          (n) =>
            `Receiver "${this.#settings.id.id}" dropped ${n} UDP messages: downstream is not keeping up (max_pending_records ${limit}).`,
        );
        return;
      }
      const peer: Peer = { address: normaliseAddress(rinfo.address), port: rinfo.port, transport: 'udp' };
      const result = decodeDatagram(msg, this.#maxMessageSize);
      if (result.kind === 'frame') this.#frame(result.frame, peer, batcher);
      else if (result.kind === 'oversize') this.#oversize(result.event, peer);
      batcher.afterRead();
    });
    await listening(socket, signal, (done) => socket.bind({ address: host, port }, done));
    watchListener(socket, this.#settings, () => this.#stopping);
  }

  async #stop(signal: AbortSignal): Promise<void> {
    this.#stopping = true;
    // Delivery keeps trying until the shutdown deadline, then gives up (and counts what it gave up).
    const abort = (): void => this.#ac.abort();
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      if (!this.#started) return;
      const deadline = new Promise<void>((resolve) => {
        if (this.#ac.signal.aborted) resolve();
        else this.#ac.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const server = this.#server;
      const closed =
        server === undefined
          ? Promise.resolve()
          : new Promise<void>((resolve) => server.close(() => resolve()));
      const connections = [...this.#connections];
      const udp = this.#udp;
      if (udp !== undefined) {
        try {
          udp.close();
        } catch {
          // Already closed (a failed bind): nothing to stop.
        }
      }
      const flushes = [
        ...connections.map((c) => c.finish()),
        ...(this.#udpBatcher === undefined ? [] : [this.#udpBatcher.flush()]),
      ];
      await Promise.race([Promise.all(flushes), deadline]);
      // Past the deadline: the batches in flight stay downstream's to take; what waits behind them is given up.
      for (const c of connections) c.abandon();
      this.#udpBatcher?.abandon();
      for (const c of connections) c.socket.destroy();
      await Promise.race([closed, deadline]);
      this.#udpBatcher?.dispose();
      this.#logOnce.flush(
        'warn',
        (cause, n) => `Receiver "${this.#settings.id.id}": ${n} more ${cause} events.`,
      );
      this.#settings.logger.info(
        { connections: connections.length },
        `Receiver "${this.#settings.id.id}" stopped listening and closed ${connections.length} connections.`,
      );
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}

function peerAttributes(peer: Peer): Record<string, string | number> {
  return {
    'network.peer.address': peer.address,
    'network.peer.port': peer.port,
    'network.transport': peer.transport,
  };
}

function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Runs `listen` and resolves once listening; rejects on a listen error or when `signal` aborts. */
function listening(
  target: EventEmitter,
  signal: AbortSignal,
  listen: (done: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      target.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      reject(new Error('start was aborted'));
    };
    target.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    listen(() => {
      cleanup();
      resolve();
    });
  });
}

/** Build the receiver (no I/O until `start`). */
export function createDarktraceSyslogReceiver(
  settings: Settings,
  config: DarktraceSyslogConfig,
  next: LogsConsumer,
): DarktraceSyslogReceiver {
  return new DarktraceSyslogReceiver(settings, config, next);
}
