import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStdoutExporter } from '../../../exporters/stdout/exporter.js';
import type { StdoutConfig } from '../../../exporters/stdout/config.js';
import { generateLogs, testSettings } from '../../../core/testing/index.js';
import { helperConfig } from '../../support/exporter-config.js';

const host = { reportFatalError: () => undefined };

async function render(format: StdoutConfig['format'], content: StdoutConfig['content']): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const config: StdoutConfig = { ...helperConfig({ batch: { flush_timeout: '1h' } }), format, content };
  const exporter = createStdoutExporter(testSettings('stdout'), config, out);
  await exporter.start(host, AbortSignal.timeout(1000));
  await exporter.consume(generateLogs(2));
  expect(text).toBe('');
  await exporter.shutdown(AbortSignal.timeout(1000));
  return text;
}

describe('stdout exporter', () => {
  it('writes one JSON record per line by default, and flushes on shutdown', async () => {
    const lines = (await render('ndjson', 'record')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1] ?? '')).toEqual({
      time: '2023-11-14T22:13:20.001000000Z',
      observed_time: '2023-11-14T22:13:20.001000000Z',
      attributes: { seq: 1 },
      body: { seq: 1, message: 'record 1' },
    });
  });

  it('writes bodies alone when asked', async () => {
    expect(await render('ndjson', 'body')).toBe(
      '{"seq":0,"message":"record 0"}\n{"seq":1,"message":"record 1"}\n',
    );
  });

  it('pretty-prints for reading', async () => {
    expect(await render('pretty', 'body')).toBe(
      '{\n  "seq": 0,\n  "message": "record 0"\n}\n{\n  "seq": 1,\n  "message": "record 1"\n}\n',
    );
  });
});
