import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  FrameDecoder,
  type FrameDecoderOptions,
  type Framing,
  type OversizeEvent,
} from '../../../receivers/darktrace-syslog/framing.js';

/** Repository root (the folder holding package.json). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The shared Elastic corpus, read at test time only; absent on some machines. */
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
export const corpusExists = existsSync(path.join(corpusDir, 'elastic'));

/** Our own fixtures. */
export const fixturesDir = path.join(repoRoot, 'test/fixtures/darktrace');

export type HeaderStyle = 'rfc5424' | 'rfc3164' | 'bare' | 'tag';

/** Renders an alert the way a Darktrace appliance (or a fixture) would put it on one line. */
export function syslogLine(alert: unknown, style: HeaderStyle): string {
  const json = JSON.stringify(alert);
  switch (style) {
    case 'rfc5424':
      return `<165>1 2024-06-01T12:00:00+00:00 dt-demo.example.com darktrace - - - ${json}`;
    case 'rfc3164':
      return `<165>Jun  1 12:00:00 dt-demo.example.com darktrace ${json}`;
    case 'tag':
      return `darktrace ${json}`;
    case 'bare':
      return json;
  }
}

/** RFC 6587 octet-counted frame. */
export function octetFrame(message: string | Buffer): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message) : message;
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

export interface Decoded {
  frames: string[];
  framings: Framing[];
  oversize: OversizeEvent[];
}

/** Runs a fresh decoder over the chunks (then `end()`), collecting everything it reports. */
export function decodeChunks(
  chunks: readonly Buffer[],
  options: Omit<FrameDecoderOptions, 'onFrame' | 'onOversize'> = {},
): Decoded {
  const out: Decoded = { frames: [], framings: [], oversize: [] };
  const decoder = new FrameDecoder({
    ...options,
    onFrame: (frame, framing) => {
      out.frames.push(frame.toString('utf8'));
      out.framings.push(framing);
    },
    onOversize: (event) => out.oversize.push(event),
  });
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return out;
}

/** Splits a buffer at the given offsets (sorted, deduplicated by the caller or not). */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < buf.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const cut of sorted) {
    out.push(buf.subarray(prev, cut));
    prev = cut;
  }
  out.push(buf.subarray(prev));
  return out;
}
