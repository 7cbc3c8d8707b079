// A loopback HTTP sink that records JSON-array POSTs; it can be slowed down, hung or made to fail.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface SinkOptions {
  /** Delay every answer by this many ms. */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
  /** Decide the status per request (default 200). */
  status?: (requestNumber: number) => number;
}

export interface HttpSink {
  url: string;
  /** Every document received, in arrival order (successful requests only). */
  docs: unknown[];
  requests: number;
  close(): Promise<void>;
}

export async function startHttpSink(options: SinkOptions = {}): Promise<HttpSink> {
  const docs: unknown[] = [];
  const pending = new Set<ServerResponse>();
  let requests = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const n = requests;
      if (options.hang === true) {
        pending.add(res);
        return;
      }
      const answer = (): void => {
        const status = options.status?.(n) ?? 200;
        if (status === 200) {
          let raw = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          const parsed = JSON.parse(raw.toString('utf8')) as unknown;
          docs.push(...(Array.isArray(parsed) ? parsed : [parsed]));
        }
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(status === 429 && { 'retry-after': '0' }),
        });
        res.end(status === 200 ? '{}' : '{"error":"injected"}');
      };
      if (options.delayMs !== undefined) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    docs,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of pending) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
