// Durations ("30s", "1h30m", "250ms") and byte sizes ("64KiB", "1MB") as users write them in YAML.

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Accepts one or more `<number><unit>` parts, units ms, s, m, h, d; or `0`. */
export const durationPattern = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$';
const durationRe = new RegExp(durationPattern);
const partRe = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** Parse a duration string to milliseconds; throws a RangeError for text that is not one. */
export function parseDuration(text: string): number {
  if (!durationRe.test(text)) throw new RangeError(`"${text}" is not a duration such as "30s" or "1h30m".`);
  let ms = 0;
  for (const m of text.matchAll(partRe)) ms += Number(m[1]) * (durationUnits[m[2] ?? 's'] ?? 0);
  return ms;
}

const byteUnits: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Accepts `<integer>` or `<number><unit>` with units B, KB, KiB, MB, MiB, GB, GiB (any case). */
export const byteSizePattern = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgG][iI]?)?[bB]?$';
const byteRe = /^([0-9]+(?:\.[0-9]+)?)\s*([kmg]i?)?b?$/i;

/** Parse a byte size (number or string) to bytes; throws a RangeError for text that is not one. */
export function parseByteSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = byteRe.exec(value.trim());
  if (m === null) throw new RangeError(`"${value}" is not a size such as "64KiB" or "1MB".`);
  const unit = m[2] === undefined ? '' : `${m[2].toLowerCase()}b`;
  return Math.floor(Number(m[1]) * (byteUnits[unit] ?? 1));
}

/** Schema for a duration field with its default and description. */
export function durationSchema(description: string, defaultValue?: string): Record<string, unknown> {
  return {
    type: 'string',
    format: 'duration',
    description,
    ...(defaultValue !== undefined && { default: defaultValue }),
  };
}

/** Schema for a byte-size field (integer bytes or a string with a unit). */
export function byteSizeSchema(description: string, defaultValue?: string | number): Record<string, unknown> {
  return {
    type: ['string', 'integer'],
    format: 'byte-size',
    description,
    ...(defaultValue !== undefined && { default: defaultValue }),
  };
}
