import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import type { Tier } from '../core/tier.ts';
import { openStore, type Store } from '../store/store.ts';
import { judgment, query, response, route, scored, tempDir } from '../store/test-records.ts';
import { loadPlan, parsePlan } from './plan.ts';
import { gateRun, stepScope } from './run-gate.ts';

const endpoint = (model: string, pricing: object, onPrem = false) => ({ base_url: 'http://127.0.0.1:1/v1', model, pricing, on_prem: onPrem });
const CONFIG = {
  endpoints: {
    llama: endpoint('llama-3-70b', { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, true),
    gpt35: endpoint('gpt-3.5-turbo', { input_per_million: 0.5, output_per_million: 1.5 }),
    gpt4: endpoint('gpt-4', { input_per_million: 30, output_per_million: 60 }),
  },
  routing: { policy: 'oracle', tiers: { simple: 'llama', medium: 'gpt35', complex: 'gpt4' }, fallback: 'gpt4' },
  baseline: 'gpt4',
  judge: { endpoint: 'gpt4', rubric: 'judges/support-single.yaml' },
  dataset: { path: 'x.jsonl' },
  volume: { monthly_queries: 1_000_000 },
};

/** 400 queries: 280 simple, 100 medium, 20 complex; `candidateScore` picks each served score. */
async function writeRun(store: Store, runId: string, candidateScore: (tier: Tier, index: number) => number, status: 'complete' | 'interrupted' = 'complete'): Promise<void> {
  await store.createRun({ runId, mode: 'shadow', dataset: 'x.jsonl', policy: 'oracle', config: CONFIG });
  const queries: Query[] = [];
  const routes: RouteRecord[] = [];
  const responses: ResponseRecord[] = [];
  const judgments: JudgmentRecord[] = [];
  for (let index = 0; index < 400; index++) {
    const id = `q${String(index).padStart(4, '0')}`;
    const tier: Tier = index < 280 ? 'simple' : index < 380 ? 'medium' : 'complex';
    const endpointName = CONFIG.routing.tiers[tier];
    queries.push(query(id, { label: tier, timestamp: new Date(Date.UTC(2025, 2, 1) + index * 60_000).toISOString() }));
    routes.push(route(runId, id, tier, { policy: 'oracle', endpoint: endpointName, label: tier }));
    const usage = { promptTokens: 2000, completionTokens: 80, latencyMs: 300 + (index % 10) * 20 };
    responses.push(
      response(runId, id, 'candidate', { endpoint: endpointName, model: endpointName, ...usage, costUsd: endpointName === 'llama' ? 0.0004 : endpointName === 'gpt35' ? 0.00112 : 0.0648 }),
      response(runId, id, 'baseline', { endpoint: 'gpt4', model: 'gpt-4', ...usage, costUsd: 0.0648 }),
    );
    judgments.push(judgment(runId, id, 'candidate', scored(candidateScore(tier, index))), judgment(runId, id, 'baseline', scored(5)));
  }
  await store.writeBatch(runId, { queries, routes, responses, judgments });
  await store.setRunStatus(runId, status, { queryCount: 400, rejectCount: 0 });
}

const good = (_tier: Tier, index: number): number => (index % 8 === 0 ? 4 : 5);

describe('gateRun on a stored run', () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore(`${dir.path}/gate.duckdb`);
    await writeRun(store, 'good', good);
    await writeRun(store, 'worse-complex', (tier, index) => (tier === 'complex' ? 2 + (index % 2) : good(tier, index)));
    await writeRun(store, 'half', good, 'interrupted');
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('decides the default step and stores the decision with the step name', async () => {
    const plan = loadPlan('suites/rollout.yaml');
    const outcome = await gateRun(store, 'good', plan, { now: () => new Date('2025-04-01T00:00:00Z') });
    expect(outcome.step).toBe('10%');
    expect(outcome.metrics.scope).toEqual({ tiers: ['simple'], queries: 280 });
    expect(outcome.checks.filter((c) => c.outcome === 'hold' || c.outcome === 'fail')).toEqual([]);
    expect(outcome.decision).toBe('go');
    expect(outcome.steps.map((step) => step.step)).toEqual(['shadow', '10%', '30%', '70%', '70% + cascade']);
    // The cascade step needs the validator's verdicts, which this run does not have: held, not guessed.
    expect(outcome.steps.find((step) => step.step === '70% + cascade')).toMatchObject({ decision: 'hold', held: expect.arrayContaining(['cascade_evidence']) });
    // The 70% step needs 30 complex answers; this run has 20.
    expect(outcome.steps.find((step) => step.step === '70%')).toMatchObject({ decision: 'hold', held: expect.arrayContaining(['scored_answers_complex']) });
    expect(outcome.costModel.target!.routedMonthlyUsd).toBeLessThan(outcome.costModel.allBaseline.monthlyUsd!);
    const [stored] = await store.readGateDecisions('good');
    expect(stored).toMatchObject({ plan: 'northwind-rollout', step: '10%', decision: 'go', decidedAt: '2025-04-01T00:00:00.000Z' });
    expect((stored!.reasons as Array<{ metric: string }>).map((check) => check.metric)).toContain('candidate_quality');
    // Analysts read the same decision check by check, and the cost model's input per tier.
    const checks = await store.all<{ metric: string; outcome: string; n: number }>(
      `SELECT metric, outcome, n FROM gate_checks WHERE run_id = 'good' AND step = '10%' AND metric = 'candidate_quality'`,
    );
    expect(checks).toEqual([{ metric: 'candidate_quality', outcome: 'pass', n: 280 }]);
    const costs = await store.all(`SELECT tier, endpoint, role, calls, round(cost_per_call_usd, 6) AS cost_per_call_usd FROM cost_by_tier WHERE run_id = 'good' AND tier = 'simple' ORDER BY role`);
    expect(costs).toEqual([
      { tier: 'simple', endpoint: 'gpt4', role: 'baseline', calls: 280, cost_per_call_usd: 0.0648 },
      { tier: 'simple', endpoint: 'llama', role: 'candidate', calls: 280, cost_per_call_usd: 0.0004 },
    ]);
  });

  it('reads pairwise verdicts and human ratings when the run has them', async () => {
    for (let index = 0; index < 60; index++) {
      const id = `q${String(index).padStart(4, '0')}`;
      const winner = index % 3 === 0 ? 'baseline' : index % 3 === 1 ? 'tie' : 'candidate';
      await store.all(
        `INSERT INTO pairwise_judgments VALUES (?, ?, 'pw', 'support-pairwise', '1', 'h', 'gpt-4', NULL, 'candidate', 'scored', ?, ?, ?, true, 'r', 10, ?)`,
        ['good', id, winner, winner, winner, new Date('2025-04-01T00:00:00Z')],
      );
      const judged = good('simple', index);
      await store.all(`INSERT INTO human_ratings VALUES (?, ?, 'ann', 'candidate', ?, NULL, ?, 'page')`, ['good', id, index % 7 === 0 ? judged - 1 : judged, new Date('2025-04-01T00:00:00Z')]);
    }
    const plan = parsePlan('name: p\nthresholds:\n  min_pairwise_win_or_tie: 0.5\n  min_judge_human_kappa: 0.3\n  min_human_ratings: 30\n', 'p.yaml');
    const outcome = await gateRun(store, 'good', plan);
    const pairwise = outcome.checks.find((check) => check.metric === 'pairwise_win_or_tie')!;
    expect(pairwise).toMatchObject({ n: 60, outcome: 'pass' });
    expect(pairwise.value).toBeCloseTo(40 / 60);
    const kappa = outcome.checks.find((check) => check.metric === 'judge_human_kappa')!;
    expect(kappa.n).toBe(60);
    expect(kappa.outcome).toBe('pass');
    const none = await gateRun(store, 'worse-complex', plan);
    expect(none.checks.find((check) => check.metric === 'pairwise_win_or_tie')).toMatchObject({ outcome: 'skip', detail: 'not evaluated: no pairwise judgments for this run' });
    expect(none.checks.find((check) => check.metric === 'judge_human_kappa')!.outcome).toBe('skip');
  });

  it('holds an unfinished run, whatever its numbers', async () => {
    const outcome = await gateRun(store, 'half', loadPlan('suites/rollout.yaml'));
    expect(outcome.decision).toBe('hold');
    expect(outcome.checks.find((check) => check.metric === 'run_complete')!.detail).toContain('"interrupted"');
  });

  it('names regressions against another run', async () => {
    const plan = parsePlan('name: p\nthresholds:\n  min_quality: 3\n', 'p.yaml');
    const outcome = await gateRun(store, 'worse-complex', plan, { against: 'good' });
    expect(outcome.comparison!.againstRunId).toBe('good');
    expect(outcome.decision).toBe('hold'); // complex: 20 paired queries, below min_paired 30
    expect(outcome.checks.find((check) => check.metric === 'regression_quality_complex')!.outcome).toBe('hold');
    const strict = parsePlan('name: p\nthresholds:\n  min_quality: 3\nregression:\n  min_paired: 10\n', 'p.yaml');
    const regressed = await gateRun(store, 'worse-complex', strict, { against: 'good' });
    expect(regressed.decision).toBe('no-go');
    expect(regressed.checks.filter((check) => check.outcome === 'fail').map((check) => check.metric)).toEqual(['regression_quality_complex']);
    await expect(gateRun(store, 'good', plan, { against: 'good' })).rejects.toThrow(/--against names the gated run itself/);
    await expect(gateRun(store, 'good', plan, { against: 'nope' })).rejects.toThrow(/run not found: nope/);
  });

  it('holds a step that sends a tier to an endpoint the run did not measure there', () => {
    const plan = parsePlan(
      'steps:\n  - name: llama-everywhere\n    shares: { simple: { candidate: 1 }, medium: { llama: 1 }, complex: { baseline: 1 } }\n',
      'p.yaml',
    );
    const scope = stepScope(plan.steps[0]!, { ...CONFIG, routing: { ...CONFIG.routing } } as never);
    expect(scope.tiers).toEqual(['simple', 'medium']);
    expect(scope.unmeasured).toEqual([{ tier: 'medium', endpoint: 'llama', measured: 'gpt35' }]);
  });
});
