// Sentinel CCF preset: records for the streams of the newer Darktrace connector (reference/sentinel.md
// §4, Azure-Sentinel Solutions/Darktrace/Data Connectors/ccf). Columns are unsuffixed camelCase with
// declared types: `dt` columns get ISO 8601 UTC, `int` columns integers, `dynamic` columns JSON values.
// Logs Ingestion silently drops undeclared columns, so nothing here invents extra keys. No public sample
// exists for these tables: which alert field feeds which column is our reading of the column names, and
// `darktraceProduct` reuses the legacy `dtProduct` names (unconfirmed). `score` is an int column, so
// the 0–1 breach score is scaled to 0–100 and rounded.
import type { KindTable, SchemaTable } from './types.js';

const modelAlerts: KindTable = {
  stream: 'Custom-DarktraceModelAlerts',
  rules: [
    { to: 'darktraceProduct', value: 'Policy Breach' },
    { to: 'alertTime', from: 'time', convert: 'dateToIso' },
    { to: 'alertUrl', from: 'breachUrl', convert: 'uri' },
    { to: 'antigena', from: 'model.actions.antigena.action', convert: 'present', default: false },
    { to: 'category', from: 'model.category' },
    { to: 'compliance', from: 'model.compliance', convert: 'toBool' },
    { to: 'description', from: 'model.description' },
    {
      to: 'destHost',
      from: 'triggeredComponents',
      convert: {
        fn: 'filterValue',
        args: ['Connection hostname', 'Internal destination device name', 'Destination hostname'],
      },
    },
    {
      to: 'destIp',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination IP'] },
    },
    {
      to: 'destMac',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination MAC address'] },
    },
    {
      to: 'destPort',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination port'] },
    },
    { to: 'details', from: 'breachUrl', convert: 'uri' },
    { to: 'deviceCredentials', from: 'device.credentials', convert: 'toArray' },
    { to: 'deviceHostname', from: 'device.hostname' },
    { to: 'deviceId', from: ['device.did', 'did'], convert: 'toLong' },
    { to: 'deviceLabel', from: 'device.label' },
    { to: 'deviceType', from: ['device.typename', 'device.typelabel'] },
    { to: 'message', template: '{model.name}[ breach on {device.hostname|device.ip}]' },
    { to: 'mitreTechniques', from: 'mitreTechniques' },
    { to: 'modelName', from: 'model.name' },
    { to: 'modelTags', from: 'model.tags' },
    { to: 'pid', from: 'model.pid', convert: 'toLong' },
    { to: 'score', from: ['score', 'pbscore'], convert: ['unitToPercent', 'toInt'] },
    { to: 'score', from: 'percentscore', convert: 'toInt', ifUnset: true },
    { to: 'sid', from: 'device.sid', convert: 'toLong' },
    { to: 'sourceHost', from: 'device.hostname' },
    { to: 'sourceIp', from: ['device.ip', 'device.ip6'] },
    { to: 'sourceMac', from: 'device.macaddress' },
    { to: 'sourcePort', from: 'triggeredComponents', convert: { fn: 'filterValue', args: ['Source port'] } },
    { to: 'threatId', from: 'pbid', convert: 'toLong' },
    { to: 'triggeredComponents', from: 'triggeredComponents', convert: 'componentsText' },
    { to: 'typeLabel', from: 'device.typelabel' },
    { to: 'uuid', from: 'model.uuid' },
  ],
};

const incidents: KindTable = {
  stream: 'Custom-DarktraceIncidents',
  rules: [
    { to: 'darktraceProduct', value: 'AI Analyst' },
    { to: 'activityId', from: 'activityId' },
    { to: 'aiaScore', from: 'aiaScore', convert: 'toInt' },
    {
      to: 'bestAssetName',
      from: ['breachDevices[].hostname', 'breachDevices[].identifier', 'breachDevices[].ip'],
      convert: 'first',
    },
    { to: 'currentGroup', from: 'currentGroup' },
    { to: 'deviceHostname', from: 'breachDevices[].hostname', convert: 'first' },
    { to: 'deviceIp', from: 'breachDevices[].ip', convert: ['first', 'stripCidr'] },
    { to: 'deviceIdentifier', from: 'breachDevices[].identifier', convert: 'first' },
    { to: 'deviceMac', from: 'breachDevices[].mac', convert: 'first' },
    { to: 'deviceSubnet', from: 'breachDevices[].subnet', convert: 'first' },
    { to: 'devices', from: 'breachDevices' },
    { to: 'endTime', from: 'periods[].end', convert: ['max', 'dateToIso'] },
    { to: 'externalId', from: 'id' },
    { to: 'groupByActivity', from: 'groupByActivity', convert: 'toBool' },
    { to: 'groupCategory', from: 'groupCategory' },
    { to: 'groupPreviousGroups', from: 'groupPreviousGroups' },
    { to: 'groupScore', from: 'groupScore', convert: 'toInt' },
    { to: 'groupingId', from: 'groupingIds[]', convert: 'first' },
    { to: 'incidentEventTime', from: 'createdAt', convert: 'dateToIso' },
    { to: 'incidentEventTitle', from: 'title' },
    { to: 'newEvent', value: true },
    { to: 'severity', from: 'aiaScore', convert: [{ fn: 'divide', args: [10] }, 'ceil'] },
    { to: 'startTime', from: 'periods[].start', convert: ['min', 'dateToIso'] },
    { to: 'summary', from: 'summary' },
    { to: 'summaryFirstSentence', from: 'summary', convert: 'firstSentence' },
    { to: 'url', from: 'incidentEventUrl' },
  ],
};

const systemStatusAlerts: KindTable = {
  stream: 'Custom-DarktraceSystemStatusAlerts',
  rules: [
    { to: 'darktraceProduct', value: 'System Alert' },
    { to: 'alertTime', from: 'last_updated', convert: 'secondsToIso' },
    { to: 'darktraceHostname', from: 'hostname' },
    { to: 'deviceIp', from: 'ip_address' },
    { to: 'friendlyModelName', from: 'alert_name' },
    { to: 'message', from: 'message' },
    { to: 'modelName', from: 'name' },
    { to: 'priority', from: 'priority_level' },
    { to: 'priorityCode', from: 'priority', convert: 'toInt' },
    { to: 'status', from: 'status', convert: 'lower' },
    { to: 'statusName', from: 'status', convert: 'capitalize' },
    { to: 'severity', from: 'priority', convert: [{ fn: 'divide', args: [10] }, 'ceil'] },
    { to: 'url', from: 'url' },
    { to: 'uuid', from: 'uuid' },
  ],
};

const email: KindTable = {
  stream: 'Custom-DarktraceEMAIL',
  rules: [
    { to: 'darktraceProduct', value: 'Antigena Email' },
    { to: 'actions', from: 'actions', convert: 'toArray' },
    { to: 'alertTime', from: 'timestamp', convert: 'dateToIso' },
    { to: 'anomalyScore', from: ['anomalyScore', 'anomaly_score'], convert: 'toInt' },
    { to: 'attachmentNames', from: ['attachmentNames', 'attachment_names'], convert: 'toArray' },
    { to: 'attachmentSha1s', from: ['attachmentSha1s', 'attachment_sha1s'], convert: 'toArray' },
    { to: 'attachmentSha256s', from: ['attachmentSha256s', 'attachment_sha256s'], convert: 'toArray' },
    { to: 'direction', from: 'direction' },
    { to: 'from', from: 'from' },
    { to: 'linkHosts', from: ['linkHosts', 'link_hosts'], convert: 'toArray' },
    { to: 'messageId', from: ['messageId', 'message_id'] },
    { to: 'recipientActions', from: ['recipientActions', 'recipient_actions'] },
    { to: 'recipients', from: 'recipients', convert: 'toArray' },
    { to: 'subject', from: 'subject' },
    { to: 'tags', from: 'tags', convert: 'toArray' },
    { to: 'timestamp', from: 'timestamp', convert: 'dateToIso' },
    { to: 'url', from: 'url' },
    { to: 'uuid', from: 'uuid', convert: 'toString' },
  ],
};

/** The Sentinel CCF (Logs Ingestion) preset. */
export const sentinelCcfTable: SchemaTable = {
  name: 'sentinel-ccf',
  body: 'mapped',
  prune: 'null',
  kinds: {
    model_breach: modelAlerts,
    ai_analyst: incidents,
    system_status: systemStatusAlerts,
    email,
  },
};
