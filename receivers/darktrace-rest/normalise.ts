/** The alert kinds the REST API serves (system status alerts are push-only). */
export type AlertKind = 'model_breach' | 'ai_analyst';

/** A JSON object as parsed from the API. */
export type JsonObject = Record<string, unknown>;

/** A REST record reshaped to the syslog JSON body of its kind. */
export interface NormalisedAlert {
  readonly kind: AlertKind;
  readonly body: JsonObject;
}

/** The endpoint each kind is polled from. */
export const endpointOfKind = {
  model_breach: '/modelbreaches',
  ai_analyst: '/aianalyst/incidentevents',
} as const satisfies Record<AlertKind, string>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Guesses the kind of a bare record the way reference/darktrace.md §6 orders the checks. REST callers
 * know the kind from the endpoint; this is for records of unknown origin.
 */
export function detectKind(record: unknown): AlertKind | undefined {
  if (!isJsonObject(record)) return undefined;
  if ('pbid' in record && 'model' in record) return 'model_breach';
  if ('aiaScore' in record) return 'ai_analyst';
  return undefined;
}

/**
 * Flattens `model: {then, now}` (sent without `historicmodelonly=true`) to the single model object
 * syslog carries. Syslog sends the model as it was when the breach fired, which is what
 * `historicmodelonly` returns, so `then` wins and `now` is the fallback.
 */
function flattenModel(model: unknown): unknown {
  if (!isJsonObject(model)) return model;
  const keys = Object.keys(model);
  const split = keys.length > 0 && keys.every((k) => k === 'then' || k === 'now');
  if (!split) return model;
  if (isJsonObject(model['then'])) return model['then'];
  if (isJsonObject(model['now'])) return model['now'];
  return model;
}

/**
 * Reshapes a `/modelbreaches` record to the syslog breach body: flat `model`, `device` at the top
 * level, and no `triggeredComponents[].device` (REST-only, §8). Returns a new object; the input is
 * not modified.
 */
export function normaliseModelBreach(record: JsonObject): JsonObject {
  const body: JsonObject = { ...record };
  if ('model' in record) body['model'] = flattenModel(record['model']);

  const components = record['triggeredComponents'];
  if (Array.isArray(components)) {
    let lifted: unknown;
    body['triggeredComponents'] = components.map((component: unknown) => {
      if (!isJsonObject(component) || !('device' in component)) return component;
      const { device, ...rest } = component;
      lifted ??= device;
      return rest;
    });
    // Without `deviceattop=true` the device sits in each component; syslog has it once on top.
    if (!isJsonObject(record['device']) && isJsonObject(lifted)) body['device'] = lifted;
  }
  return body;
}

/**
 * `/aianalyst/incidentevents` records already have the syslog shape (§3.2); copied so callers may
 * own the result.
 */
export function normaliseIncidentEvent(record: JsonObject): JsonObject {
  return { ...record };
}

/**
 * Reshapes one REST record of the given kind to the body syslog would carry. Returns `undefined`
 * for a value that is not a JSON object (count it; never crash on it).
 */
export function normaliseRestRecord(kind: AlertKind, record: unknown): NormalisedAlert | undefined {
  if (!isJsonObject(record)) return undefined;
  return {
    kind,
    body: kind === 'model_breach' ? normaliseModelBreach(record) : normaliseIncidentEvent(record),
  };
}
