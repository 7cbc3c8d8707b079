// The `darktrace-filter` processor: the appliance's own alert filters, applied per record by the core
// record-processor helper, which counts every drop under the label `keep` returns.
import type { Component, Settings } from '../../core/component.js';
import type { LogRecord, LogsConsumer } from '../../core/consumer.js';
import { createRecordProcessor } from '../../core/helpers/processor-helper.js';
import { LogOnce } from '../../core/helpers/log-once.js';
import { detectAlertKind } from '../../receivers/darktrace-syslog/kind.js';
import type { DarktraceAlertKind, DarktraceFilterConfig } from './options.js';
import { darktraceAlertKinds } from './options.js';
import type { DropReason } from './predicate.js';
import { compileDarktraceFilter, darktraceFilterDropReasons } from './predicate.js';

/** Record attribute the receivers set to the alert kind. */
export const alertKindAttribute = 'darktrace.alert.kind';
/** Record attribute darktrace-map sets; its presence means the body is no longer the raw alert. */
export const mapSchemaAttribute = 'darktrace.map.schema';

/**
 * The metric label of a drop: the config key whose check failed, as a path (`model_breach.min_score`,
 * `ai_analyst.device_ips`), or `kinds`. The kind prefix tells apart the keys several kinds share.
 */
export function darktraceFilterDropLabel(kind: DarktraceAlertKind, reason: DropReason): string {
  return reason === 'kind' ? 'kinds' : `${kind}.${reason}`;
}

// Labels built once, so dropping a record allocates no string.
const dropLabels = Object.fromEntries(
  darktraceAlertKinds.map((kind) => [
    kind,
    Object.fromEntries(darktraceFilterDropReasons.map((r) => [r, darktraceFilterDropLabel(kind, r)])),
  ]),
) as Record<DarktraceAlertKind, Record<DropReason, string>>;

const knownKinds: ReadonlySet<string> = new Set(darktraceAlertKinds);

/**
 * The alert kind of a record: the receiver's `darktrace.alert.kind` attribute when it holds a known kind,
 * else detected from the body (records from other sources, e.g. the generator, carry no such attribute).
 */
export function alertKindOf(record: LogRecord): DarktraceAlertKind {
  const attribute = record.attributes[alertKindAttribute];
  if (typeof attribute === 'string' && knownKinds.has(attribute)) return attribute as DarktraceAlertKind;
  const body = record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || ArrayBuffer.isView(body)) {
    return 'unknown';
  }
  return detectAlertKind(body as Readonly<Record<string, unknown>>);
}

/** Creates the processor; the config must have passed {@link validateDarktraceFilterConfig}. */
export function createDarktraceFilterProcessor(
  settings: Settings,
  config: DarktraceFilterConfig,
  next: LogsConsumer,
): Component & LogsConsumer {
  const predicate = compileDarktraceFilter(config);
  const logOnce = new LogOnce(settings.logger);
  const id = settings.id.id;
  return createRecordProcessor(settings, next, {
    keep(record) {
      if (typeof record.attributes[mapSchemaAttribute] === 'string') {
        // The checks read raw Darktrace fields, which a mapped document renames: say so, then filter anyway.
        logOnce.log(
          'warn',
          'mapped_input',
          1,
          (n) =>
            `Processor "${id}" received ${n} records already mapped by darktrace-map; ` +
            'place darktrace-filter before darktrace-map in the pipeline.',
        );
      }
      const kind = alertKindOf(record);
      const reason = predicate(kind, record.body);
      return reason === undefined ? undefined : dropLabels[kind][reason];
    },
  });
}
