// Sentinel legacy preset: the flat record Darktrace itself pushes to the HTTP Data Collector API
// (table darktrace_model_alerts_CL; reference/sentinel.md §3). The Data Collector names each column after
// the JSON type of its first value (`score` number → score_d, a GUID string → uuid_g), so the JSON types
// and text formats below are part of the contract:
// - ports are strings; `breachTime` is `YYYY-MM-DD HH:MM:SS`; AI and system times are Darktrace's text
//   date `Mar 3rd 2021 07:05:09 UTC` (ISO would create `_t` columns no rule reads);
// - `score` is 0–100; `uuid` / `externalId` are GUIDs (→ `_g`), the email `uuid` is not (→ `uuid_s`);
// - `message`, `category`, `severity`, `sourceIP` are spelled exactly so, for the unsuffixed columns.
// Fields the syslog/REST objects do not carry get the value Darktrace sends for "unknown" (`""`, as in
// Microsoft's sample `destMac`), `false` for the flags, `[]` for lists and `0` for the coordinates, so
// that every column the Darktrace solution queries exists. Drop them with `fields.drop` once the
// workspace has its columns if you prefer absent values. The source of several push fields is not public
// (sentinel.md §3.2 "likely source", §6); those choices are marked "unconfirmed".
import type { KindTable, SchemaTable } from './types.js';

const policyBreach: KindTable = {
  rules: [
    { to: 'dtProduct', value: 'Policy Breach' },
    { to: 'threatID', from: 'pbid', convert: 'toDouble' },
    { to: 'breachTime', from: 'time', convert: 'msToDarktraceDateTime' },
    { to: 'breachUrl', from: 'breachUrl', default: '' },
    { to: 'details', from: 'breachUrl', default: '' },
    { to: 'modelName', from: 'model.name' },
    { to: 'pid', from: 'model.pid', convert: 'toDouble' },
    { to: 'uuid', from: 'model.uuid', convert: 'toGuid' },
    { to: 'description', from: 'model.description' },
    { to: 'score', from: ['score', 'pbscore'], convert: { fn: 'unitToPercent', args: [6] } },
    { to: 'score', from: 'percentscore', convert: 'toDouble', ifUnset: true },
    { to: 'category', from: 'model.category' },
    { to: 'compliance', from: 'model.compliance', convert: 'toBool' },
    { to: 'tags', from: 'model.tags', default: [] },
    { to: 'mitreTechniques', from: 'mitreTechniques', default: [] },
    // Unconfirmed: the push's own message text is not public.
    { to: 'message', template: '{model.name}[ breach on {device.hostname|device.ip}]' },
    { to: 'hostname', from: 'device.hostname' },
    { to: 'typeLabel', from: 'device.typelabel' },
    { to: 'deviceId', from: ['device.did', 'did'], convert: 'toDouble' },
    { to: 'sid', from: 'device.sid', convert: 'toDouble' },
    { to: 'sourceIP', from: ['device.ip', 'device.ip6'], default: '' },
    // Connection details come from the breach's display filters (unconfirmed).
    {
      to: 'sourcePort',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Source port'] },
      default: '',
    },
    { to: 'sourceMac', from: 'device.macaddress', default: '' },
    { to: 'sourceHost', from: 'device.hostname', default: '' },
    {
      to: 'destIP',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination IP'] },
      default: '',
    },
    {
      to: 'destHost',
      from: 'triggeredComponents',
      convert: {
        fn: 'filterValue',
        args: ['Connection hostname', 'Internal destination device name', 'Destination hostname'],
      },
      default: '',
    },
    {
      to: 'destMac',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination MAC address'] },
      default: '',
    },
    {
      to: 'destPort',
      from: 'triggeredComponents',
      convert: { fn: 'filterValue', args: ['Destination port'] },
      default: '',
    },
    { to: 'triggeredComponents', from: 'triggeredComponents', convert: 'componentsText', default: '' },
    { to: 'longitude', from: ['longitude', 'device.longitude'], convert: 'toDouble', default: 0 },
    { to: 'latitude', from: ['latitude', 'device.latitude'], convert: 'toDouble', default: 0 },
    // "RESPOND action present" (sentinel.md §3.2).
    { to: 'antigena', from: 'model.actions.antigena.action', convert: 'present', default: false },
    { to: 'blocked', value: false },
    { to: 'cSensor', value: false },
  ],
};

const aiAnalyst: KindTable = {
  rules: [
    { to: 'dtProduct', value: 'AI Analyst' },
    { to: 'startTime', from: 'periods[].start', convert: ['min', 'msToDarktraceText'] },
    { to: 'endTime', from: 'periods[].end', convert: ['max', 'msToDarktraceText'] },
    { to: 'time', from: 'createdAt', convert: 'msToDarktraceText' },
    { to: 'title', from: 'title' },
    { to: 'summary', from: 'summary' },
    { to: 'summaryFirstSentence', from: 'summary', convert: 'firstSentence' },
    { to: 'externalId', from: 'id', convert: 'toGuid' },
    { to: 'url', from: 'incidentEventUrl', default: '' },
    { to: 'activityId', from: 'activityId' },
    { to: 'groupingId', from: 'groupingIds[]', convert: 'first' },
    { to: 'groupByActivity', from: 'groupByActivity', convert: 'toBool' },
    { to: 'currentGroup', from: 'currentGroup' },
    { to: 'groupPreviousGroups', from: 'groupPreviousGroups', default: [] },
    { to: 'groupCategory', from: 'groupCategory' },
    { to: 'groupScore', from: 'groupScore', convert: 'toDouble' },
    { to: 'score', from: 'aiaScore', convert: 'toDouble' },
    // 0–10 in the samples: aiaScore 100 → 10, system priority 71 → 8, i.e. ⌈score / 10⌉ (unconfirmed).
    { to: 'severity', from: 'aiaScore', convert: [{ fn: 'divide', args: [10] }, 'ceil'] },
    { to: 'hostname', from: 'breachDevices[].hostname', convert: 'first' },
    { to: 'identifier', from: ['breachDevices[].identifier', 'breachDevices[].hostname'], convert: 'first' },
    { to: 'deviceIP', from: 'breachDevices[].ip', convert: ['first', 'stripCidr'] },
    { to: 'mac', from: 'breachDevices[].mac', convert: 'first' },
    { to: 'subnet', from: 'breachDevices[].subnet', convert: 'first' },
    {
      to: 'bestDeviceName',
      from: ['breachDevices[].hostname', 'breachDevices[].identifier', 'breachDevices[].ip'],
      convert: 'first',
    },
    // Unconfirmed: how the appliance decides `newEvent` is not public; every alert we forward is new to us.
    { to: 'newEvent', value: true },
    { to: 'longitude', from: 'longitude', convert: 'toDouble', default: 0 },
    { to: 'latitude', from: 'latitude', convert: 'toDouble', default: 0 },
  ],
};

const systemAlert: KindTable = {
  rules: [
    { to: 'dtProduct', value: 'System Alert' },
    { to: 'time', from: 'last_updated', convert: 'secondsToDarktraceText' },
    { to: 'name', from: 'name' },
    { to: 'friendlyName', from: 'alert_name' },
    { to: 'message', from: 'message' },
    { to: 'priority_code', from: 'priority', convert: 'toDouble' },
    { to: 'priority', from: 'priority_level' },
    { to: 'severity', from: 'priority', convert: [{ fn: 'divide', args: [10] }, 'ceil'] },
    { to: 'status', from: 'status', convert: 'capitalize' },
    { to: 'hostname', from: 'hostname' },
    { to: 'deviceIP', from: 'ip_address' },
    { to: 'uuid', from: 'uuid', convert: 'toGuid' },
    { to: 'url', from: 'url', default: '' },
    // Raw snake_case names some appliance versions pushed; no content reads them (sentinel.md §3.4).
    { to: 'alert_name', from: 'alert_name' },
    { to: 'priority_level', from: 'priority_level' },
    { to: 'ip_address', from: 'ip_address' },
    { to: 'child_id', from: 'child_id', convert: 'toDouble' },
    { to: 'last_updated', from: 'last_updated', convert: 'toDouble' },
    { to: 'last_updated_status', from: 'last_updated_status', convert: 'toDouble' },
  ],
};

// Email alerts arrive in the flat push shape already; types are normalised.
const antigenaEmail: KindTable = {
  rules: [
    { to: 'dtProduct', value: 'Antigena Email' },
    { to: 'actions', from: 'actions', convert: 'toArray' },
    { to: 'anomaly_score', from: ['anomaly_score', 'anomalyScore'], convert: 'toDouble' },
    { to: 'attachment_sha1s', from: ['attachment_sha1s', 'attachmentSha1s'], convert: 'join' },
    { to: 'direction', from: 'direction' },
    { to: 'from', from: 'from' },
    { to: 'link_hosts', from: ['link_hosts', 'linkHosts'], convert: 'toArray' },
    { to: 'recipients', from: 'recipients', convert: 'toArray' },
    { to: 'subject', from: 'subject' },
    { to: 'tags', from: 'tags', convert: 'toArray', default: [] },
    // ISO without a zone, so that the column is `timestamp_t` (sentinel.md §3.5).
    { to: 'timestamp', from: 'timestamp', convert: 'isoNoZone' },
    { to: 'url', from: 'url', default: '' },
    { to: 'uuid', from: 'uuid', convert: 'toString' },
  ],
};

/** The Sentinel legacy (Data Collector API) preset. */
export const sentinelLegacyTable: SchemaTable = {
  name: 'sentinel-legacy',
  body: 'mapped',
  prune: 'null',
  kinds: {
    model_breach: policyBreach,
    ai_analyst: aiAnalyst,
    system_status: systemAlert,
    email: antigenaEmail,
  },
};
