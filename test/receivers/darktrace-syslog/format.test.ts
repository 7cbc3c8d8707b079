import { describe, expect, it } from 'vitest';
import { formatSyslogLine } from '../../../receivers/darktrace-syslog/format.js';
import { headerAttributes, parseSyslogMessage } from '../../../receivers/darktrace-syslog/parse.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';

const alert = { uuid: 'u-1', alert_name: 'Probe Down', status: 'active', last_updated: 1658110810 };
const time = new Date(Date.UTC(2022, 7, 5, 3, 4, 46, 900));

describe('formatSyslogLine', () => {
  it('writes the RFC 5424 shape Darktrace sends with Full Timestamps on', () => {
    expect(formatSyslogLine(alert, { format: 'rfc5424', hostname: 'dt.example.com', time })).toBe(
      `<165>1 2022-08-05T03:04:46+00:00 dt.example.com darktrace - - - ${JSON.stringify(alert)}`,
    );
  });

  it('writes the RFC 3164 shape with a space-padded day and no colon after the tag', () => {
    expect(formatSyslogLine(alert, { format: 'rfc3164', hostname: 'dt.example.com', time })).toBe(
      `<165>Aug  5 03:04:46 dt.example.com darktrace ${JSON.stringify(alert)}`,
    );
  });

  it.each(['rfc5424', 'rfc3164'] as const)(
    'produces %s lines the receiver parses back to the same alert',
    (format) => {
      for (const sample of loadSampleAlerts()) {
        const text = formatSyslogLine(sample.alert, { format, hostname: 'dt.example.com', time });
        expect(text).not.toContain('\n');
        const parsed = parseSyslogMessage(text);
        if (!parsed.ok) throw new Error(`${sample.name}: ${parsed.reason}`);
        expect(parsed.alert).toEqual(sample.alert);
        expect(parsed.header?.format).toBe(format);
        expect(headerAttributes(parsed.header!)).toMatchObject({
          'log.syslog.priority': 165,
          'log.syslog.hostname': 'dt.example.com',
          'log.syslog.appname': 'darktrace',
        });
      }
    },
  );
});
