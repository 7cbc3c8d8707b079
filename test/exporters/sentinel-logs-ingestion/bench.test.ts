// Keeps the benchmark runnable: a small run must finish and report sane numbers for every exporter.
import { describe, expect, it } from 'vitest';
import { benchSentinelExporters } from '../../bench/exporters-sentinel.js';
import { canStartFakeAzure } from '../../support/fake-azure.js';

describe('benchSentinelExporters', () => {
  it('measures each Sentinel exporter and reports positive rates and CPU costs', async () => {
    const results = await benchSentinelExporters({ records: 1000 });
    expect(results.map((r) => r.name)).toEqual([
      'sentinel-datacollector',
      ...(canStartFakeAzure()
        ? ['sentinel-logs-ingestion (4 streams)', 'sentinel-logs-ingestion legacy_columns (4 streams)']
        : []),
    ]);
    for (const r of results) {
      expect(r.recordsPerSec).toBeGreaterThan(0);
      expect(r.cpuMicrosPerRecord).toBeGreaterThan(0);
    }
  });
});
