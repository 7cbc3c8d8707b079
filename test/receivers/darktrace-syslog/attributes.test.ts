import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../../receivers/darktrace-syslog/kind.js';
import { headerAttributes, type SyslogHeader } from '../../../receivers/darktrace-syslog/parse.js';
import { AttributeBuilder } from '../../../receivers/darktrace-syslog/receiver.js';

type Peer = Parameters<AttributeBuilder['build']>[2];

/** The attributes of one record built from scratch, as the receiver did before it kept templates. */
function reference(
  kind: string,
  header: SyslogHeader | undefined,
  peer: Peer,
  original: string | undefined,
): Record<string, unknown> {
  return {
    'darktrace.alert.kind': kind,
    'darktrace.source': 'syslog',
    ...(header !== undefined && headerAttributes(header)),
    'network.peer.address': peer.address,
    'network.peer.port': peer.port,
    'network.transport': peer.transport,
    ...(original !== undefined && { 'log.record.original': original }),
  };
}

// Few distinct values, so that consecutive messages often share a header shape and sometimes do not.
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const header: fc.Arbitrary<SyslogHeader | undefined> = maybe(
  fc
    .record({
      format: fc.constantFrom('rfc5424' as const, 'rfc3164' as const, 'tag' as const),
      priority: maybe(fc.constantFrom(13, 134)),
      version: maybe(fc.constant('1')),
      timestamp: maybe(fc.constantFrom('2026-11-23T10:00:00Z', 'Nov 23 10:00:01', '2026-11-23T10:00:02Z')),
      hostname: maybe(fc.constantFrom('dt-a', 'dt-b')),
      appname: maybe(fc.constant('darktrace')),
      procid: maybe(fc.constantFrom('1', '2')),
      msgid: maybe(fc.constant('alert')),
      structuredData: maybe(fc.constantFrom('[a x="1"]', '[a x="2"]')),
    })
    .map((f) => ({
      ...f,
      facility: f.priority === undefined ? undefined : f.priority >> 3,
      severity: f.priority === undefined ? undefined : f.priority & 7,
    })),
);
const peer: fc.Arbitrary<Peer> = fc.record({
  address: fc.constantFrom('127.0.0.1', '192.0.2.7'),
  port: fc.constantFrom(5000, 5001),
  transport: fc.constantFrom('tcp' as const, 'udp' as const),
});
const message = fc.record({
  kind: fc.constantFrom(...ALERT_KINDS),
  header,
  peer,
  original: maybe(fc.constantFrom('{"a":1}', '{"b":2}')),
});

describe('darktrace-syslog record attributes', () => {
  it('are, message after message, exactly what building them from scratch gives (keys, values and order)', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), (messages) => {
        const builder = new AttributeBuilder();
        const built = messages.map((m) => builder.build(m.kind, m.header, m.peer, m.original));
        messages.forEach((m, i) => {
          const want = reference(m.kind, m.header, m.peer, m.original);
          expect(Object.entries(built[i] ?? {})).toEqual(Object.entries(want));
        });
        // Each record owns its attributes: changing one leaves the others alone.
        const first = built[0] as Record<string, unknown>;
        first['darktrace.alert.kind'] = 'changed';
        for (const other of built.slice(1)) expect(other['darktrace.alert.kind']).not.toBe('changed');
      }),
      { numRuns: 300 },
    );
  });
});
