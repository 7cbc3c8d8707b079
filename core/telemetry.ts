// Self-metrics (Prometheus text via prom-client) and health, one instance per service.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import type { ComponentId, ComponentKind, ComponentTelemetry, HealthStatus } from './component.js';

interface Health {
  status: HealthStatus;
  message: string | undefined;
}

/** Metrics and health for one running service. */
export class ServiceTelemetry {
  readonly registry = new client.Registry();
  readonly #health = new Map<string, Health>();
  readonly #queues: { id: string; kind: ComponentKind; size: () => number; capacity: () => number }[] = [];
  readonly #records: client.Counter<'component_id' | 'component_kind' | 'outcome' | 'reason'>;
  readonly #retries: client.Counter<'component_id'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false)
      client.collectDefaultMetrics({ register: this.registry, prefix: 'dtcol_' });
    this.#records = new client.Counter({
      name: 'dtcol_component_records_total',
      help: 'Log records per component and outcome (accepted, refused, dropped, sent, failed, malformed).',
      labelNames: ['component_id', 'component_kind', 'outcome', 'reason'],
      registers: [this.registry],
    });
    this.#retries = new client.Counter({
      name: 'dtcol_exporter_retries_total',
      help: 'Requests an exporter sent again after a retryable failure.',
      labelNames: ['component_id'],
      registers: [this.registry],
    });
    const queues = this.#queues;
    new client.Gauge({
      name: 'dtcol_exporter_queue_size',
      help: 'Records waiting in an exporter queue.',
      labelNames: ['component_id'],
      registers: [this.registry],
      collect() {
        for (const q of queues) this.set({ component_id: q.id }, q.size());
      },
    });
    new client.Gauge({
      name: 'dtcol_exporter_queue_capacity',
      help: 'Capacity of an exporter queue, in records.',
      labelNames: ['component_id'],
      registers: [this.registry],
      collect() {
        for (const q of queues) this.set({ component_id: q.id }, q.capacity());
      },
    });
    const health = this.#health;
    new client.Gauge({
      name: 'dtcol_component_healthy',
      help: '1 while the component reports ok, 0 otherwise.',
      labelNames: ['component_id'],
      registers: [this.registry],
      collect() {
        for (const [id, h] of health) this.set({ component_id: id }, h.status === 'ok' ? 1 : 0);
      },
    });
  }

  /** The telemetry handle for one component (instances of one id share their counters). */
  forComponent(id: ComponentId, kind: ComponentKind): ComponentTelemetry {
    const key = `${kind}:${id.id}`;
    this.#health.set(key, { status: 'ok', message: undefined });
    const records = this.#records;
    const count = (outcome: string, n: number, reason = ''): void => {
      if (n > 0) records.inc({ component_id: id.id, component_kind: kind, outcome, reason }, n);
    };
    return {
      accepted: (n) => count('accepted', n),
      refused: (n) => count('refused', n),
      dropped: (n, reason) => count('dropped', n, reason),
      sent: (n) => count('sent', n),
      failed: (n, reason) => count('failed', n, reason),
      malformed: (n, reason) => count('malformed', n, reason),
      retried: () => this.#retries.inc({ component_id: id.id }),
      observeQueue: (size, capacity) => this.#queues.push({ id: id.id, kind, size, capacity }),
      setHealth: (status, message) => this.#health.set(key, { status, message }),
    };
  }

  /** Overall health: ok only when every component is ok; otherwise the components that are not. */
  health(): { healthy: boolean; components: Record<string, { status: HealthStatus; message?: string }> } {
    const components: Record<string, { status: HealthStatus; message?: string }> = {};
    let healthy = true;
    for (const [key, h] of this.#health) {
      components[key] =
        h.message === undefined ? { status: h.status } : { status: h.status, message: h.message };
      if (h.status !== 'ok') healthy = false;
    }
    return { healthy, components };
  }

  /** Current value of a record counter, summed over reasons (for tests and the CLI). */
  async recordCount(componentId: string, outcome: string): Promise<number> {
    const metric = await this.#records.get();
    return metric.values
      .filter((v) => v.labels['component_id'] === componentId && v.labels['outcome'] === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  }
}

/** Serve `/metrics` and `/healthz` on `host:port`; resolves with the bound address. */
export async function serveTelemetry(
  telemetry: ServiceTelemetry,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      telemetry.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': telemetry.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      const health = telemetry.health();
      res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', components: health.components }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `http://${shownHost}:${addr.port}` };
}
