import { describe, expect, it } from 'vitest';
import {
  FrameDecoder,
  decodeDatagram,
  defaultMaxMessageSize,
  oversizeHeadBytes,
} from '../../../receivers/darktrace-syslog/framing.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import { decodeChunks, octetFrame, splitAt, syslogLine } from './helpers.js';

const samples = loadSampleAlerts();
const breachLine = syslogLine(samples.find((s) => s.name === 'model-breach-flat')!.alert, 'rfc5424');
const statusLine = syslogLine(samples.find((s) => s.name === 'system-status-active')!.alert, 'rfc3164');

describe('FrameDecoder', () => {
  it('splits newline-framed messages and strips a trailing CR', () => {
    const out = decodeChunks([Buffer.from('one\ntwo\r\nthree\n')]);
    expect(out.frames).toEqual(['one', 'two', 'three']);
    expect(out.framings).toEqual(['newline', 'newline', 'newline']);
  });

  it('keeps a CR that is not directly before the LF', () => {
    expect(decodeChunks([Buffer.from('a\rb\n')]).frames).toEqual(['a\rb']);
  });

  it('skips blank lines', () => {
    expect(decodeChunks([Buffer.from('\n\r\nx\n\n')]).frames).toEqual(['x']);
  });

  it('flushes a final unterminated line on end()', () => {
    expect(decodeChunks([Buffer.from('first\nlast without LF')]).frames).toEqual([
      'first',
      'last without LF',
    ]);
  });

  it('decodes RFC 6587 octet-counted messages, including ones holding LF', () => {
    const out = decodeChunks([Buffer.concat([octetFrame('<165>a\nb'), octetFrame('{"x":1}')])]);
    expect(out.frames).toEqual(['<165>a\nb', '{"x":1}']);
    expect(out.framings).toEqual(['octet-counting', 'octet-counting']);
  });

  it('counts octets in bytes, not characters', () => {
    const msg = '{"subject":"Überfällige Rechnung ✓"}';
    expect(decodeChunks([Buffer.concat([octetFrame(msg), octetFrame(msg)])]).frames).toEqual([msg, msg]);
  });

  it('switches framing per message on one connection', () => {
    const stream = Buffer.concat([
      Buffer.from(`${breachLine}\n`),
      octetFrame(statusLine),
      Buffer.from(`${statusLine}\r\n`),
      octetFrame(breachLine),
      Buffer.from('\n'), // a stray LF after an octet frame, as some senders add
      Buffer.from(breachLine),
    ]);
    const out = decodeChunks([stream]);
    expect(out.frames).toEqual([breachLine, statusLine, statusLine, breachLine, breachLine]);
    expect(out.framings).toEqual(['newline', 'octet-counting', 'newline', 'octet-counting', 'newline']);
  });

  it.each([
    ['newline', Buffer.from(`${statusLine}\n${breachLine}\n`)],
    ['octet counting', Buffer.concat([octetFrame(statusLine), octetFrame(breachLine)])],
  ])('yields the same frames for a %s stream split at every byte position', (_name, stream) => {
    const expected = [statusLine, breachLine];
    for (let cut = 1; cut < stream.length; cut++) {
      const out = decodeChunks(splitAt(stream, [cut]));
      if (out.frames.length !== 2 || out.frames[0] !== expected[0] || out.frames[1] !== expected[1]) {
        expect.fail(`split at byte ${cut} gave ${JSON.stringify(out.frames.map((f) => f.slice(0, 40)))}`);
      }
    }
  });

  it('yields the same frames when a mixed stream arrives one byte at a time', () => {
    const stream = Buffer.concat([octetFrame('{"a":1}'), Buffer.from('{"b":2}\r\n'), octetFrame('{"c":3}')]);
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(decodeChunks(bytes).frames).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  describe('oversize messages', () => {
    const max = 100;
    const long = 'L'.repeat(250);

    it('skips an oversize newline message, reports its length and head, and stays in sync', () => {
      const stream = Buffer.from(`ok1\n${long}\r\nok2\n`);
      for (const cuts of [[], [10, 60, 200]]) {
        const out = decodeChunks(splitAt(stream, cuts), { maxMessageSize: max });
        expect(out.frames).toEqual(['ok1', 'ok2']);
        expect(out.oversize).toHaveLength(1);
        expect(out.oversize[0]).toMatchObject({ framing: 'newline', length: 250, complete: true });
        expect(out.oversize[0]!.head.toString()).toBe(long);
      }
    });

    it('skips exactly the declared length of an oversize octet-counted message', () => {
      const body = `<165>${'{'.repeat(300)}\n\n\n`; // LFs inside must not resync the stream
      const stream = Buffer.concat([octetFrame(body), octetFrame('{"after":1}')]);
      for (const cuts of [[], [3, 50, 150, 305]]) {
        const out = decodeChunks(splitAt(stream, cuts), { maxMessageSize: max });
        expect(out.frames).toEqual(['{"after":1}']);
        expect(out.oversize).toEqual([
          {
            framing: 'octet-counting',
            length: body.length,
            head: Buffer.from(body),
            complete: true,
          },
        ]);
      }
    });

    it('keeps at most the first KiB of an oversize message as its head', () => {
      const big = 'x'.repeat(defaultMaxMessageSize + 5000);
      const out = decodeChunks([Buffer.from(`${big}\nok\n`)]);
      expect(out.frames).toEqual(['ok']);
      expect(out.oversize[0]!.head.length).toBe(oversizeHeadBytes);
      expect(out.oversize[0]!.length).toBe(big.length);
    });

    it('accepts a message of exactly maxMessageSize bytes, even with a CR', () => {
      const exact = 'e'.repeat(max);
      const out = decodeChunks(splitAt(Buffer.from(`${exact}\r\n${exact}\n`), [50, 101, 150]), {
        maxMessageSize: max,
      });
      expect(out.frames).toEqual([exact, exact]);
      expect(out.oversize).toEqual([]);
    });

    it('reports an oversize line cut off by end of stream', () => {
      const out = decodeChunks([Buffer.from(long)], { maxMessageSize: max });
      expect(out.oversize).toMatchObject([{ framing: 'newline', length: 250, complete: true }]);
    });

    it('reports an oversize octet-counted message cut off by end of stream as incomplete', () => {
      const out = decodeChunks([Buffer.from(`500 <165>${'z'.repeat(200)}`)], { maxMessageSize: max });
      expect(out.oversize).toMatchObject([{ framing: 'octet-counting', length: 500, complete: false }]);
      expect(out.frames).toEqual([]);
    });

    it('never buffers more than maxMessageSize for an endless line', () => {
      const frames: Buffer[] = [];
      const decoder = new FrameDecoder({ maxMessageSize: max, onFrame: (f) => frames.push(f) });
      let peak = 0;
      for (let i = 0; i < 1000; i++) {
        decoder.push(Buffer.alloc(977, 0x61));
        peak = Math.max(peak, decoder.bufferedBytes);
      }
      expect(peak).toBeLessThanOrEqual(oversizeHeadBytes + max + 1);
      decoder.push(Buffer.from('\nnext\n'));
      expect(frames.map((f) => f.toString())).toEqual(['next']);
    });
  });

  describe('malformed octet counts', () => {
    it.each([
      ['digits followed by a letter', '12a {"x":1}\n', ['12a {"x":1}']],
      ['a leading zero', '012 abc\n', ['012 abc']],
      ['an absurd count', '12345678901234 {"x":1}\n', ['12345678901234 {"x":1}']],
      [
        'a digit-led line that is not a frame',
        '1 2024-06-01T12:00:00Z host {"x":1}\n',
        ['1 2024-06-01T12:00:00Z host {"x":1}'],
      ],
      ['digits then LF', '42\n{"x":1}\n', ['42', '{"x":1}']],
      ['digits at end of stream', '{"x":1}\n77', ['{"x":1}', '77']],
    ])('falls back to newline framing for %s', (_name, input, expected) => {
      const stream = Buffer.from(input);
      for (let cut = 0; cut < stream.length; cut++) {
        expect(decodeChunks(splitAt(stream, [cut])).frames).toEqual(expected);
      }
    });

    it('hands a truncated octet-counted message to the caller at end of stream', () => {
      expect(decodeChunks([Buffer.from('50 {"cut":')]).frames).toEqual(['{"cut":']);
    });
  });

  it('rejects a maxMessageSize that is not a positive integer', () => {
    expect(() => new FrameDecoder({ maxMessageSize: 0, onFrame: () => undefined })).toThrow(RangeError);
  });
});

describe('decodeDatagram', () => {
  it('treats one datagram as one message and strips trailing CR, LF and NUL', () => {
    const result = decodeDatagram(Buffer.from('{"x":1}\r\n\0'));
    expect(result.kind === 'frame' && result.frame.toString()).toBe('{"x":1}');
  });

  it('keeps LFs inside the datagram', () => {
    const result = decodeDatagram(Buffer.from('a\nb\n'));
    expect(result.kind === 'frame' && result.frame.toString()).toBe('a\nb');
  });

  it('reports an empty datagram', () => {
    expect(decodeDatagram(Buffer.from('\r\n'))).toEqual({ kind: 'empty' });
  });

  it('reports an oversize datagram with its length and head', () => {
    const result = decodeDatagram(Buffer.alloc(3000, 0x62), 2048);
    expect(result).toMatchObject({ kind: 'oversize', event: { framing: 'datagram', length: 3000 } });
    expect(result.kind === 'oversize' && result.event.head.length).toBe(oversizeHeadBytes);
  });
});
