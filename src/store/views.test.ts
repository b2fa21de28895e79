import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { ResponseRecord } from '../core/response.ts';
import { openStore } from './store.ts';
import { JUDGE, judgment, query, response, route, scored, tempDir } from './test-records.ts';
import type { Store } from './types.ts';

// A hand-made run small enough to check every number by hand:
//   q1 simple  candidate 4, baseline 5                      diff -1
//   q2 simple  candidate 5 (an older judge said 1), baseline 4   diff +1
//   q3 medium  candidate failed, fallback 3, baseline 5     diff -2 (served = fallback)
//   q4 medium  candidate unscored, baseline 4               no diff
//   q5 complex candidate 5, baseline call failed, judge error   no diff
let dir: ReturnType<typeof tempDir>;
let store: Store;
const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second));

beforeAll(async () => {
  dir = tempDir();
  store = await openStore(join(dir.path, 'views.duckdb'));
  await store.createRun({ runId: 'v1', mode: 'shadow', dataset: 'd.jsonl', policy: 'router', config: {} });
  const llama = (id: string, extra: Partial<ResponseRecord>) => response('v1', id, 'candidate', { endpoint: 'llama', ...extra });
  const gpt4 = (id: string, latencyMs: number, extra: Partial<ResponseRecord> = {}) =>
    response('v1', id, 'baseline', { endpoint: 'gpt-4', latencyMs, ttftMs: latencyMs / 10, promptTokens: 100, completionTokens: 50, costUsd: 0.01, ...extra });
  const responses: ResponseRecord[] = [
    llama('q1', { promptTokens: 100, completionTokens: 20, costUsd: 0.001, latencyMs: 100, ttftMs: 10 }),
    llama('q2', { promptTokens: 200, completionTokens: 40, costUsd: 0.003, latencyMs: 300, ttftMs: 30 }),
    llama('q3', { status: 'failed', attempts: 3, error: 'HTTP 503', output: undefined, latencyMs: 5000 }),
    llama('q4', { promptTokens: 50, completionTokens: 10, latencyMs: 200, ttftMs: 20 }),
    response('v1', 'q3', 'fallback', { endpoint: 'gpt-3.5', promptTokens: 80, completionTokens: 30, costUsd: 0.0005, latencyMs: 700, ttftMs: 50 }),
    response('v1', 'q5', 'candidate', { endpoint: 'gpt-4', status: 'ok_after_retry', attempts: 2, promptTokens: 300, completionTokens: 100, costUsd: 0.02, latencyMs: 1500, ttftMs: 200 }),
    gpt4('q1', 1000),
    gpt4('q2', 1100),
    gpt4('q3', 1200),
    gpt4('q4', 1300),
    gpt4('q5', 30000, { status: 'failed', output: undefined, promptTokens: undefined, completionTokens: undefined, costUsd: undefined }),
  ];
  const judge = (id: string, role: 'candidate' | 'baseline' | 'fallback', verdict: JudgmentRecord['verdict'], extra: Partial<JudgmentRecord> = {}) =>
    judgment('v1', id, role, verdict, { createdAt: at(10), ...extra });
  const judgments: JudgmentRecord[] = [
    judge('q1', 'candidate', scored(4)),
    judge('q1', 'baseline', scored(5)),
    judge('q2', 'candidate', scored(1), { judge: { ...JUDGE, name: 'old-judge' }, createdAt: at(1) }),
    judge('q2', 'candidate', scored(5)),
    judge('q2', 'baseline', scored(4)),
    judge('q3', 'candidate', { status: 'error', reason: 'no answer to judge' }),
    judge('q3', 'fallback', scored(3)),
    judge('q3', 'baseline', scored(5)),
    judge('q4', 'candidate', { status: 'unscored', reason: 'refused' }),
    judge('q4', 'baseline', scored(4)),
    judge('q5', 'candidate', scored(5)),
    judge('q5', 'baseline', { status: 'error', reason: 'no answer to judge' }),
  ];
  await store.writeBatch('v1', {
    queries: ['q1', 'q2', 'q3', 'q4', 'q5'].map((id, index) => query(id, { label: index < 2 ? 'simple' : index < 4 ? 'medium' : 'complex' })),
    routes: [
      route('v1', 'q1', 'simple', { endpoint: 'llama' }),
      route('v1', 'q2', 'simple', { endpoint: 'llama' }),
      route('v1', 'q3', 'medium', { endpoint: 'llama' }),
      route('v1', 'q4', 'medium', { endpoint: 'llama' }),
      route('v1', 'q5', 'complex', { endpoint: 'gpt-4' }),
    ],
    responses,
    judgments,
  });

  // A second run whose default judge is not the most recent one.
  await store.createRun({ runId: 'v2', mode: 'shadow', dataset: 'd.jsonl', policy: 'router', config: {}, defaultJudge: 'llama-judge' });
  await store.writeBatch('v2', {
    queries: [query('q1')],
    routes: [route('v2', 'q1', 'simple')],
    responses: [response('v2', 'q1', 'candidate'), response('v2', 'q1', 'baseline')],
    judgments: [
      judgment('v2', 'q1', 'candidate', scored(3), { judge: { ...JUDGE, name: 'llama-judge' }, createdAt: at(1) }),
      judgment('v2', 'q1', 'candidate', scored(1), { createdAt: at(2) }),
      judgment('v2', 'q1', 'baseline', scored(4), { judge: { ...JUDGE, name: 'llama-judge' } }),
    ],
  });
});
afterAll(async () => {
  await store.close();
  dir.remove();
});

/** Rounds every number so float sums compare exactly. */
function rounded<T>(rows: T[]): T[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row as object).map(([key, value]) => [key, typeof value === 'number' ? Math.round(value * 1e6) / 1e6 : value])),
  ) as T[];
}

describe('pairs', () => {
  it('has one row per query with both sides, the fallback and the difference', async () => {
    const rows = await store.all(
      `SELECT query_id, tier, label, candidate_endpoint, candidate_status, candidate_judge_status, candidate_score, baseline_score,
              fallback_used, fallback_endpoint, fallback_score, served_score, score_diff
       FROM pairs WHERE run_id = 'v1' ORDER BY query_id`,
    );
    expect(rows).toEqual([
      { query_id: 'q1', tier: 'simple', label: 'simple', candidate_endpoint: 'llama', candidate_status: 'ok', candidate_judge_status: 'scored', candidate_score: 4, baseline_score: 5, fallback_used: false, fallback_endpoint: null, fallback_score: null, served_score: 4, score_diff: -1 },
      { query_id: 'q2', tier: 'simple', label: 'simple', candidate_endpoint: 'llama', candidate_status: 'ok', candidate_judge_status: 'scored', candidate_score: 5, baseline_score: 4, fallback_used: false, fallback_endpoint: null, fallback_score: null, served_score: 5, score_diff: 1 },
      { query_id: 'q3', tier: 'medium', label: 'medium', candidate_endpoint: 'llama', candidate_status: 'failed', candidate_judge_status: 'error', candidate_score: null, baseline_score: 5, fallback_used: true, fallback_endpoint: 'gpt-3.5', fallback_score: 3, served_score: 3, score_diff: -2 },
      { query_id: 'q4', tier: 'medium', label: 'medium', candidate_endpoint: 'llama', candidate_status: 'ok', candidate_judge_status: 'unscored', candidate_score: null, baseline_score: 4, fallback_used: false, fallback_endpoint: null, fallback_score: null, served_score: null, score_diff: null },
      { query_id: 'q5', tier: 'complex', label: 'complex', candidate_endpoint: 'gpt-4', candidate_status: 'ok_after_retry', candidate_judge_status: 'scored', candidate_score: 5, baseline_score: null, fallback_used: false, fallback_endpoint: null, fallback_score: null, served_score: 5, score_diff: null },
    ]);
    expect((await store.all(`SELECT query_text FROM pairs WHERE run_id = 'v1' AND query_id = 'q1'`))[0]).toEqual({ query_text: 'question q1' });
  });

  it("uses the run's default judge when it names one, else the most recent judgment", async () => {
    expect(await store.all(`SELECT candidate_score, baseline_score, score_diff FROM pairs WHERE run_id = 'v2'`)).toEqual([
      { candidate_score: 3, baseline_score: 4, score_diff: -1 },
    ]);
    await store.setDefaultJudge('v2', undefined);
    expect(await store.all(`SELECT candidate_score FROM pairs WHERE run_id = 'v2'`)).toEqual([{ candidate_score: 1 }]);
    await store.setDefaultJudge('v2', 'llama-judge');
  });
});

describe('quality_by_tier', () => {
  it('counts scored and unscored apart and averages only scores', async () => {
    const rows = await store.all(
      `SELECT tier, n, n_scored, n_unscored, n_judge_error, n_unjudged, n_fallback, n_paired, candidate_mean_score, baseline_mean_score, mean_diff
       FROM quality_by_tier WHERE run_id = 'v1' ORDER BY tier`,
    );
    expect(rounded(rows)).toEqual([
      { tier: 'complex', n: 1, n_scored: 1, n_unscored: 0, n_judge_error: 0, n_unjudged: 0, n_fallback: 0, n_paired: 0, candidate_mean_score: 5, baseline_mean_score: null, mean_diff: null },
      { tier: 'medium', n: 2, n_scored: 1, n_unscored: 1, n_judge_error: 0, n_unjudged: 0, n_fallback: 1, n_paired: 1, candidate_mean_score: 3, baseline_mean_score: 4.5, mean_diff: -2 },
      { tier: 'simple', n: 2, n_scored: 2, n_unscored: 0, n_judge_error: 0, n_unjudged: 0, n_fallback: 0, n_paired: 2, candidate_mean_score: 4.5, baseline_mean_score: 4.5, mean_diff: 0 },
    ]);
  });
});

describe('cost_by_endpoint', () => {
  it('sums known usage and cost, and says how many calls the sums cover', async () => {
    const rows = await store.all(
      `SELECT endpoint, role, source, calls, known_usage_calls, prompt_tokens, completion_tokens, known_cost_calls, total_cost_usd, cost_per_call_usd
       FROM cost_by_endpoint WHERE run_id = 'v1' ORDER BY endpoint, role`,
    );
    expect(rounded(rows)).toEqual([
      { endpoint: 'gpt-3.5', role: 'fallback', source: 'endpoint', calls: 1, known_usage_calls: 1, prompt_tokens: 80, completion_tokens: 30, known_cost_calls: 1, total_cost_usd: 0.0005, cost_per_call_usd: 0.0005 },
      { endpoint: 'gpt-4', role: 'baseline', source: 'endpoint', calls: 5, known_usage_calls: 4, prompt_tokens: 400, completion_tokens: 200, known_cost_calls: 4, total_cost_usd: 0.04, cost_per_call_usd: 0.01 },
      { endpoint: 'gpt-4', role: 'candidate', source: 'endpoint', calls: 1, known_usage_calls: 1, prompt_tokens: 300, completion_tokens: 100, known_cost_calls: 1, total_cost_usd: 0.02, cost_per_call_usd: 0.02 },
      { endpoint: 'llama', role: 'candidate', source: 'endpoint', calls: 4, known_usage_calls: 3, prompt_tokens: 350, completion_tokens: 70, known_cost_calls: 2, total_cost_usd: 0.004, cost_per_call_usd: 0.002 },
    ]);
  });
});

describe('latency_by_endpoint', () => {
  it('gives percentiles over successful calls and the error rate over all but interrupted ones', async () => {
    const rows = await store.all(
      `SELECT endpoint, role, calls, ok_calls, retried_calls, failed_calls, interrupted_calls,
              latency_p50_ms, latency_p95_ms, latency_p99_ms, ttft_p50_ms, ttft_p95_ms, ttft_p99_ms, error_rate
       FROM latency_by_endpoint WHERE run_id = 'v1' ORDER BY endpoint, role`,
    );
    expect(rounded(rows)).toEqual([
      { endpoint: 'gpt-3.5', role: 'fallback', calls: 1, ok_calls: 1, retried_calls: 0, failed_calls: 0, interrupted_calls: 0, latency_p50_ms: 700, latency_p95_ms: 700, latency_p99_ms: 700, ttft_p50_ms: 50, ttft_p95_ms: 50, ttft_p99_ms: 50, error_rate: 0 },
      // ok latencies 1000, 1100, 1200, 1300 (the failed 30 s call is left out); 1 failed of 5.
      { endpoint: 'gpt-4', role: 'baseline', calls: 5, ok_calls: 4, retried_calls: 0, failed_calls: 1, interrupted_calls: 0, latency_p50_ms: 1150, latency_p95_ms: 1285, latency_p99_ms: 1297, ttft_p50_ms: 115, ttft_p95_ms: 128.5, ttft_p99_ms: 129.7, error_rate: 0.2 },
      { endpoint: 'gpt-4', role: 'candidate', calls: 1, ok_calls: 1, retried_calls: 1, failed_calls: 0, interrupted_calls: 0, latency_p50_ms: 1500, latency_p95_ms: 1500, latency_p99_ms: 1500, ttft_p50_ms: 200, ttft_p95_ms: 200, ttft_p99_ms: 200, error_rate: 0 },
      // ok latencies 100, 200, 300; ttft 10, 20, 30; 1 failed of 4.
      { endpoint: 'llama', role: 'candidate', calls: 4, ok_calls: 3, retried_calls: 0, failed_calls: 1, interrupted_calls: 0, latency_p50_ms: 200, latency_p95_ms: 290, latency_p99_ms: 298, ttft_p50_ms: 20, ttft_p95_ms: 29, ttft_p99_ms: 29.8, error_rate: 0.25 },
    ]);
  });
});
