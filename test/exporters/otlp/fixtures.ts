// Our own small Darktrace-shaped records (written for these tests, modelled on the real alert shapes in
// reference/darktrace.md §1) and a fully-defaulted otlp config built the way validation builds it.
import type { AnyValue } from '@opentelemetry/api';
import { compileSchema } from '../../../core/config/ajv.js';
import type { LogRecord } from '../../../core/consumer.js';
import { createRecord, sharedResource, SeverityNumber } from '../../../core/records.js';
import { otlpExporterConfigSchema, type OtlpExporterConfig } from '../../../exporters/otlp/config.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Schema defaults with `overrides` laid over them; throws when the result does not validate. */
export function otlpConfig(
  overrides: DeepPartial<OtlpExporterConfig> & { endpoint: string },
): OtlpExporterConfig {
  const value = structuredClone(overrides) as Record<string, unknown>;
  const validate = compileSchema(otlpExporterConfigSchema);
  if (!validate(value)) throw new Error(JSON.stringify(validate.errors));
  return value as unknown as OtlpExporterConfig;
}

/** A model breach as Darktrace sends it over syslog: 0-1 score, nested model, device, components. */
export function modelBreach(pbid: number, score: number): Record<string, unknown> {
  return {
    pbid,
    time: 1_714_566_000_000 + pbid,
    creationTime: 1_714_566_000_500 + pbid,
    score,
    commentCount: 0,
    model: {
      name: 'Anomalous Connection::Data Sent to Rare Domain',
      pid: 311,
      priority: 3,
      category: 'Suspicious',
      tags: ['AP: Exfiltration'],
      active: true,
    },
    device: { did: 42, ip: '192.0.2.10', hostname: 'ws-finance-07', macaddress: '00:00:5e:00:53:01' },
    triggeredComponents: [
      { cid: 7001, size: 3, threshold: 1, metrics: [{ mlid: 1, name: 'externalconnections' }] },
    ],
    acknowledged: false,
  };
}

/** An AI Analyst incident event: numeric-string groupScore, lower-case category. */
export function aiAnalystEvent(n: number): Record<string, unknown> {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    createdAt: 1_714_566_100_000 + n,
    title: 'Unusual Repeated Connections',
    category: 'suspicious',
    aiaScore: 61,
    groupScore: '58.25',
    attackPhases: [2, 5],
    pinned: false,
  };
}

/** The appliance whose alerts a record carries (one shared resource per appliance, as receivers make them). */
export const applianceResource = (appliance: string): LogRecord['resource'] =>
  sharedResource({ 'service.name': 'darktrace-collector', 'darktrace.appliance': appliance });

/** A record the way receivers build one for a model breach (before darktrace-map). */
export function breachRecord(pbid: number, options: { score?: number; appliance?: string } = {}): LogRecord {
  const body = modelBreach(pbid, options.score ?? 0.674) as AnyValue;
  return createRecord({
    time: 1_714_566_000_000 + pbid,
    observedTime: 1_714_566_001_000.25 + pbid,
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body,
    eventName: 'darktrace.model_breach',
    attributes: {
      'darktrace.alert.kind': 'model_breach',
      'darktrace.source': 'syslog',
      'log.syslog.hostname': 'dt-master-01',
      'log.syslog.appname': 'darktrace',
      'log.syslog.facility.code': 20,
      'network.peer.address': '192.0.2.1',
      'network.peer.port': 51514,
      'network.transport': 'tcp',
    },
    resource: applianceResource(options.appliance ?? 'dt-master-01.example.net'),
  });
}
