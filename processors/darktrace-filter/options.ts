// Config type and JSON Schema of the `darktrace-filter` processor. The keys mirror the filters a Darktrace
// admin sets on the appliance's syslog and workflow integrations (reference/darktrace.md §5), grouped by
// alert kind. Every default is the value that turns a check off, so an empty config keeps every alert.

/** Alert kinds the Darktrace receivers tell apart (reference/darktrace.md §6). */
export const darktraceAlertKinds = [
  'model_breach',
  'ai_analyst',
  'system_status',
  'email',
  'unknown',
] as const;
/** One Darktrace alert kind. */
export type DarktraceAlertKind = (typeof darktraceAlertKinds)[number];

/** Model breach behaviour categories (payload `model.category`, title case there). */
export const breachBehaviours = ['critical', 'suspicious', 'compliance', 'informational'] as const;
/** One model breach behaviour category, lower case. */
export type BreachBehaviour = (typeof breachBehaviours)[number];

/** AI Analyst behaviour categories (payload `category` / `groupCategory`, lower case there). */
export const aiAnalystBehaviours = ['critical', 'suspicious', 'compliance'] as const;
/** One AI Analyst behaviour category. */
export type AiAnalystBehaviour = (typeof aiAnalystBehaviours)[number];

/** Allow and deny lists; an empty `include` allows everything. */
export interface IncludeExclude {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** Filters for model breaches. */
export interface ModelBreachFilterConfig {
  readonly min_score?: number;
  readonly score_field?: 'score' | 'pbscore';
  readonly min_priority?: number;
  readonly behaviours?: readonly BreachBehaviour[];
  readonly model_names?: IncludeExclude;
  readonly model_tags?: IncludeExclude;
  readonly device_ips?: IncludeExclude;
  readonly device_tags?: IncludeExclude;
}

/** Filters for AI Analyst incident events. */
export interface AiAnalystFilterConfig {
  readonly min_event_score?: number;
  readonly min_incident_score?: number;
  readonly event_behaviours?: readonly AiAnalystBehaviour[];
  readonly incident_behaviours?: readonly AiAnalystBehaviour[];
  readonly device_ips?: IncludeExclude;
}

/** Filters for system status alerts. */
export interface SystemStatusFilterConfig {
  readonly min_priority?: number;
  readonly include_resolved?: boolean;
}

/** Filters for Darktrace / Antigena Email alerts. */
export interface EmailFilterConfig {
  readonly min_anomaly_score?: number;
}

/**
 * Config of `darktrace-filter`. After schema validation every key is present with its default; the
 * compiler also accepts a config with keys left out and treats a missing key as its default.
 */
export interface DarktraceFilterConfig {
  readonly kinds?: readonly DarktraceAlertKind[];
  readonly model_breach?: ModelBreachFilterConfig;
  readonly ai_analyst?: AiAnalystFilterConfig;
  readonly system_status?: SystemStatusFilterConfig;
  readonly email?: EmailFilterConfig;
}

const patternList = (what: string) =>
  ({
    type: 'array',
    items: { type: 'string', minLength: 1 },
    default: [],
    description: what,
  }) as const;

const patternDoc =
  'A pattern is a glob, matched against the whole value and ignoring case: `*` matches any run of ' +
  'characters (including `::`), `?` one character, and a backslash makes the next character literal. A ' +
  'pattern written as /regex/ or /regex/flags (flags from i, m, s, u) is a JavaScript regular expression ' +
  'instead, searched anywhere in the value unless anchored with ^ and $.';

const patternFilter = (subject: string, valueDoc: string) =>
  ({
    type: 'object',
    description: `${subject} ${patternDoc}`,
    additionalProperties: false,
    default: {},
    properties: {
      include: patternList(
        `Keep only alerts where at least one ${valueDoc} matches one of these patterns. Empty: no restriction. ` +
          `An alert without any ${valueDoc} is dropped while this list is not empty.`,
      ),
      exclude: patternList(
        `Drop alerts where any ${valueDoc} matches one of these patterns. Applied after include, and wins over it.`,
      ),
    },
  }) as const;

const ipFilter = (subject: string, valueDoc: string) =>
  ({
    type: 'object',
    description:
      `${subject} Entries are IPv4 or IPv6 addresses or CIDR blocks (10.0.0.0/8, 2001:db8::/32); ` +
      'IPv4-mapped IPv6 addresses (::ffff:10.1.2.3) count as IPv4.',
    additionalProperties: false,
    default: {},
    properties: {
      include: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description:
          `Keep only alerts where at least one ${valueDoc} lies in one of these blocks. Empty: no restriction. ` +
          `An alert without a readable ${valueDoc} is dropped while this list is not empty.`,
      },
      exclude: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
        description: `Drop alerts where any ${valueDoc} lies in one of these blocks. Wins over include.`,
      },
    },
  }) as const;

/** JSON Schema (draft-07, ajv strict mode) of {@link DarktraceFilterConfig}; it holds every default. */
export const darktraceFilterConfigSchema = {
  type: 'object',
  description:
    'Keeps or drops Darktrace alerts with the same filters the appliance offers for its syslog and ' +
    'workflow integrations. Each check is off at its default. A check on a field the alert lacks drops ' +
    'the alert (it cannot be shown to pass), except where a description says otherwise.',
  additionalProperties: false,
  properties: {
    kinds: {
      type: 'array',
      description:
        'Alert kinds that may pass at all; the others are dropped. model_breach, ai_analyst, system_status, ' +
        'email, and unknown (a payload the receiver could not classify). Default: all five.',
      items: { type: 'string', enum: [...darktraceAlertKinds] },
      uniqueItems: true,
      default: [...darktraceAlertKinds],
    },
    model_breach: {
      type: 'object',
      description: 'Filters for model breach alerts. Other kinds ignore them.',
      additionalProperties: false,
      default: {},
      properties: {
        min_score: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          default: 0,
          description:
            'Minimum breach score, 0-100 as the Darktrace UI shows it (the payload holds 0-1, so 50 keeps ' +
            'score >= 0.5). 0 turns the check off. Read from the field named by score_field, then from ' +
            'percentscore (0-100), then from the other 0-1 field.',
        },
        score_field: {
          type: 'string',
          enum: ['score', 'pbscore'],
          default: 'score',
          description:
            'Which 0-1 payload field min_score compares: score (every appliance version) or pbscore (newer ' +
            'appliances, where score and percentscore follow the device score and pbscore can differ).',
        },
        min_priority: {
          type: 'integer',
          minimum: 0,
          maximum: 5,
          default: 0,
          description: 'Minimum model priority, 0-5 (payload model.priority). 0 turns the check off.',
        },
        behaviours: {
          type: 'array',
          description:
            'Behaviour categories that pass (payload model.category, compared ignoring case). Default: all ' +
            'four, which turns the check off, so breaches without a category (Darktrace test alerts) pass ' +
            'only while all four are listed.',
          items: { type: 'string', enum: [...breachBehaviours] },
          uniqueItems: true,
          default: [...breachBehaviours],
        },
        model_names: patternFilter(
          'Model name filter (payload model.name, e.g. "Anomalous Connection::Data Sent to Rare Domain"; ' +
            'for the REST then/now shape the current model is used).',
          'model name',
        ),
        model_tags: patternFilter('Model tag filter (payload model.tags).', 'model tag'),
        device_ips: ipFilter(
          'Breach device address filter: device.ip, device.ip6 and every device.ips[].ip are checked.',
          'device address',
        ),
        device_tags: patternFilter('Device tag filter (payload device.tags[].name).', 'device tag'),
      },
    },
    ai_analyst: {
      type: 'object',
      description: 'Filters for AI Analyst incident events. Other kinds ignore them.',
      additionalProperties: false,
      default: {},
      properties: {
        min_event_score: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          default: 0,
          description:
            'Minimum AI Analyst event score, 0-100 as in the UI and the payload (aiaScore; numeric strings ' +
            'accepted). 0 turns the check off.',
        },
        min_incident_score: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          default: 0,
          description:
            'Minimum AI Analyst incident score, 0-100 as in the UI and the payload (groupScore, which ' +
            'Darktrace sometimes sends as a numeric string). 0 turns the check off.',
        },
        event_behaviours: {
          type: 'array',
          description:
            'Event behaviour categories that pass (payload category). Default: all three, which turns the ' +
            'check off.',
          items: { type: 'string', enum: [...aiAnalystBehaviours] },
          uniqueItems: true,
          default: [...aiAnalystBehaviours],
        },
        incident_behaviours: {
          type: 'array',
          description:
            'Incident behaviour categories that pass (payload groupCategory). Default: all three, which ' +
            'turns the check off.',
          items: { type: 'string', enum: [...aiAnalystBehaviours] },
          uniqueItems: true,
          default: [...aiAnalystBehaviours],
        },
        device_ips: ipFilter(
          'AI Analyst device address filter: every breachDevices[].ip is checked (a /24 suffix is ignored).',
          'breach device address',
        ),
      },
    },
    system_status: {
      type: 'object',
      description: 'Filters for system status alerts. Other kinds ignore them.',
      additionalProperties: false,
      default: {},
      properties: {
        min_priority: {
          type: 'integer',
          minimum: 0,
          maximum: 100,
          default: 0,
          description:
            'Minimum system status priority, 0-100 (payload priority; low 0-40, medium 41-60, high 61-80, ' +
            'critical 81-100). Without a number, the lower bound of priority_level is used. 0 turns the ' +
            'check off.',
        },
        include_resolved: {
          type: 'boolean',
          default: true,
          description:
            'Whether alerts whose status is resolved (any case) pass. Active and acknowledged alerts always pass.',
        },
      },
    },
    email: {
      type: 'object',
      description: 'Filters for Darktrace / Antigena Email alerts. Other kinds ignore them.',
      additionalProperties: false,
      default: {},
      properties: {
        min_anomaly_score: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          default: 0,
          description:
            'Minimum email anomaly score, 0-100 as in the UI and the payload (anomaly_score or anomalyScore). ' +
            '0 turns the check off.',
        },
      },
    },
  },
} as const;
