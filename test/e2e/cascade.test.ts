import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALIDATOR_TEMPLATES } from '../../src/cascade/validator-rubric.ts';
import { section } from '../../src/judge/neutralise.ts';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

const LIMIT = 600;

/** A plan with the cascade step alone: the router's and other checks are not what this test is about. */
function plan(dir: string, validator: string): string {
  const file = join(dir, `plan-${validator}.yaml`);
  writeFileSync(
    file,
    `name: cascade-e2e
steps:
  - name: cascade
    shares: { simple: { candidate: 1 }, medium: { candidate: 1 }, complex: { candidate: 1 } }
    cascade: { threshold: 0.6, validator: ${validator}, max_escalation_rate: 0.3 }
    thresholds: { min_quality: 4.6, min_scored: 30 }
`,
  );
  return file;
}

describe('the validator cascade, through the CLI against the sim', () => {
  const dir = tempDir('hybrid-eval-cascade-e2e-');
  const db = join(dir, 'cascade.duckdb');
  let sim: SimServer;
  let proxy: RecordingProxy;
  const lines = readFileSync(join(ROOT, 'datasets/sample.jsonl'), 'utf8').trim().split('\n').slice(0, LIMIT).map((line) => JSON.parse(line) as { query: string; reference?: string; tier?: string });

  beforeAll(async () => {
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', String(LIMIT), '--db', db, '--run-id', 'shadow']);
    expect(replay.code, replay.stderr).toBe(0);
    sim = await startSim({ port: 0, timeScale: 0, validatorSkills: { 'llama-3-70b': 0.8 } });
    for (const line of lines) if (line.reference !== undefined) sim.addReference(line.query, line.reference);
    proxy = await startRecordingProxy(sim.url);
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('prints and stores the curve with exactly the --json shape of issue 18', async () => {
    const result = await runCli(['cascade', '--run', 'shadow', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown> & { thresholds: Array<Record<string, number>>; chosen: Record<string, number> | null; validator: { auroc: number; n: number } };
    expect(Object.keys(json).sort()).toEqual(['all_baseline', 'chosen', 'routing_only', 'thresholds', 'validator']);
    expect(json.thresholds).toHaveLength(21);
    for (const point of json.thresholds) expect(Object.keys(point).sort()).toEqual(['cost_per_query_usd', 'escalation_rate', 'latency_p95_ms', 'quality_ci_low', 'quality_mean', 'threshold']);
    // A skilled validator separates good from bad answers, and escalating costs: more escalation, more cost.
    expect(json.validator.auroc).toBeGreaterThan(0.8);
    expect(json.validator.n).toBeGreaterThan(400);
    expect(json.thresholds.at(-1)!.cost_per_query_usd).toBeGreaterThan(json.thresholds[0]!.cost_per_query_usd!);
    const routing = json.routing_only as { quality_mean: number; cost_per_query_usd: number };
    const baseline = json.all_baseline as { quality_mean: number; cost_per_query_usd: number };
    expect(json.chosen).not.toBeNull();
    expect(json.chosen!.quality_mean).toBeGreaterThan(routing.quality_mean);
    expect(json.chosen!.cost_per_query_usd).toBeLessThan(baseline.cost_per_query_usd);

    const text = await runCli(['cascade', '--run', 'latest', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/routing alone +quality \d\.\d\d/);
    expect(text.stdout).toMatch(/chosen t=\d\.\d\d/);
  });

  it('sends the validator only the request and the candidate answer, never the reference or the baseline answer', async () => {
    const config = join(dir, 'proxied.yaml');
    writeFileSync(
      config,
      readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')
        .replace('${VLLM_BASE_URL:-http://127.0.0.1:8000/v1}', proxy.url)
        .replace('system_prompt_file: prompts/', `system_prompt_file: ${ROOT}/prompts/`),
    );
    const result = await runCli(['validate', '--run', 'shadow', '--db', db, '-c', config, '--name', 'proxied', '--no-cache', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { items: number; scored: number };
    expect(summary.items).toBeGreaterThan(400);
    const validatorCalls = proxy.requests.filter((request) => request.path.endsWith('/chat/completions') && request.body.includes('validator_verdict'));
    expect(validatorCalls.length).toBe(summary.items);
    // Every validator prompt is exactly the neutralised query and the candidate's stored answer: no reference, no baseline answer.
    const store = await openStore(db, { mustExist: true, readOnly: true });
    let expected: string[];
    try {
      const rows = await store.all<{ text: string; output: string }>(
        `SELECT q.text, c.output FROM validations AS v
         JOIN queries AS q ON q.run_id = v.run_id AND q.query_id = v.query_id
         JOIN responses AS c ON c.run_id = v.run_id AND c.query_id = v.query_id AND c.role = 'candidate'
         WHERE v.run_id = 'shadow' AND v.validator_name = 'proxied'`,
      );
      expected = rows.map((row) => `${section('query', row.text)}\n\n${section('answer', row.output)}\n\n${VALIDATOR_TEMPLATES.instruction}`).sort();
    } finally {
      await store.close();
    }
    const sent = validatorCalls.map((call) => (JSON.parse(call.body) as { messages: Array<{ role: string; content: string }> }).messages.find((message) => message.role === 'user')!.content).sort();
    expect(sent).toEqual(expected);
    for (const user of sent) expect(user).not.toContain('<reference>');
  }, 300_000);

  it('a planted bad validator makes the cascade step no-go; the configured one does not', async () => {
    const planted = await runCli(['validate', '--run', 'shadow', '--db', db, '--sim', '--sim-skill', '0', '--name', 'planted-bad']);
    expect(planted.code, planted.stderr).toBe(0);
    const bad = await runCli(['gate', '--run', 'shadow', '--db', db, '--plan', plan(dir, 'planted-bad'), '--results', dir, '--json']);
    expect(bad.code, bad.stderr).toBe(1);
    const badChecks = (JSON.parse(bad.stdout) as { checks: Array<{ metric: string; outcome: string }> }).checks;
    const badQuality = badChecks.find((check) => check.metric === 'cascade_quality');
    expect(badQuality?.outcome, JSON.stringify(badQuality)).toBe('fail');
    expect(badChecks.map((check) => check.metric)).toEqual(expect.arrayContaining(['cascade_escalation_rate', 'cascade_added_p95_latency_ms']));
    expect(badChecks.map((check) => check.metric)).not.toContain('candidate_quality');

    const good = await runCli(['gate', '--run', 'shadow', '--db', db, '--plan', plan(dir, 'support-validator@llama'), '--results', dir, '--json']);
    expect(good.code, good.stderr).not.toBe(1);
    const goodChecks = (JSON.parse(good.stdout) as { checks: Array<{ metric: string; outcome: string }> }).checks;
    const goodQuality = goodChecks.find((check) => check.metric === 'cascade_quality');
    expect(goodQuality?.outcome, JSON.stringify(goodQuality)).toBe('pass');
  }, 300_000);

  it('refuses a run without validations, and an unknown validator, with one line and exit 2', async () => {
    const unknown = await runCli(['cascade', '--run', 'shadow', '--db', db, '--validator', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/no validations by "nope"/);
  });
});
