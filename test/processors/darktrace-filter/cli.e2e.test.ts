// The real CLI: generator (our sample alerts, no kind attribute) → darktrace-filter → stdout.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadSampleAlerts } from '../../../receivers/darktrace-syslog/samples/index.js';
import { metricValue, startCli } from '../../support/cli.js';
import { dropsIn } from './harness.js';

describe('darktrace-filter in a running pipeline (real CLI)', () => {
  it('writes exactly the alerts that pass the filters to stdout and counts the rest by reason', async () => {
    const samples = loadSampleAlerts();
    const dir = mkdtempSync(join(tmpdir(), 'dtcol-darktrace-filter-'));
    const file = join(dir, 'pipelines.yaml');
    // JSON is valid YAML flow syntax, so the sample bodies go in as they are.
    writeFileSync(
      file,
      `
receivers:
  generator:
    interval: 0s
    batch_size: ${samples.length}
    count: ${samples.length}
    bodies: ${JSON.stringify(samples.map((s) => s.alert))}
processors:
  darktrace-filter/soc:
    kinds: [model_breach, ai_analyst, system_status]
    model_breach: { min_score: 50, behaviours: [critical, suspicious] }
    ai_analyst: { min_event_score: 60 }
    system_status: { include_resolved: false }
exporters:
  stdout: { content: body }
service:
  data_dir: ./state
  telemetry: { metrics: { address: "127.0.0.1:0" } }
  pipelines:
    logs: { receivers: [generator], processors: [darktrace-filter/soc], exporters: [stdout] }
`,
    );
    // Worked out from samples.json: score 0.41 and 0.25 fail min_score, the test alert has no category,
    // aiaScore 58.5 < 60, one system alert is Resolved, and both emails are of an excluded kind.
    const kept = [
      'model-breach-flat',
      'model-breach-2024-scores',
      'ai-analyst-sections',
      'system-status-active',
      'system-status-capitalised',
    ];
    const expected = kept.map((name) => samples.find((s) => s.name === name)?.alert);
    expect(expected).not.toContain(undefined);

    const cli = startCli(['run', '-c', file]);
    onTestFinished(() => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    });
    let url = '';
    await vi.waitFor(
      () => {
        const line = cli.logs().find((l) => typeof l['url'] === 'string');
        if (line === undefined) throw new Error(`no metrics url yet; stderr: ${cli.stderr()}`);
        url = line['url'] as string;
      },
      { timeout: 20_000, interval: 50 },
    );
    let metrics = '';
    await vi.waitFor(
      async () => {
        metrics = await (await fetch(`${url}/metrics`)).text();
        const accepted = (id: string) =>
          metricValue(metrics, 'dtcol_component_records_total', { component_id: id, outcome: 'accepted' });
        expect(accepted('darktrace-filter/soc')).toBe(samples.length);
        expect(accepted('stdout')).toBe(kept.length);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(dropsIn(metrics, 'darktrace-filter/soc')).toEqual({
      kinds: 2,
      'model_breach.min_score': 2,
      'model_breach.behaviours': 1,
      'ai_analyst.min_event_score': 1,
      'system_status.include_resolved': 1,
    });

    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    const lines = cli
      .stdout()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(expected);
  }, 60_000);
});
