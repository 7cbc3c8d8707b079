import { describe, expect, it } from 'vitest';
import {
  headerAttributes,
  parseSyslogMessage,
  type ParseResult,
  type SyslogHeader,
} from '../../../receivers/darktrace-syslog/parse.js';

const json = '{"pbid":1,"model":{"name":"A::B"}}';
const alert = { pbid: 1, model: { name: 'A::B' } };

function okResult(result: ParseResult): Extract<ParseResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.reason}`);
  return result;
}

const dtHost = 'example.cloud.darktrace.com';

describe('parseSyslogMessage headers', () => {
  it.each<[string, string, Record<string, string | number> | undefined]>([
    [
      'RFC 5424 with nil procid, msgid and structured data',
      `<165>1 2022-03-10T10:11:10+00:00 ${dtHost} darktrace - - - ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.version': '1',
        'log.syslog.timestamp': '2022-03-10T10:11:10+00:00',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 5424 with procid, msgid and two SD elements holding escapes',
      `<134>1 2024-06-01T12:00:00.123Z relay.example.com dtapp 4242 ALERT [meta@1 a="x\\"]y" b="\\\\"][origin ip="192.0.2.1"] ${json}`,
      {
        'log.syslog.priority': 134,
        'log.syslog.facility.code': 16,
        'log.syslog.severity.code': 6,
        'log.syslog.version': '1',
        'log.syslog.timestamp': '2024-06-01T12:00:00.123Z',
        'log.syslog.hostname': 'relay.example.com',
        'log.syslog.appname': 'dtapp',
        'log.syslog.procid': '4242',
        'log.syslog.msgid': 'ALERT',
        'log.syslog.structured_data': '[meta@1 a="x\\"]y" b="\\\\"][origin ip="192.0.2.1"]',
      },
    ],
    [
      'RFC 5424 with a BOM before the JSON',
      `<165>1 2022-03-10T10:11:10+00:00 ${dtHost} darktrace - - - \uFEFF${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.version': '1',
        'log.syslog.timestamp': '2022-03-10T10:11:10+00:00',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 5424 cut short right before the JSON',
      `<165>1 2022-03-10T10:11:10+00:00 ${dtHost} darktrace ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.version': '1',
        'log.syslog.timestamp': '2022-03-10T10:11:10+00:00',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 3164 without a colon after the tag and a space-padded day',
      `<165>Aug  5 03:34:46 ${dtHost} darktrace ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.timestamp': 'Aug  5 03:34:46',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 3164 with a colon after the tag',
      `<165>Aug 15 03:34:46 ${dtHost} darktrace: ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.timestamp': 'Aug 15 03:34:46',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 3164 with a pid in the tag',
      `<13>Jan  1 00:00:01 relay.example.com darktrace[812]: ${json}`,
      {
        'log.syslog.priority': 13,
        'log.syslog.facility.code': 1,
        'log.syslog.severity.code': 5,
        'log.syslog.timestamp': 'Jan  1 00:00:01',
        'log.syslog.hostname': 'relay.example.com',
        'log.syslog.appname': 'darktrace',
        'log.syslog.procid': '812',
      },
    ],
    [
      'RFC 3164 with the hostname left out',
      `<165>Aug  5 03:34:46 darktrace: ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.timestamp': 'Aug  5 03:34:46',
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'RFC 3164 shape with an ISO timestamp (relay forward format)',
      `<165>2024-06-01T12:00:00.5+02:00 relay.example.com darktrace: ${json}`,
      {
        'log.syslog.priority': 165,
        'log.syslog.facility.code': 20,
        'log.syslog.severity.code': 5,
        'log.syslog.timestamp': '2024-06-01T12:00:00.5+02:00',
        'log.syslog.hostname': 'relay.example.com',
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'missing PRI',
      `Aug  5 03:34:46 ${dtHost} darktrace ${json}`,
      {
        'log.syslog.timestamp': 'Aug  5 03:34:46',
        'log.syslog.hostname': dtHost,
        'log.syslog.appname': 'darktrace',
      },
    ],
    [
      'PRI straight before the JSON',
      `<165>${json}`,
      { 'log.syslog.priority': 165, 'log.syslog.facility.code': 20, 'log.syslog.severity.code': 5 },
    ],
    [
      'PRI then a tag',
      `<0>darktrace ${json}`,
      {
        'log.syslog.priority': 0,
        'log.syslog.facility.code': 0,
        'log.syslog.severity.code': 0,
        'log.syslog.appname': 'darktrace',
      },
    ],
    ['a bare tag (Elastic fixtures)', `darktrace ${json}`, { 'log.syslog.appname': 'darktrace' }],
    ['a bare tag with a colon', `darktrace: ${json}`, { 'log.syslog.appname': 'darktrace' }],
    ['bare JSON', json, undefined],
    ['bare JSON after spaces', `   ${json}`, undefined],
    ['an invalid PRI, taking the JSON from the first brace', `<999>garbage ${json}`, undefined],
    ['unrecognised text, taking the JSON from the first brace', `some relay said: ${json}`, undefined],
  ])('parses %s', (_name, line, expected) => {
    const result = okResult(parseSyslogMessage(line));
    expect(result.alert).toEqual(alert);
    expect(result.header === undefined ? undefined : headerAttributes(result.header)).toEqual(expected);
  });

  it('accepts a Buffer as well as a string', () => {
    const line = `<165>1 2022-03-10T10:11:10+00:00 ${dtHost} darktrace - - - ${json}`;
    expect(parseSyslogMessage(Buffer.from(line))).toEqual(parseSyslogMessage(line));
  });

  it('tolerates a trailing CR or LF after the JSON', () => {
    expect(okResult(parseSyslogMessage(`${json}\r\n`)).alert).toEqual(alert);
  });

  it('keeps non-ASCII text intact', () => {
    const result = okResult(parseSyslogMessage(Buffer.from('{"subject":"Überfällig ✓ 請求書"}')));
    expect(result.alert).toEqual({ subject: 'Überfällig ✓ 請求書' });
  });

  it('takes valid UTF-8 bytes as they are, a genuine U+FFFD included, and rejects a broken sequence next to one', () => {
    const text = '<165>1 2022-03-10T10:11:10+00:00 h darktrace - - - {"a":"caf\u00e9 \ufffd \u2615"}';
    expect(okResult(parseSyslogMessage(Buffer.from(text))).alert).toEqual({ a: 'caf\u00e9 \ufffd \u2615' });
    const broken = Buffer.concat([Buffer.from('{"a":"\ufffd'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const result = parseSyslogMessage(broken);
    expect(result.ok ? 'ok' : result.code).toBe('invalid_utf8');
  });

  it('reports the header format', () => {
    const formats = [
      `<165>1 2022-03-10T10:11:10+00:00 h darktrace - - - ${json}`,
      `<165>Aug  5 03:34:46 h darktrace ${json}`,
      `darktrace ${json}`,
    ].map((line) => okResult(parseSyslogMessage(line)).header?.format);
    expect(formats).toEqual(['rfc5424', 'rfc3164', 'tag']);
  });
});

describe('parseSyslogMessage failures', () => {
  it.each<[string, Buffer | string, string, RegExp]>([
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, 0x7d]), 'invalid_utf8', /UTF-8/],
    ['a NUL byte in the header', `<165>1 2022 h\u0000 app - - - ${json}`, 'control_bytes', /control bytes/],
    ['control bytes inside the JSON', `{"a":"x\u0001y"}`, 'control_bytes', /control bytes/],
    ['binary with no JSON', Buffer.from([0x01, 0x02, 0x03]), 'control_bytes', /control bytes/],
    [
      'no brace at all',
      '<165>1 2022-03-10T10:11:10+00:00 h darktrace - - - hello',
      'no_json',
      /No JSON object/,
    ],
    ['an empty message', '', 'no_json', /No JSON object/],
    [
      'truncated JSON',
      `<165>Aug  5 03:34:46 h darktrace {"pbid":1,"model":{"na`,
      'invalid_json',
      /Truncated or invalid JSON: .+/,
    ],
    ['JSON with trailing garbage', `${json} trailing`, 'invalid_json', /Truncated or invalid JSON: .+/],
    ['a JSON array', `darktrace [${json}]`, 'not_object', /an array, not an object/],
    ['a JSON number', '<165>Aug  5 03:34:46 h darktrace 42', 'not_object', /a number, not an object/],
    ['a JSON string', '"just text"', 'not_object', /a string, not an object/],
    ['JSON null', 'null', 'not_object', /null, not an object/],
  ])('rejects %s with a clear reason', (_name, input, code, reason) => {
    const result = parseSyslogMessage(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.reason).toMatch(reason);
  });

  it('returns the decoded text as raw, with replacement characters for invalid UTF-8', () => {
    const result = parseSyslogMessage(Buffer.from([0x61, 0xff, 0x62]));
    expect(result).toMatchObject({ ok: false, raw: 'a\uFFFDb' });
  });

  it('includes the JSON parser message for invalid JSON', () => {
    const result = parseSyslogMessage('{"a":}');
    let expectedMessage = '';
    try {
      JSON.parse('{"a":}');
    } catch (error) {
      expectedMessage = (error as Error).message;
    }
    expect(result).toMatchObject({ ok: false, reason: `Truncated or invalid JSON: ${expectedMessage}` });
  });
});

describe('headerAttributes', () => {
  it('leaves out absent fields', () => {
    const header: SyslogHeader = {
      format: 'tag',
      priority: undefined,
      facility: undefined,
      severity: undefined,
      version: undefined,
      timestamp: undefined,
      hostname: undefined,
      appname: 'darktrace',
      procid: undefined,
      msgid: undefined,
      structuredData: undefined,
    };
    expect(headerAttributes(header)).toEqual({ 'log.syslog.appname': 'darktrace' });
  });
});
