// OTel preset: the body is the alert as received; these rules fill flat `darktrace.*` attributes with the
// scalar fields worth filtering and grouping on (identity, dedupe keys, score, category, device). Keys
// follow OTel attribute naming (lower-case, dot namespaces, snake_case words). Severity and the event
// name (`darktrace.<kind>`) are set by the mapper for every preset (common.ts).
import type { KindTable, SchemaTable } from './types.js';

const modelBreach: KindTable = {
  rules: [
    { to: 'darktrace.pbid', from: 'pbid', convert: 'toLong' },
    // Elastic's dedupe fingerprint is pbid + time + creationTime + model.phid (darktrace.md §4).
    { to: 'darktrace.time', from: 'time', convert: 'toEpochMs' },
    { to: 'darktrace.creation_time', from: 'creationTime', convert: 'toEpochMs' },
    { to: 'darktrace.score', from: 'score', convert: 'toDouble' },
    { to: 'darktrace.pbscore', from: 'pbscore', convert: 'toDouble' },
    { to: 'darktrace.percentscore', from: 'percentscore', convert: 'toDouble' },
    { to: 'darktrace.acknowledged', from: 'acknowledged', convert: 'acknowledged' },
    { to: 'darktrace.acknowledged_by', from: 'acknowledged.username', convert: 'toString' },
    { to: 'darktrace.breach_url', from: 'breachUrl', convert: 'uri' },
    { to: 'darktrace.model.name', from: 'model.name', convert: 'toString' },
    { to: 'darktrace.model.uuid', from: 'model.uuid', convert: 'toString' },
    { to: 'darktrace.model.pid', from: 'model.pid', convert: 'toLong' },
    { to: 'darktrace.model.phid', from: 'model.phid', convert: 'toLong' },
    { to: 'darktrace.model.category', from: 'model.category', convert: 'lower' },
    { to: 'darktrace.model.priority', from: 'model.priority', convert: 'toLong' },
    { to: 'darktrace.model.compliance', from: 'model.compliance', convert: 'toBool' },
    { to: 'darktrace.model.tags', from: 'model.tags[]', convert: 'join' },
    { to: 'darktrace.device.did', from: ['device.did', 'did'], convert: 'toLong' },
    { to: 'darktrace.device.hostname', from: 'device.hostname', convert: 'toString' },
    { to: 'darktrace.device.ip', from: ['device.ip', 'device.ip6'], convert: 'toString' },
    { to: 'darktrace.device.mac', from: 'device.macaddress', convert: 'toString' },
    { to: 'darktrace.device.sid', from: 'device.sid', convert: 'toLong' },
    { to: 'darktrace.device.type', from: 'device.typename', convert: 'toString' },
    { to: 'darktrace.mitre.technique_ids', from: 'mitreTechniques[].techniqueID', convert: 'join' },
  ],
};

const aiAnalyst: KindTable = {
  rules: [
    { to: 'darktrace.id', from: 'id', convert: 'toString' },
    { to: 'darktrace.created_at', from: 'createdAt', convert: 'toEpochMs' },
    { to: 'darktrace.title', from: 'title', convert: 'toString' },
    { to: 'darktrace.category', from: 'category', convert: 'lower' },
    { to: 'darktrace.group_category', from: 'groupCategory', convert: 'lower' },
    { to: 'darktrace.aia_score', from: 'aiaScore', convert: 'toDouble' },
    { to: 'darktrace.group_score', from: 'groupScore', convert: 'toDouble' },
    { to: 'darktrace.current_group', from: 'currentGroup', convert: 'toString' },
    { to: 'darktrace.activity_id', from: 'activityId', convert: 'toString' },
    { to: 'darktrace.acknowledged', from: 'acknowledged', convert: 'acknowledged' },
    { to: 'darktrace.pinned', from: 'pinned', convert: 'toBool' },
    { to: 'darktrace.url', from: 'incidentEventUrl', convert: 'uri' },
    { to: 'darktrace.related_pbids', from: 'relatedBreaches[].pbid', convert: 'join' },
    { to: 'darktrace.device.did', from: 'breachDevices[].did', convert: 'first' },
    { to: 'darktrace.device.hostname', from: 'breachDevices[].hostname', convert: 'first' },
    { to: 'darktrace.device.ip', from: 'breachDevices[].ip', convert: ['first', 'stripCidr'] },
  ],
};

const systemStatus: KindTable = {
  rules: [
    { to: 'darktrace.uuid', from: 'uuid', convert: 'toString' },
    { to: 'darktrace.name', from: 'name', convert: 'toString' },
    { to: 'darktrace.alert_name', from: 'alert_name', convert: 'toString' },
    { to: 'darktrace.status', from: 'status', convert: 'lower' },
    { to: 'darktrace.priority', from: 'priority', convert: 'toDouble' },
    { to: 'darktrace.priority_level', from: 'priority_level', convert: 'lower' },
    { to: 'darktrace.hostname', from: 'hostname', convert: 'toString' },
    { to: 'darktrace.ip_address', from: 'ip_address', convert: 'toString' },
    { to: 'darktrace.child_id', from: 'child_id', convert: 'toLong' },
    { to: 'darktrace.last_updated', from: 'last_updated', convert: 'secondsToEpochMs' },
    { to: 'darktrace.url', from: 'url', convert: 'uri' },
  ],
};

const email: KindTable = {
  rules: [
    { to: 'darktrace.uuid', from: 'uuid', convert: 'toString' },
    { to: 'darktrace.timestamp', from: 'timestamp', convert: 'toEpochMs' },
    { to: 'darktrace.anomaly_score', from: ['anomaly_score', 'anomalyScore'], convert: 'toDouble' },
    { to: 'darktrace.direction', from: 'direction', convert: 'toString' },
    { to: 'darktrace.actions', from: 'actions', convert: 'join' },
    { to: 'darktrace.tags', from: 'tags', convert: 'join' },
    { to: 'darktrace.url', from: 'url', convert: 'uri' },
  ],
};

/** The OTel preset. */
export const otelTable: SchemaTable = {
  name: 'otel',
  body: 'alert',
  prune: 'null',
  flatTargets: true,
  kinds: {
    model_breach: modelBreach,
    ai_analyst: aiAnalyst,
    system_status: systemStatus,
    email,
    unknown: { rules: [] },
  },
};
