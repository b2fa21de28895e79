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
import { judgment, query, response, route, scored, tempDir } from '../store/test-records.ts';
import type { Store } from '../store/types.ts';
import { AUROC_SQL, CURVE_SQL, PER_QUERY_SQL } from './curve-sql.ts';
import { cascadeJson, evaluateCascade, readCurve } from './evaluate.ts';
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

/** The cascade rule, written again in plain code: what the SQL must agree with. */
function expected(planted: readonly Planted[], threshold: number) {
  const served = planted.map((item) => {
    // A failed call's cost is unknown, so a query the fallback served has an unknown cost: left out, not 0.
    const routedCost = item.fallback ? undefined : item.candidateCost;
    if (item.validation === undefined) return { score: item.candidateScore, cost: routedCost, escalated: false };
    const pass = item.validation.p !== undefined && item.validation.p >= threshold;
    const base = item.candidateCost === undefined || item.validation.cost === undefined ? undefined : item.candidateCost + item.validation.cost;
    return pass ? { score: item.candidateScore, cost: base, escalated: false } : { score: item.baselineScore, cost: base === undefined ? undefined : base + item.baselineCost, escalated: true };
  });
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
