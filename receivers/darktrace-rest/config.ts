import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ComponentConfigProblem } from '../../core/factory.js';
import { durationSchema, parseDuration } from '../../core/units.js';
import {
  checkWindowOptions,
  defaultDedupeOptions,
  type DedupeOptions,
  type WindowOptions,
} from './window.js';

/** Request parameters of the `/modelbreaches` feed. */
export interface ModelBreachFeedConfig {
  enabled: boolean;
  /** 0–100 as the Threat Visualizer shows it; sent as `minscore` on the API's 0–1 scale. */
  min_score: number;
  include_acknowledged: boolean;
  historic_model_only: boolean;
  include_breach_url: boolean;
  expand_enums: boolean;
  minimal: boolean;
  device_at_top: boolean;
  creation_time: boolean;
  include_suppressed?: boolean;
  saas_only?: boolean;
}

/** Request parameters of the `/aianalyst/incidentevents` feed. */
export interface AiAnalystFeedConfig {
  enabled: boolean;
  min_score: number;
  min_group_score: number;
  include_acknowledged: boolean;
  include_incident_event_url: boolean;
  include_all_pinned: boolean;
  locale?: string;
}

/** Config of the `darktrace-rest` receiver. */
export interface DarktraceRestConfig {
  url: string;
  public_token: string;
  private_token: string;
  feeds: {
    model_breaches: ModelBreachFeedConfig;
    ai_analyst: AiAnalystFeedConfig;
    ai_analyst_groups: { enabled: boolean };
  };
  poll_interval: string;
  initial_lookback: string;
  overlap: string;
  settle: string;
  max_window: string;
  reemit_updates: boolean;
  timeout: string;
  tls: { insecure_skip_verify: boolean; ca_file?: string };
}

const score = (description: string): Record<string, unknown> => ({
  type: 'number',
  minimum: 0,
  maximum: 100,
  default: 0,
  description,
});

const flag = (description: string, value: boolean): Record<string, unknown> => ({
  type: 'boolean',
  default: value,
  description,
});

/** JSON Schema of {@link DarktraceRestConfig}; the defaults live here only. */
export const darktraceRestConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'public_token', 'private_token'],
  description: 'Polls model breaches and AI Analyst incident events from the Threat Visualizer REST API.',
  properties: {
    url: {
      type: 'string',
      format: 'uri',
      description:
        'Base URL of the appliance or Darktrace cloud instance, e.g. https://darktrace.example.com.',
    },
    public_token: {
      type: 'string',
      minLength: 1,
      secret: true,
      description: 'Public API token (sent as DTAPI-Token). Use ${env:DT_PUBLIC_TOKEN}.',
    },
    private_token: {
      type: 'string',
      minLength: 1,
      secret: true,
      description: 'Private API token; signs every request and is never sent. Use ${env:DT_PRIVATE_TOKEN}.',
    },
    feeds: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'What to poll.',
      properties: {
        model_breaches: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Model breaches from GET /modelbreaches.',
          properties: {
            enabled: flag('Poll model breaches.', true),
            min_score: score(
              'Lowest breach score to fetch, 0-100 as the Threat Visualizer shows it (sent divided by 100).',
            ),
            include_acknowledged: flag('Also fetch breaches already acknowledged.', true),
            historic_model_only: flag(
              'Flat model as it was when the breach fired (the shape syslog sends) instead of {then, now}.',
              true,
            ),
            include_breach_url: flag('Add breachUrl (needs the appliance FQDN set).', true),
            expand_enums: flag('Numeric enums as names.', true),
            minimal: flag('Reduced output; false keeps full triggered components.', false),
            device_at_top: flag('Device object at the top level, as syslog sends it.', true),
            creation_time: flag('Filter windows on creationTime instead of the breach time.', false),
            include_suppressed: {
              type: 'boolean',
              description: 'Also fetch suppressed breaches (not sent unless set).',
            },
            saas_only: { type: 'boolean', description: 'Only SaaS breaches (not sent unless set).' },
          },
        },
        ai_analyst: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'AI Analyst incident events from GET /aianalyst/incidentevents.',
          properties: {
            enabled: flag('Poll AI Analyst incident events.', true),
            min_score: score('Lowest event score (aiaScore) to fetch, 0-100.'),
            min_group_score: score('Lowest incident (group) score to fetch, 0-100.'),
            include_acknowledged: flag('Also fetch acknowledged events.', true),
            include_incident_event_url: flag('Add incidentEventUrl.', true),
            include_all_pinned: flag(
              'Return pinned events whatever the window (Darktrace default true; the receiver dedupes them).',
              false,
            ),
            locale: { type: 'string', minLength: 1, description: 'Language of titles and summaries.' },
          },
        },
        ai_analyst_groups: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description:
            'Enrich AI Analyst events with their incident from GET /aianalyst/groups (darktrace.ai_analyst.incident.* attributes).',
          properties: { enabled: flag('Look up the incident of each new event.', false) },
        },
      },
    },
    poll_interval: durationSchema('Time between polls once caught up.', '60s'),
    initial_lookback: durationSchema('How far back the very first poll reaches.', '24h'),
    overlap: durationSchema(
      'Each window re-reads this much before the last one ended, for alerts created late; duplicates are removed by id.',
      '10m',
    ),
    settle: durationSchema('Windows end this long before now, so alerts being written have landed.', '30s'),
    max_window: durationSchema(
      'Longest time range per request (there is no paging) when catching up and in backfills.',
      '1h',
    ),
    reemit_updates: flag(
      'Send an alert again when it changes in place (acknowledged, regrouped, rescored).',
      false,
    ),
    timeout: durationSchema('Time limit for one API request.', '30s'),
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS options for https URLs.',
      properties: {
        ca_file: {
          type: 'string',
          minLength: 1,
          description:
            "PEM file of the CA (or the appliance's self-signed certificate); relative to this file.",
        },
        insecure_skip_verify: flag('Do not verify the certificate (logged loudly; for tests only).', false),
      },
    },
  },
} as const;

/** An example that validates; loopback, so the conformance suite never reaches a real host. */
export const exampleDarktraceRestConfig = {
  url: 'https://127.0.0.1:8443',
  public_token: 'examplePublicToken',
  private_token: 'examplePrivateToken',
} as DarktraceRestConfig;

/** Timing derived from the config (ms). */
export interface DarktraceRestTiming {
  readonly window: WindowOptions;
  readonly dedupe: DedupeOptions;
  readonly timeoutMs: number;
}

/** How many catch-up windows one poll may request before yielding to the next poll. */
const maxWindowsPerPoll = 6;

/** Parses the duration fields; throws a RangeError for a value the schema let through but cannot be used. */
export function timingOf(config: DarktraceRestConfig): DarktraceRestTiming {
  const window: WindowOptions = {
    pollIntervalMs: parseDuration(config.poll_interval),
    initialLookbackMs: parseDuration(config.initial_lookback),
    overlapMs: parseDuration(config.overlap),
    settleMs: parseDuration(config.settle),
    maxWindowMs: parseDuration(config.max_window),
    maxWindowsPerPoll,
  };
  return {
    window,
    dedupe: { ...defaultDedupeOptions, overlapMs: window.overlapMs, reemitUpdates: config.reemit_updates },
    timeoutMs: parseDuration(config.timeout),
  };
}

/** Resolves `tls.ca_file` against the directory of the configuration file. */
export function caFilePath(config: DarktraceRestConfig, configDir: string): string | undefined {
  const file = config.tls.ca_file;
  if (file === undefined) return undefined;
  return isAbsolute(file) ? file : resolve(configDir, file);
}

// checkWindowOptions speaks in option names; users see YAML keys.
const yamlKeyOf: Readonly<Record<string, string>> = {
  pollIntervalMs: 'poll_interval',
  initialLookbackMs: 'initial_lookback',
  overlapMs: 'overlap',
  settleMs: 'settle',
  maxWindowMs: 'max_window',
};

/** Cross-field checks the schema cannot express. */
export function validateDarktraceRestConfig(
  config: DarktraceRestConfig,
  context: { configDir: string },
): ComponentConfigProblem[] {
  const problems: ComponentConfigProblem[] = [];
  let url: URL | undefined;
  try {
    url = new URL(config.url);
  } catch {
    problems.push({ path: ['url'], message: 'must be an absolute http(s) URL' });
  }
  if (url !== undefined) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      problems.push({ path: ['url'], message: `must be http or https (got "${url.protocol}")` });
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
      problems.push({ path: ['url'], message: 'must not carry a query, fragment or credentials' });
  }
  const feeds = config.feeds;
  if (!feeds.model_breaches.enabled && !feeds.ai_analyst.enabled)
    problems.push({ path: ['feeds'], message: 'enable at least one of model_breaches and ai_analyst' });
  if (feeds.ai_analyst_groups.enabled && !feeds.ai_analyst.enabled)
    problems.push({
      path: ['feeds', 'ai_analyst_groups', 'enabled'],
      message: 'enriches AI Analyst events, so feeds.ai_analyst must be enabled too',
    });
  try {
    const timing = timingOf(config);
    for (const issue of checkWindowOptions(timing.window)) {
      const name = /^(\w+)/.exec(issue)?.[1] ?? '';
      const key = yamlKeyOf[name] ?? '';
      const text = Object.entries(yamlKeyOf).reduce((t, [from, to]) => t.split(from).join(to), issue);
      problems.push({ path: key === '' ? [] : [key], message: text.replace(/\.$/, '') });
    }
    if (timing.timeoutMs <= 0) problems.push({ path: ['timeout'], message: 'must be longer than 0' });
  } catch (err) {
    problems.push({ path: [], message: err instanceof Error ? err.message : String(err) });
  }
  const ca = caFilePath(config, context.configDir);
  if (ca !== undefined && !existsSync(ca))
    problems.push({ path: ['tls', 'ca_file'], message: `file not found: ${ca}` });
  return problems;
}
