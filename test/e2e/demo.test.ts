import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';

// Issue 15, "Done when": the demo's gate covers every served answer or holds with the reason, and
// the demo's report shows the on-prem judge's measured agreement with GPT-4. The demo as a user
// runs it (examples/sim.yaml, the conversations sample), with its outputs in a temp folder.

describe('the demo', () => {
  it('judges every served answer (or holds naming why) and reports the on-prem judge against GPT-4', async () => {
    const dir = tempDir('hybrid-eval-demo-');
    const config = join(dir, 'sim.yaml');
    writeFileSync(config, `${readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')}\nresults_dir: ${join(dir, 'results')}\n`);
    const db = join(dir, 'demo.duckdb');
    const demo = await runCli(['demo', '-c', config, '--sim-time-scale', '0', '--db', db]);
    expect(demo.code, demo.stderr).toBe(0);
    const runId = /gate --run (\S+) --step/.exec(demo.stdout)?.[1];
    expect(runId, demo.stdout).toBeDefined();

    // The step that serves every tier: one unjudged check per tier, each covering all or holding.
    const gate = await runCli(['gate', '--run', runId!, '--db', db, '--results', join(dir, 'results'), '--plan', 'suites/rollout.yaml', '--step', '70%']);
    for (const tier of ['simple', 'medium', 'complex']) {
      const line = new RegExp(`^ +(pass|hold) unjudged_${tier}: (\\d+) judged of (\\d+) served on ${tier}(.*)$`, 'm').exec(gate.stdout);
      expect(line, gate.stdout).not.toBeNull();
      const [, outcome, judged, served, rest] = line!;
      expect(Number(served)).toBeGreaterThan(0);
      if (outcome === 'pass') expect(Number(judged) / Number(served)).toBeGreaterThanOrEqual(0.98);
      else expect(rest).toMatch(/\d+ unjudged: \d+ (judge withheld|judge failed|not judged)/);
    }

    const report = readFileSync(join(dir, 'results', runId!, 'report.md'), 'utf8');
    // Per-tier quality says how many answers it covers of how many served.
    for (const tier of ['simple', 'medium', 'complex']) expect(report).toMatch(new RegExp(`\\| ${tier} \\| \\d+ \\| \\d+ of \\d+ \\|`));
    const agreement = /(\d+) sensitive answers were judged on the premises\. Its measured agreement: on-prem judge llama \\\(llama-3-70b\\\) vs gpt-4: weighted kappa (\d\.\d\d), mean bias [+-]\d\.\d\d, .* on n=(\d+) non-sensitive answers/.exec(report);
    expect(agreement, report).not.toBeNull();
    expect(Number(agreement![1])).toBeGreaterThan(0);
    expect(Number(agreement![3])).toBeGreaterThan(30);
    // The demo's own output shows it too.
    expect(demo.stdout).toMatch(/^on-prem judge llama \(llama-3-70b\) vs gpt-4: weighted kappa \d\.\d\d/m);

    // Issue 18, "Done when": routing alone against routing plus the cascade at a threshold (quality,
    // cost, p95), and a planted bad validator that makes the cascade step no-go.
    const point = (label: string) => new RegExp(`^  ${label} +quality (\\d\\.\\d\\d) \\[[\\d.]+, [\\d.]+\\] n=\\d+  cost \\$[\\d.]+/query \\$[\\d,]+/month  .*p95 \\d+ ms`, 'm');
    const routing = point('routing alone').exec(demo.stdout);
    const cascade = point('\\+ cascade t=\\d\\.\\d\\d').exec(demo.stdout);
    expect(routing, demo.stdout).not.toBeNull();
    expect(cascade, demo.stdout).not.toBeNull();
    // The sim's validator is skilled: what the cascade serves scores above routing alone.
    expect(Number(cascade![1])).toBeGreaterThan(Number(routing![1]));
    expect(demo.stdout).toMatch(/^  planted-bad-validator \(planted: [^)]*\): NO-GO; cascade checks: fail cascade_quality,/m);
  }, 300_000);
});
