// Renders alerts the way a Darktrace appliance writes them to syslog (darktrace.md §5, "Framing seen").

/** Darktrace's two header shapes: "Full Timestamps" on (5424) or off (3164). */
export type SyslogLineFormat = 'rfc5424' | 'rfc3164';

/** Options for {@link formatSyslogLine}. */
export interface SyslogLineOptions {
  readonly format: SyslogLineFormat;
  /** The appliance FQDN that goes in the HOSTNAME field. */
  readonly hostname: string;
  /** Header time; defaults to now. Written in UTC. */
  readonly time?: Date;
}

/** Darktrace always sends facility local4 (20), severity notice (5): `<165>`. */
export const darktracePriority = 165;

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => String(n).padStart(2, '0');

/** `2022-03-10T10:11:10+00:00`: seconds only, numeric zone, as Darktrace writes it. */
export function rfc5424Timestamp(time: Date): string {
  return `${time.toISOString().slice(0, 19)}+00:00`;
}

/** `Aug  5 03:34:46`: no year, no zone, day padded with a space. */
export function rfc3164Timestamp(time: Date): string {
  const month = months[time.getUTCMonth()] ?? 'Jan';
  const day = String(time.getUTCDate()).padStart(2, ' ');
  return `${month} ${day} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}`;
}

/**
 * One syslog line (without the newline) holding `alert` as compact JSON. The 3164 form has no colon
 * after the `darktrace` tag, like the appliance's own output. JSON.stringify never emits a raw line
 * break, so the line is safe for newline framing.
 */
export function formatSyslogLine(alert: unknown, options: SyslogLineOptions): string {
  const time = options.time ?? new Date();
  const json = JSON.stringify(alert);
  if (options.format === 'rfc5424') {
    return `<${darktracePriority}>1 ${rfc5424Timestamp(time)} ${options.hostname} darktrace - - - ${json}`;
  }
  return `<${darktracePriority}>${rfc3164Timestamp(time)} ${options.hostname} darktrace ${json}`;
}
