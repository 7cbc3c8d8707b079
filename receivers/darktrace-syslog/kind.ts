/** Every alert kind the receiver tells apart, `unknown` last. */
export const ALERT_KINDS = ['model_breach', 'ai_analyst', 'system_status', 'email', 'unknown'] as const;

/** One of {@link ALERT_KINDS}. */
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The OpenTelemetry event name for a kind, e.g. `darktrace.model_breach`. */
export type AlertEventName = `darktrace.${AlertKind}`;

/**
 * Tells the kind of a syslog JSON alert, which carries no type field (darktrace.md §6). Checks
 * run in the reference's order; anything unrecognised is `unknown`, never an error.
 */
export function detectAlertKind(alert: Readonly<Record<string, unknown>>): AlertKind {
  if (isModelBreach(alert)) return 'model_breach';
  if (isAiAnalyst(alert)) return 'ai_analyst';
  if (isSystemStatus(alert)) return 'system_status';
  if (isEmail(alert)) return 'email';
  return 'unknown';
}

/** Maps a kind to its event name. */
export function eventNameForKind(kind: AlertKind): AlertEventName {
  return `darktrace.${kind}`;
}

function isModelBreach(a: Readonly<Record<string, unknown>>): boolean {
  const pbid = a['pbid'];
  return (typeof pbid === 'number' || typeof pbid === 'string') && isObject(a['model']);
}

function isAiAnalyst(a: Readonly<Record<string, unknown>>): boolean {
  if (present(a['aiaScore'])) return true;
  // Fallback for events sent without a score: the summariser plus the AI device/breach lists.
  return (
    typeof a['summariser'] === 'string' &&
    (Array.isArray(a['breachDevices']) || Array.isArray(a['relatedBreaches']))
  );
}

function isSystemStatus(a: Readonly<Record<string, unknown>>): boolean {
  return (
    (present(a['alert_name']) || present(a['priority_level']) || present(a['last_updated'])) &&
    present(a['uuid']) &&
    present(a['status'])
  );
}

/**
 * No public syslog sample of a Darktrace / Email alert exists. The only documented shape is the
 * flat object Darktrace pushes to Sentinel (`dtProduct: "Antigena Email"`, sentinel.md §3.2) and
 * the newer `darktraceProduct` streams, so accept an explicit email product marker, or else an
 * anomaly score and a uuid together with a mail field (`from`, `recipients`, `subject`).
 */
function isEmail(a: Readonly<Record<string, unknown>>): boolean {
  const product = a['dtProduct'] ?? a['darktraceProduct'];
  if (typeof product === 'string') return /email/i.test(product);
  const score = a['anomaly_score'] ?? a['anomalyScore'];
  return (
    (typeof score === 'number' || typeof score === 'string') &&
    present(a['uuid']) &&
    (typeof a['from'] === 'string' || Array.isArray(a['recipients']) || typeof a['subject'] === 'string')
  );
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
