import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, oversizeHeadBytes } from '../../../receivers/darktrace-syslog/framing.js';
import { detectAlertKind } from '../../../receivers/darktrace-syslog/kind.js';
import { parseSyslogMessage, type ParseResult } from '../../../receivers/darktrace-syslog/parse.js';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import { alertTimeMs } from '../../../receivers/darktrace-syslog/time.js';
import { octetFrame, splitAt, syslogLine, type HeaderStyle } from './helpers.js';

const samples = loadSampleAlerts();
const styles: HeaderStyle[] = ['rfc5424', 'rfc3164', 'tag', 'bare'];

const validLine = fc
  .tuple(fc.constantFrom(...samples), fc.constantFrom(...styles))
  .map(([sample, style]) => ({ sample, line: syslogLine(sample.alert, style) }));

/** A valid message damaged in one of the ways a network or a bad sender damages it. */
const mutated = fc
  .tuple(
    validLine,
    fc.oneof(
      fc.record({
        op: fc.constant('flip' as const),
        at: fc.array(fc.nat(), { maxLength: 8 }),
        bit: fc.nat(7),
      }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        op: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ maxLength: 16 }),
      }),
      fc.record({ op: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({ op: fc.constant('none' as const) }),
    ),
  )
  .map(([{ line }, m]) => {
    const buf = Buffer.from(line);
    switch (m.op) {
      case 'flip':
        for (const at of m.at) buf[at % buf.length]! ^= 1 << m.bit;
        return buf;
      case 'truncate':
        return buf.subarray(0, m.at % buf.length);
      case 'insert': {
        const at = m.at % buf.length;
        return Buffer.concat([buf.subarray(0, at), m.bytes, buf.subarray(at)]);
      }
      case 'random':
        return Buffer.from(m.bytes);
      case 'none':
        return buf;
    }
  });

/** How one message is put on the wire, sometimes with a wrong octet count. */
const framed = fc
  .tuple(mutated, fc.constantFrom('lf', 'crlf', 'octet', 'badcount'), fc.integer({ min: -5, max: 5 }))
  .map(([msg, how, delta]) => {
    if (how === 'lf') return Buffer.concat([msg, Buffer.from('\n')]);
    if (how === 'crlf') return Buffer.concat([msg, Buffer.from('\r\n')]);
    if (how === 'octet') return octetFrame(msg);
    return Buffer.concat([Buffer.from(`${Math.max(1, msg.length + delta)} `), msg]);
  });

/** Garbage that ends on its own line. Digits that would start a frame are replaced, since an
 * octet count legitimately swallows whatever follows it. */
const garbage = fc.uint8Array({ maxLength: 400 }).map((bytes) => {
  const buf = Buffer.from(bytes);
  for (let i = 0; i < buf.length; i++) {
    const startsFrame = i === 0 || buf[i - 1] === 0x0a;
    if (startsFrame && buf[i]! >= 0x30 && buf[i]! <= 0x39) buf[i] = 0x78;
  }
  return buf;
});

const cuts = fc.array(fc.nat(), { maxLength: 12 });

function checkShape(result: ParseResult): void {
  if (result.ok) {
    expect(typeof result.alert).toBe('object');
    expect(Array.isArray(result.alert)).toBe(false);
    alertTimeMs(detectAlertKind(result.alert), result.alert);
  } else {
    expect(result.reason.length).toBeGreaterThan(0);
    expect(typeof result.raw).toBe('string');
  }
}

describe('decoder and parser under fuzzing', () => {
  it('never throw and stay within the memory bound on damaged streams split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(framed, { maxLength: 6 }),
        cuts,
        fc.integer({ min: 16, max: 4096 }),
        (messages, at, max) => {
          const stream = Buffer.concat(messages);
          const decoder = new FrameDecoder({
            maxMessageSize: max,
            onFrame: (frame) => {
              expect(frame.length).toBeLessThanOrEqual(max);
              checkShape(parseSyslogMessage(frame));
            },
            onOversize: (event) => expect(event.head.length).toBeLessThanOrEqual(oversizeHeadBytes),
          });
          for (const chunk of splitAt(
            stream,
            at.map((c) => c % (stream.length + 1)),
          )) {
            decoder.push(chunk);
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(max + 1 + oversizeHeadBytes);
          }
          decoder.end();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decode and parse a valid message that follows garbage on its own line', () => {
    fc.assert(
      fc.property(garbage, validLine, fc.boolean(), cuts, (junk, { sample, line }, asOctets, at) => {
        const tail = asOctets ? octetFrame(line) : Buffer.from(`${line}\n`);
        const stream = Buffer.concat([junk, Buffer.from('\n'), tail]);
        const results: ParseResult[] = [];
        // Limit = the valid line's size, so longer garbage lines take the oversize path as well.
        const decoder = new FrameDecoder({
          maxMessageSize: Buffer.byteLength(line),
          onFrame: (frame) => results.push(parseSyslogMessage(frame)),
        });
        for (const chunk of splitAt(
          stream,
          at.map((c) => c % (stream.length + 1)),
        ))
          decoder.push(chunk);
        decoder.end();
        const last = results.at(-1);
        expect(last?.ok).toBe(true);
        if (last?.ok) expect(last.alert).toEqual(sample.alert);
      }),
      { numRuns: 300 },
    );
  });

  it('parse any string or byte sequence without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.json().map((j) => `<165>1 2024-06-01T12:00:00Z h darktrace - - - ${j}`),
          fc.tuple(fc.string({ maxLength: 40 }), fc.json()).map(([h, j]) => `${h}${j}`),
        ),
        (input) => checkShape(parseSyslogMessage(input)),
      ),
      { numRuns: 500 },
    );
  });
});
