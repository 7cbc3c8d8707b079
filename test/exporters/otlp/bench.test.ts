// Keeps the benchmark runnable: a small run must finish and report sane numbers for every protocol.
import { describe, expect, it } from 'vitest';
import { benchOtlpExporter } from '../../bench/exporter-otlp.js';

describe('benchOtlpExporter', () => {
  it('measures every protocol and reports positive rates and CPU costs', async () => {
    const results = await benchOtlpExporter({ records: 1000 });
    expect(results.map((r) => r.name)).toEqual([
      'otlp http/protobuf gzip',
      'otlp http/protobuf',
      'otlp http/json gzip',
      'otlp grpc gzip',
    ]);
    for (const r of results) {
      expect(r.recordsPerSec).toBeGreaterThan(0);
      expect(r.cpuMicrosPerRecord).toBeGreaterThan(0);
    }
  });
});
