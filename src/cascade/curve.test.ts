import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { createRandom } from '../datasets/random.ts';
import { openStore } from '../store/store.ts';
import { JUDGE, judgment, query, response, route, scored, tempDir } from '../store/test-records.ts';
import type { Store } from '../store/types.ts';
import { bootstrapMean } from '../gate/bootstrap.ts';
import { applyCascadeChecks } from '../gate/cascade-check.ts';
import { loadCascadeEvidence, type ServedSummary } from '../gate/cascade-evidence.ts';
import type { CostProjection } from '../gate/cost.ts';
import type { GateResult } from '../gate/decide.ts';
import { loadPlan, selectStep } from '../gate/plan.ts';
import { AUROC_SQL, CURVE_SQL, PER_QUERY_SQL } from './curve-sql.ts';
import { cascadeJson, evaluateCascade, readCurve } from './evaluate.ts';
import { formatCascade } from './format.ts';
import type { ValidationRecord } from './validation-record.ts';

const RUN = 'run-cascade';
const VALIDATOR = { name: 'support-validator@llama', rubric: 'support-validator', rubricVersion: '1.0', promptHash: 'h', model: 'llama-3-70b', settings: {} };
const MONTHLY = 1_000_000; // examples/sim.yaml volume.monthly_queries

interface Planted {
  id: string;
  tier: Tier;
  candidateScore: number | undefined;
  baselineScore: number | undefined;
  fallback: boolean;
  validation: { p: number | undefined; cost: number | undefined; latency: number } | undefined;
  candidateCost: number | undefined;
  baselineCost: number;
  fallbackCost: number;
  candidateLatency: number;
  baselineLatency: number;
  fallbackLatency: number;
}

/** A run with every case the curve must handle: unvalidated tiers, fallbacks, unscored validations and judgments, unknown costs. */
function plantRun(count: number): Planted[] {
  const random = createRandom(18);
  const planted: Planted[] = [];
  for (let index = 0; index < count; index++) {
    const tier = TIERS[random.int(0, 2)]!;
    const fallback = random.next() < 0.04;
    const candidateScore = random.next() < 0.03 ? undefined : random.int(1, 5);
    const validated = tier !== 'complex' && !fallback;
    planted.push({
      id: `q${String(index).padStart(4, '0')}`,
      tier,
      candidateScore,
      baselineScore: random.next() < 0.02 ? undefined : random.int(3, 5),
      fallback,
      validation: validated
        ? {
            p: random.next() < 0.05 ? undefined : Math.round(Math.min(1, Math.max(0, ((candidateScore ?? 3) - 1) / 4 + (random.next() - 0.5) * 0.6)) * 1000) / 1000,
            cost: random.next() < 0.03 ? undefined : 0.0004,
            latency: 100 + random.next() * 300,
          }
        : undefined,
      candidateCost: random.next() < 0.03 ? undefined : 0.0004 + random.next() * 0.001,
      baselineCost: 0.03 + random.next() * 0.04,
      fallbackCost: 0.05,
      candidateLatency: 200 + random.next() * 800,
      baselineLatency: 1000 + random.next() * 4000,
      fallbackLatency: 1500,
    });
  }
  return planted;
}

async function store(planted: readonly Planted[], path: string): Promise<Store> {
  const opened = await openStore(path);
  const config = loadConfig('examples/sim.yaml');
  await opened.createRun({ runId: RUN, mode: 'shadow', dataset: 'planted', policy: 'router', config });
  const queries: Query[] = [];
  const routes: RouteRecord[] = [];
  const responses: ResponseRecord[] = [];
  const judgments: JudgmentRecord[] = [];
  const validations: ValidationRecord[] = [];
  for (const item of planted) {
    queries.push(query(item.id));
    routes.push(route(RUN, item.id, item.tier));
    responses.push(response(RUN, item.id, 'candidate', item.fallback ? { status: 'failed', latencyMs: item.candidateLatency } : { costUsd: item.candidateCost, latencyMs: item.candidateLatency }));
    responses.push(response(RUN, item.id, 'baseline', { costUsd: item.baselineCost, latencyMs: item.baselineLatency }));
    if (item.fallback) {
      responses.push(response(RUN, item.id, 'fallback', { costUsd: item.fallbackCost, latencyMs: item.fallbackLatency }));
      if (item.candidateScore !== undefined) judgments.push(judgment(RUN, item.id, 'fallback', scored(item.candidateScore)));
    } else if (item.candidateScore !== undefined) judgments.push(judgment(RUN, item.id, 'candidate', scored(item.candidateScore)));
    judgments.push(judgment(RUN, item.id, 'baseline', item.baselineScore === undefined ? { status: 'unscored', reason: 'bad reply' } : scored(item.baselineScore)));
    if (item.validation !== undefined) {
      const p = item.validation.p;
      validations.push({
        runId: RUN,
        queryId: item.id,
        role: 'candidate',
        validator: VALIDATOR,
        endpoint: 'llama',
        escalateTo: 'gpt4',
        verdict: p === undefined ? { status: 'unscored', reason: 'no JSON' } : { status: 'scored', pAcceptable: p, reasoning: '' },
        promptTokens: 300,
        completionTokens: 20,
        costUsd: item.validation.cost,
        latencyMs: item.validation.latency,
        calls: 1,
        cached: false,
        createdAt: new Date('2026-01-01T00:00:00Z'),
      });
    }
  }
  await opened.writeBatch(RUN, { queries, routes, responses, judgments, validations });
  return opened;
}

/**
 * The curve by its definition, as it was first written: one row per query and threshold (a cross
 * join, 21 million rows at a million queries, too slow there), judgments picked by a window as the
 * `current_judgments` view does. CURVE_SQL must give the same numbers.
 */
const CURRENT_JUDGMENTS_BY_WINDOW = `SELECT j.query_id, j.role, j.status, j.score
      FROM judgments AS j
      WHERE j.run_id = $1 AND j.kind = 'single'
        AND ((SELECT default_judge FROM runs WHERE run_id = $1) IS NULL OR j.judge_name = (SELECT default_judge FROM runs WHERE run_id = $1))
      QUALIFY row_number() OVER (PARTITION BY j.query_id, j.role ORDER BY j.created_at DESC, j.judge_name) = 1`;
const PER_QUERY_BY_WINDOW = `  SELECT
    q.query_id,
    rt.tier,
    v.query_id IS NOT NULL AS validated,
    v.status = 'scored' AS validator_scored,
    v.p_acceptable,
    j.candidate_score,
    CASE WHEN s.fallback_used THEN j.fallback_score ELSE j.candidate_score END AS served_score,
    j.baseline_score,
    s.candidate_cost,
    v.cost_usd AS validator_cost,
    s.baseline_cost,
    CASE WHEN s.fallback_used THEN s.candidate_cost + s.fallback_cost ELSE s.candidate_cost END AS routed_cost,
    CASE WHEN s.fallback_used THEN (CASE WHEN s.fallback_ok THEN s.candidate_latency + s.fallback_latency END)
         WHEN s.candidate_ok THEN s.candidate_latency END AS routed_latency,
    s.candidate_latency,
    v.latency_ms AS validator_latency,
    CASE WHEN s.baseline_ok THEN s.baseline_latency END AS baseline_latency
  FROM queries AS q
  LEFT JOIN routes AS rt ON rt.run_id = q.run_id AND rt.query_id = q.query_id
  LEFT JOIN (
    SELECT
      query_id,
      bool_or(role = 'fallback') AS fallback_used,
      bool_or(role = 'candidate' AND status IN ('ok', 'ok_after_retry')) AS candidate_ok,
      bool_or(role = 'baseline' AND status IN ('ok', 'ok_after_retry')) AS baseline_ok,
      bool_or(role = 'fallback' AND status IN ('ok', 'ok_after_retry')) AS fallback_ok,
      max(cost_usd) FILTER (WHERE role = 'candidate') AS candidate_cost,
      max(cost_usd) FILTER (WHERE role = 'baseline') AS baseline_cost,
      max(cost_usd) FILTER (WHERE role = 'fallback') AS fallback_cost,
      max(latency_ms) FILTER (WHERE role = 'candidate') AS candidate_latency,
      max(latency_ms) FILTER (WHERE role = 'baseline') AS baseline_latency,
      max(latency_ms) FILTER (WHERE role = 'fallback') AS fallback_latency
    FROM responses
    WHERE run_id = $1
    GROUP BY query_id
  ) AS s ON s.query_id = q.query_id
  LEFT JOIN (
    SELECT
      query_id,
      max(score) FILTER (WHERE role = 'candidate') AS candidate_score,
      max(score) FILTER (WHERE role = 'baseline') AS baseline_score,
      max(score) FILTER (WHERE role = 'fallback') AS fallback_score
    FROM (${CURRENT_JUDGMENTS_BY_WINDOW})
    GROUP BY query_id
  ) AS j ON j.query_id = q.query_id
  LEFT JOIN validations AS v ON v.run_id = q.run_id AND v.query_id = q.query_id AND v.validator_name = $2
  WHERE q.run_id = $1
`;
const CURVE_BY_DEFINITION_SQL = `
WITH per_query AS MATERIALIZED (
${PER_QUERY_BY_WINDOW}),
thresholds AS (
  SELECT round(i * 0.05, 2) AS threshold FROM range(0, 21) AS t(i)
),
served AS (
  SELECT
    'threshold' AS kind,
    t.threshold,
    q.validated,
    q.validated AND NOT (q.validator_scored AND q.p_acceptable >= t.threshold) AS escalated,
    q.candidate_score,
    CASE WHEN NOT q.validated THEN q.served_score
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_score
         ELSE q.baseline_score END AS score,
    CASE WHEN NOT q.validated THEN q.routed_cost
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_cost + q.validator_cost
         ELSE q.candidate_cost + q.validator_cost + q.baseline_cost END AS cost,
    CASE WHEN NOT q.validated THEN q.routed_latency
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_latency + q.validator_latency
         ELSE q.candidate_latency + q.validator_latency + q.baseline_latency END AS latency
  FROM per_query AS q CROSS JOIN thresholds AS t
  UNION ALL
  SELECT 'routing_only', NULL, FALSE, NULL, NULL, q.served_score, q.routed_cost, q.routed_latency FROM per_query AS q
  UNION ALL
  SELECT 'all_baseline', NULL, FALSE, NULL, NULL, q.baseline_score, q.baseline_cost, q.baseline_latency FROM per_query AS q
)
SELECT
  kind,
  threshold,
  count(*) AS n,
  count(score) AS n_scored,
  avg(score) AS quality_mean,
  avg(score) - 1.959964 * stddev_samp(score) / sqrt(count(score)) AS quality_ci_low,
  avg(score) + 1.959964 * stddev_samp(score) / sqrt(count(score)) AS quality_ci_high,
  count(cost) AS n_costed,
  avg(cost) AS cost_per_query_usd,
  avg(cost) * CAST($3 AS DOUBLE) AS monthly_cost_usd,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated) END AS escalations,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated) / count(*) END AS escalation_rate,
  quantile_cont(latency, 0.5) AS latency_p50_ms,
  quantile_cont(latency, 0.95) AS latency_p95_ms,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated AND candidate_score < 4) END AS bad_caught,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE validated AND NOT escalated AND candidate_score < 4) END AS bad_passed,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated AND candidate_score >= 4) END AS good_escalated,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE validated AND NOT escalated AND candidate_score >= 4) END AS good_passed,
  count(*) FILTER (WHERE escalated AND candidate_score < 4) / nullif(count(*) FILTER (WHERE escalated AND candidate_score IS NOT NULL), 0) AS bad_precision,
  count(*) FILTER (WHERE escalated AND candidate_score < 4) / nullif(count(*) FILTER (WHERE validated AND candidate_score < 4), 0) AS bad_recall
FROM served
GROUP BY kind, threshold
ORDER BY kind = 'threshold' DESC, kind, threshold
`;

/** The cascade rule, written again in plain code, per query: what the SQL must agree with. */
function servedAt(planted: readonly Planted[], threshold: number) {
  return planted.map((item) => {
    // A failed call's cost is unknown, so a query the fallback served has an unknown cost: left out, not 0.
    const routedCost = item.fallback ? undefined : item.candidateCost;
    if (item.validation === undefined) return { score: item.candidateScore, cost: routedCost, routedCost, escalated: false };
    const pass = item.validation.p !== undefined && item.validation.p >= threshold;
    const base = item.candidateCost === undefined || item.validation.cost === undefined ? undefined : item.candidateCost + item.validation.cost;
    return pass ? { score: item.candidateScore, cost: base, routedCost, escalated: false } : { score: item.baselineScore, cost: base === undefined ? undefined : base + item.baselineCost, routedCost, escalated: true };
  });
}

function expected(planted: readonly Planted[], threshold: number) {
  const served = servedAt(planted, threshold);
  const mean = (values: Array<number | undefined>): number => {
    const known = values.filter((value): value is number => value !== undefined);
    return known.reduce((sum, value) => sum + value, 0) / known.length;
  };
  const badCaught = planted.filter((item, index) => served[index]!.escalated && item.candidateScore !== undefined && item.candidateScore < 4).length;
  return { quality: mean(served.map((row) => row.score)), cost: mean(served.map((row) => row.cost)), escalations: served.filter((row) => row.escalated).length, badCaught };
}

function bruteAuroc(planted: readonly Planted[]): number {
  const pairs = planted.filter((item) => item.validation?.p !== undefined && item.candidateScore !== undefined && !item.fallback);
  const good = pairs.filter((item) => item.candidateScore! >= 4).map((item) => item.validation!.p!);
  const bad = pairs.filter((item) => item.candidateScore! < 4).map((item) => item.validation!.p!);
  let wins = 0;
  for (const g of good) for (const b of bad) wins += g > b ? 1 : g === b ? 0.5 : 0;
  return wins / (good.length * bad.length);
}

describe('the cascade curve', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  const planted = plantRun(600);
  beforeEach(async () => {
    dir = tempDir('hybrid-eval-cascade-');
    path = `${dir.path}/cascade.duckdb`;
    await (await store(planted, path)).close();
  });
  afterEach(() => dir.remove());

  it('agrees with the cascade rule written in plain code, at every threshold', async () => {
    const evaluation = await evaluateCascade({ runId: RUN, db: path });
    expect(evaluation.thresholds).toHaveLength(21);
    for (const row of evaluation.thresholds) {
      const want = expected(planted, row.threshold!);
      expect(row.qualityMean).toBeCloseTo(want.quality, 10);
      expect(row.costPerQueryUsd).toBeCloseTo(want.cost, 12);
      expect(row.escalations).toBe(want.escalations);
      expect(row.escalationRate).toBeCloseTo(want.escalations / planted.length, 12);
      expect(row.badCaught).toBe(want.badCaught);
      expect(row.monthlyCostUsd).toBeCloseTo(want.cost * MONTHLY, 6);
    }
    // Raising the threshold escalates more, never fewer.
    const escalations = evaluation.thresholds.map((row) => row.escalations!);
    expect([...escalations].sort((a, b) => a - b)).toEqual(escalations);
    expect(evaluation.auroc).toBeCloseTo(bruteAuroc(planted), 10);
    // Routing alone: the served answer as routed; all baseline: the baseline's.
    const routedScores = planted.map((item) => item.candidateScore).filter((value): value is number => value !== undefined);
    expect(evaluation.routingOnly.qualityMean).toBeCloseTo(routedScores.reduce((a, b) => a + b, 0) / routedScores.length, 10);
    const baselineScores = planted.map((item) => item.baselineScore).filter((value): value is number => value !== undefined);
    expect(evaluation.allBaseline.qualityMean).toBeCloseTo(baselineScores.reduce((a, b) => a + b, 0) / baselineScores.length, 10);
  });

  it('chooses the cheapest threshold whose 95% lower bound clears the bar, and prints exactly the issue JSON shape', async () => {
    const evaluation = await evaluateCascade({ runId: RUN, db: path, step: '70% + cascade' });
    const json = cascadeJson(evaluation);
    expect(Object.keys(json).sort()).toEqual(['all_baseline', 'chosen', 'routing_only', 'thresholds', 'validator']);
    expect(Object.keys(json.thresholds[0]!).sort()).toEqual(['cost_per_query_usd', 'escalation_rate', 'latency_p95_ms', 'quality_ci_low', 'quality_mean', 'threshold']);
    expect(Object.keys(json.routing_only).sort()).toEqual(['cost_per_query_usd', 'latency_p95_ms', 'quality_mean']);
    expect(Object.keys(json.validator).sort()).toEqual(['auroc', 'n']);
    const passing = evaluation.thresholds.filter((row) => row.qualityCiLow! >= 4.65 && row.costPerQueryUsd !== undefined);
    if (passing.length === 0) expect(json.chosen).toBeNull();
    else expect(evaluation.chosen?.costPerQueryUsd).toBe(Math.min(...passing.map((row) => row.costPerQueryUsd!)));
    // A bar nothing clears: null, not a made-up threshold.
    const none = await evaluateCascade({ runId: RUN, db: path, step: '10%' });
    expect(none.qualityBar).toBe(4.5);
    if (none.thresholds.every((row) => row.qualityCiLow! < 4.5)) expect(cascadeJson(none).chosen).toBeNull();
  });

  it("says which plan file set the bar: the run's stored config, the -c config, or --plan (issue 16 #3)", async () => {
    const stored = await evaluateCascade({ runId: RUN, db: path });
    expect(stored.planFile).toBe(loadConfig('examples/sim.yaml').plan);
    expect(formatCascade(stored)).toContain(`\nplan file: ${stored.planFile} (plan in run ${RUN}'s stored config)\n`);
    const fromConfig = await evaluateCascade({ runId: RUN, db: path, config: 'examples/sim.yaml' });
    expect(formatCascade(fromConfig)).toContain(`\nplan file: ${fromConfig.planFile} (plan in examples/sim.yaml)\n`);
    const flagged = await evaluateCascade({ runId: RUN, db: path, config: 'examples/sim.yaml', plan: 'suites/rollout.yaml' });
    expect(formatCascade(flagged)).toContain('\nplan file: suites/rollout.yaml (--plan)\n');
  });

  it('is reproduced by the SQL documented in src/cascade/README.md, from the stored rows', async () => {
    await evaluateCascade({ runId: RUN, db: path });
    const readme = readFileSync('src/cascade/README.md', 'utf8');
    const blocks = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());
    expect(blocks[0]).toBe(CURVE_SQL.trim());
    expect(blocks[1]).toBe(AUROC_SQL.trim());
    const opened = await openStore(path, { mustExist: true });
    try {
      const stored = await opened.all<Record<string, unknown>>(
        `SELECT * EXCLUDE (run_id, validator_name, computed_at) FROM cascade_curves WHERE run_id = ? ORDER BY kind = 'threshold' DESC, kind, threshold`,
        [RUN],
      );
      const recomputed = await opened.all<Record<string, unknown>>(blocks[0]!, [RUN, VALIDATOR.name, MONTHLY]);
      // Equal up to floating-point summation order: DuckDB aggregates in parallel, so the last bits of a sum may differ between two runs of one query.
      expect(recomputed.length).toBe(stored.length);
      recomputed.forEach((row, index) => {
        for (const [key, value] of Object.entries(row)) {
          const want = stored[index]![key];
          if (typeof value === 'number' && typeof want === 'number' && !Number.isInteger(value)) expect(Math.abs(value - want), key).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
          else expect(value, key).toEqual(want);
        }
      });
      const [power] = await opened.all<{ auroc: number }>(blocks[1]!, [RUN, VALIDATOR.name]);
      const [summary] = await opened.all<{ auroc: number }>('SELECT auroc FROM cascade_summaries WHERE run_id = ?', [RUN]);
      expect(power!.auroc).toBeCloseTo(summary!.auroc, 12);
      expect((await readCurve(opened, RUN, VALIDATOR.name)).length).toBe(23);
      // The curve reads the tables directly (one pass each); its served answer is the one the analysts' `pairs` view and the gate see.
      const disagree = await opened.all<{ n: number }>(
        `WITH per_query AS (${PER_QUERY_SQL}) SELECT count(*) AS n FROM per_query AS q JOIN pairs AS p ON p.run_id = $1 AND p.query_id = q.query_id
         WHERE q.served_score IS DISTINCT FROM p.served_score OR q.baseline_score IS DISTINCT FROM p.baseline_score OR q.candidate_score IS DISTINCT FROM p.candidate_score OR q.tier IS DISTINCT FROM p.tier`,
        [RUN, VALIDATOR.name],
      );
      expect(disagree).toEqual([{ n: 0 }]);
    } finally {
      await opened.close();
    }
  });
});

describe("the gate's cascade evidence", () => {
  const planted = plantRun(600);
  const plan = loadPlan('suites/rollout.yaml');
  const step = selectStep(plan, '70% + cascade');

  it("is what the rule serves at the step's threshold, in figures that do not depend on the order DuckDB returns the rows in", async () => {
    const dir = tempDir('hybrid-eval-cascade-gate-');
    // The same run written in two orders: the summary must be the same, bootstrap intervals included.
    const reversed = [...planted].reverse();
    const summaries = [];
    try {
      for (const [index, order] of [planted, reversed].entries()) {
        const opened = await store(order, `${dir.path}/order-${index}.duckdb`);
        try {
          const evidence = (await loadCascadeEvidence(opened, RUN, plan, loadConfig('examples/sim.yaml'), () => [...TIERS])).get(step.name);
          if (evidence === undefined || !evidence.available) throw new Error(`no evidence: ${JSON.stringify(evidence)}`);
          summaries.push(evidence.served);
        } finally {
          await opened.close();
        }
      }
    } finally {
      dir.remove();
    }
    const [served, again] = summaries as [ServedSummary, ServedSummary];
    const rule = servedAt(planted, step.cascade!.threshold);
    const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
    expect(served.queries).toBe(planted.length);
    expect(served.validated).toBe(planted.filter((item) => item.validation !== undefined).length);
    expect(served.escalated).toBe(rule.filter((row) => row.escalated).length);
    expect([...served.scores]).toEqual(sorted(rule.flatMap((row) => (row.score === undefined ? [] : [row.score]))));
    // Paired per query: the served answer's score minus the same query's baseline score.
    expect([...served.differences]).toEqual(sorted(rule.flatMap((row, index) => (row.score === undefined || planted[index]!.baselineScore === undefined ? [] : [row.score - planted[index]!.baselineScore!]))));
    for (const tier of TIERS) {
      const inTier = rule.filter((_, index) => planted[index]!.tier === tier);
      expect([...served.tierScores[tier]!]).toEqual(sorted(inTier.flatMap((row) => (row.score === undefined ? [] : [row.score]))));
      const known = inTier.filter((row) => row.cost !== undefined && row.routedCost !== undefined);
      expect(served.addedCost[tier]!.queries).toBe(inTier.length);
      expect(served.addedCost[tier]!.known).toBe(known.length);
      expect(served.addedCost[tier]!.sumNanoUsd / 1e9).toBeCloseTo(known.reduce((sum, row) => sum + row.cost! - row.routedCost!, 0), 6);
    }
    expect(again).toEqual(served);

    // The drop against the baseline is a paired bootstrap of those differences, as the plain gate's quality_vs_baseline.
    const result: GateResult = { decision: 'go', checks: [] };
    const cost: Partial<CostProjection> = { monthlyQueries: MONTHLY, routedMonthlyUsd: 15_000, baselineMonthlyUsd: 50_000 };
    applyCascadeChecks(result, step, cost as CostProjection, { simple: 1, medium: 1, complex: 1 }, { available: true, validator: VALIDATOR.name, threshold: step.cascade!.threshold, served }, 7);
    const paired = result.checks.find((check) => check.metric === 'cascade_quality_vs_baseline');
    const want = bootstrapMean(served.differences, { seed: 7 });
    expect(paired).toMatchObject({ value: want.mean, interval: { lower: want.lower, upper: want.upper }, n: served.differences.length });
    // The bill adds, per tier, a third of the volume (one query a tier in the mix) times the mean added cost per query.
    const extra = TIERS.reduce((sum, tier) => sum + (MONTHLY / 3) * (served.addedCost[tier]!.sumNanoUsd / 1e9 / served.addedCost[tier]!.known), 0);
    expect(result.checks.find((check) => check.metric === 'cascade_monthly_cost_usd')?.value).toBeCloseTo(15_000 + extra, 6);
  });
});

describe('the cascade curve against its definition', () => {
  it('gives the numbers of the one-row-per-query-and-threshold query: re-judged answers, unknown latencies, several blocks of sorted latencies', async () => {
    const dir = tempDir('hybrid-eval-cascade-definition-');
    try {
      // 3,000 queries: about 4,600 served latencies, three blocks of 2,048 for the quantiles.
      const planted = plantRun(3000);
      const opened = await store(planted, `${dir.path}/definition.duckdb`);
      try {
        const random = createRandom(7);
        const second = { ...JUDGE, name: 'another-judge' };
        const rejudged: JudgmentRecord[] = [];
        for (const item of planted) {
          const role = item.fallback ? 'fallback' : 'candidate';
          const draw = random.next();
          // Newer by a second judge (a re-judge), older by it, newer but unscored, or at the same instant (the judge name decides).
          const createdAt = draw < 0.1 ? new Date('2025-01-03T00:00:00Z') : draw < 0.2 ? new Date('2025-01-01T00:00:00Z') : draw < 0.25 ? new Date('2025-01-02T03:05:00.000Z') : undefined;
          if (createdAt === undefined) continue;
          rejudged.push(judgment(RUN, item.id, role, random.next() < 0.2 ? { status: 'unscored', reason: 'no JSON' } : scored(random.int(1, 5)), { judge: second, createdAt }));
        }
        await opened.writeJudgments(rejudged);
        await opened.all(`UPDATE runs SET default_judge = NULL WHERE run_id = ?`, [RUN]);
        await opened.all(`UPDATE responses SET latency_ms = NULL WHERE run_id = ? AND role = 'baseline' AND hash(query_id) % 17 = 0`, [RUN]);
        await opened.all(`UPDATE responses SET status = 'failed' WHERE run_id = ? AND role = 'baseline' AND hash(query_id) % 23 = 0`, [RUN]);
        await opened.all(`UPDATE validations SET latency_ms = NULL WHERE run_id = ? AND hash(query_id) % 29 = 0`, [RUN]);
        const fast = await opened.all<Record<string, unknown>>(CURVE_SQL, [RUN, VALIDATOR.name, MONTHLY]);
        const slow = await opened.all<Record<string, unknown>>(CURVE_BY_DEFINITION_SQL, [RUN, VALIDATOR.name, MONTHLY]);
        expect(fast.length).toBe(23);
        expect(fast.map((row) => Object.keys(row))).toEqual(slow.map((row) => Object.keys(row)));
        const [{ n }] = (await opened.all<{ n: number }>(
          `SELECT count(*) AS n FROM (SELECT routed_latency FROM (${PER_QUERY_SQL}) WHERE NOT validated AND routed_latency IS NOT NULL)`,
          [RUN, VALIDATOR.name],
        )) as [{ n: number }];
        expect(Number(n)).toBeGreaterThan(1000);
        fast.forEach((row, index) => {
          for (const [key, value] of Object.entries(row)) {
            const want = slow[index]![key];
            if (typeof value === 'number' && typeof want === 'number' && !Number.isInteger(want)) expect(Math.abs(value - want), `${key} at ${row.kind} ${row.threshold}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
            else expect(value === null ? null : Number(value), `${key} at ${row.kind} ${row.threshold}`).toEqual(want === null ? null : Number(want));
          }
        });
        // The re-judged answers count: the newest judgment wins, as in the current_judgments view.
        const disagree = await opened.all<{ n: number }>(
          `WITH per_query AS (${PER_QUERY_SQL}) SELECT count(*) AS n FROM per_query AS q JOIN pairs AS p ON p.run_id = $1 AND p.query_id = q.query_id
           WHERE q.served_score IS DISTINCT FROM p.served_score OR q.baseline_score IS DISTINCT FROM p.baseline_score OR q.candidate_score IS DISTINCT FROM p.candidate_score`,
          [RUN, VALIDATOR.name],
        );
        expect(disagree).toEqual([{ n: 0 }]);
      } finally {
        await opened.close();
      }
    } finally {
      dir.remove();
    }
  });
});
