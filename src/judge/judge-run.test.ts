import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord, Role } from '../core/response.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { openJudgeTables } from '../store/judge-tables.ts';
import { openStore } from '../store/store.ts';
import { judgeStoredRun, type JudgeRunOptions } from './judge-run.ts';
import { readRunLengthBias } from './run-length-bias.ts';

const RETURNS =
  'You can return most items within 30 days of delivery for a full refund. Items must be unused and in their original packaging. ' +
  'Start the return from My Account > Orders to get a prepaid label, and a $6.95 return shipping fee is deducted unless you are a Northwind Rewards member.';
const HOURS = 'Our team is available Monday to Friday from 8am to 8pm Eastern Time. On Saturdays we are open from 9am to 5pm, and we are closed on Sundays.';
const KEY = 'sk-test-never-stored-0123456789';

let sim: SimServer;
const dir = mkdtempSync(join(tmpdir(), 'hybrid-eval-judge-run-'));
beforeAll(async () => {
  sim = await startSim({ timeScale: 0, batchMs: 60 });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function simConfig(server: SimServer): Config {
  const config = loadConfig('examples/sim.yaml');
  for (const endpoint of Object.values(config.endpoints)) endpoint.base_url = server.url;
  return config;
}

const at = new Date('2025-05-01T10:00:00Z');
function answer(runId: string, queryId: string, role: Role, output: string | undefined, status: ResponseRecord['status'] = 'ok'): ResponseRecord {
  return {
    runId, queryId, role, endpoint: role === 'baseline' ? 'gpt4' : 'llama', model: role === 'baseline' ? 'gpt-4' : 'llama-3-70b', source: 'endpoint',
    status, attempts: 1, error: status === 'failed' ? '503' : undefined, output, promptTokens: 10, completionTokens: 20, ttftMs: 5, latencyMs: 9, costUsd: 0.001, startedAt: at,
  };
}

/** A stored run of 12 queries: candidates good, partial or wrong; one fallback; one failed baseline; two without facts. */
async function seedRun(path: string, runId: string, server: SimServer = sim): Promise<void> {
  const store = await openStore(path);
  try {
    await store.createRun({ runId, mode: 'shadow', dataset: 'seed.jsonl', policy: 'oracle', config: simConfig(server) });
    const queries: Query[] = [];
    const responses: ResponseRecord[] = [];
    const candidates = [
      RETURNS,
      'You can return most items within 30 days of delivery for a full refund.',
      `Thanks for reaching out! ${RETURNS} Is there anything else I can help you with today? We are always happy to help.`,
      'You can return items within 90 days. The return shipping fee is $9.95.',
      'Please contact us.',
      HOURS,
      'We are open Monday to Friday from 8am to 8pm Eastern Time.',
      'We are open every day from 9am to 9pm.',
    ];
    candidates.forEach((candidate, index) => {
      const queryId = `q${index + 1}`;
      const reference = index < 5 ? RETURNS : HOURS;
      queries.push({ queryId, text: index < 5 ? `what is your return policy? (${index})` : `when are you open? (${index})`, reference, label: 'simple', source: { file: 'seed.jsonl', line: index + 1 } });
      responses.push(answer(runId, queryId, 'candidate', candidate), answer(runId, queryId, 'baseline', reference));
    });
    // q9: the on-prem candidate failed and the fallback served. q10: the baseline failed.
    queries.push({ queryId: 'q9', text: 'return policy please', reference: RETURNS, source: { file: 'seed.jsonl', line: 9 } });
    responses.push(answer(runId, 'q9', 'candidate', undefined, 'failed'), answer(runId, 'q9', 'fallback', RETURNS), answer(runId, 'q9', 'baseline', RETURNS));
    queries.push({ queryId: 'q10', text: 'when do you open on saturday?', reference: HOURS, source: { file: 'seed.jsonl', line: 10 } });
    responses.push(answer(runId, 'q10', 'candidate', 'On Saturdays we are open from 9am to 5pm.'), answer(runId, 'q10', 'baseline', undefined, 'failed'));
    // q11, q12: no known facts; the candidate is graded against the baseline's answer.
    queries.push({ queryId: 'q11', text: 'what is your return policy?', source: { file: 'seed.jsonl', line: 11 } });
    responses.push(answer(runId, 'q11', 'candidate', 'You can return most items within 30 days of delivery for a full refund.'), answer(runId, 'q11', 'baseline', RETURNS));
    queries.push({ queryId: 'q12', text: 'when are you open?', source: { file: 'seed.jsonl', line: 12 } });
    responses.push(answer(runId, 'q12', 'candidate', HOURS), answer(runId, 'q12', 'baseline', HOURS));
    await store.writeBatch(runId, { queries, responses });
    await store.setRunStatus(runId, 'complete', { queryCount: queries.length, rejectCount: 0 });
  } finally {
    await store.close();
  }
}

const judgeCalls = (): number => sim.requestLog.filter((entry) => entry.judge).length;
const batchCreates = (server: SimServer = sim): number => server.requestLog.filter((entry) => entry.method === 'POST' && entry.path === '/v1/batches').length;
const base = (db: string, runId: string): JudgeRunOptions => ({ runId, db, env: { OPENAI_API_KEY: KEY }, pollIntervalMs: 10, pollMaxMs: 50 });

async function query<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

describe('judging a stored run', () => {
  const db = join(dir, 'live.duckdb');
  beforeAll(() => seedRun(db, 'r1'));

  it('grades every answered response with the run’s judge, stores the spec, and reports length bias', async () => {
    const before = judgeCalls();
    const summary = await judgeStoredRun(base(db, 'r1'));
    // 8 x (candidate + baseline) + q9 (fallback, baseline) + q10 (candidate) + q11, q12 (2 each) = 23 answers.
    expect(summary).toMatchObject({ runId: 'r1', kind: 'single', mode: 'live', items: 23, scored: 23, unscored: 0, errors: 0, cacheHits: 0, requests: 23 });
    expect(judgeCalls() - before).toBe(23);
    expect(summary.judge).toMatchObject({ name: 'support-single', rubric: 'support-single', rubricVersion: '1.1', model: 'gpt-4', settings: { temperature: 0, max_tokens: 300 } });
    expect(summary.lengthBias.n).toBe(23);
    expect(summary.lengthBias.spearman).toBeGreaterThan(0);
    expect(Object.keys(summary.lengthBiasByRole ?? {}).sort()).toEqual(['baseline', 'candidate', 'fallback']);

    const rows = await query<{ query_id: string; role: string; score: number; prompt_hash: string; judge_model: string }>(
      db,
      `SELECT query_id, role, score, prompt_hash, judge_model FROM judgments WHERE run_id = 'r1' ORDER BY query_id, role`,
    );
    expect(rows).toHaveLength(23);
    const score = (queryId: string, role = 'candidate') => rows.find((row) => row.query_id === queryId && row.role === role)?.score;
    expect(score('q1')).toBe(5);
    expect(score('q2')).toBeLessThan(5);
    expect(score('q4')).toBeLessThanOrEqual(2);
    expect(score('q9', 'fallback')).toBe(5);
    expect(new Set(rows.map((row) => `${row.prompt_hash}/${row.judge_model}`)).size).toBe(1);

    const store = await openStore(db);
    try {
      const stored = await readRunLengthBias(store, 'r1');
      // Summed in another order: equal up to rounding.
      expect(stored.all).toMatchObject({ n: 23, meanLength: expect.closeTo(summary.lengthBias.meanLength!, 9) });
      expect(stored.all.pearson).toBeCloseTo(summary.lengthBias.pearson!, 9);
      expect(stored.all.spearman).toBeCloseTo(summary.lengthBias.spearman!, 9);
      expect(await readRunLengthBias(store, 'r1', 'support-single')).toEqual(stored);
    } finally {
      await store.close();
    }
  });

  it('judges the same run a second time from the cache: zero judge calls, the same verdicts', async () => {
    const before = judgeCalls();
    const scores = await query(db, `SELECT query_id, role, score, reason FROM judgments WHERE run_id = 'r1' ORDER BY ALL`);
    const summary = await judgeStoredRun(base(db, 'r1'));
    expect(judgeCalls()).toBe(before);
    expect(summary).toMatchObject({ items: 23, scored: 23, cacheHits: 23, requests: 0 });
    expect(await query(db, `SELECT query_id, role, score, reason FROM judgments WHERE run_id = 'r1' ORDER BY ALL`)).toEqual(scores);
    // --no-cache asks again.
    await judgeStoredRun({ ...base(db, 'r1'), noCache: true });
    expect(judgeCalls() - before).toBe(23);
  });

  it('never stores the API key', async () => {
    // The probe finds what is there (the key variable's name, in the stored config)...
    const [named] = await query<{ n: number }>(db, `SELECT count(*) AS n FROM runs t WHERE CAST(t AS VARCHAR) LIKE '%OPENAI_API_KEY%'`);
    expect(named!.n).toBe(1);
    // ...and the key itself is nowhere.
    const tables = ['judge_cache', 'judgments', 'judge_batches', 'pairwise_judgments', 'runs'];
    for (const table of tables) {
      const [row] = await query<{ n: number }>(db, `SELECT count(*) AS n FROM ${table} t WHERE CAST(t AS VARCHAR) LIKE '%' || $1 || '%'`, [KEY]);
      expect(row!.n).toBe(0);
    }
  });

  it('compares served answers with the baseline in both orders and reports position consistency', async () => {
    const before = judgeCalls();
    const summary = await judgeStoredRun({ ...base(db, 'r1'), pairwise: true });
    // q10 has no baseline answer: 11 comparisons, 22 requests.
    expect(summary).toMatchObject({ kind: 'pairwise', items: 11, scored: 11, requests: 22 });
    expect(judgeCalls() - before).toBe(22);
    expect(summary.judge).toMatchObject({ name: 'support-pairwise', rubric: 'support-pairwise' });
    const stats = summary.pairwise!;
    expect(stats.candidateWins + stats.baselineWins + stats.ties).toBe(11);
    expect(stats.baselineWins).toBeGreaterThanOrEqual(3);
    expect(stats.bothOrders).toBe(11);
    // Identical answers are a consistent tie; q3 (the same facts in more words) gets "A" in both orders
    // from the sim, like a position-biased judge: inconsistent, hence a tie.
    expect(stats.positionConsistency).toBeLessThan(1);
    expect(stats.positionConsistency).toBeGreaterThan(0);

    const [all] = await query<{ n: number; ties: number; position_consistency: number }>(
      db,
      `SELECT n, ties, position_consistency FROM pairwise_summary WHERE run_id = 'r1' AND tier = 'all'`,
    );
    expect(all).toEqual({ n: 11, ties: stats.ties, position_consistency: stats.positionConsistency });
    const [fallback] = await query(db, `SELECT candidate_role, winner, consistent FROM pairwise_results WHERE run_id = 'r1' AND query_id = 'q9'`);
    expect(fallback).toEqual({ candidate_role: 'fallback', winner: 'tie', consistent: true });
    const [padded] = await query(db, `SELECT winner, consistent FROM pairwise_results WHERE run_id = 'r1' AND query_id = 'q3'`);
    expect(padded).toEqual({ winner: 'tie', consistent: false });
    const [wrong] = await query(db, `SELECT winner, winner_candidate_first, winner_candidate_second FROM pairwise_results WHERE run_id = 'r1' AND query_id = 'q4'`);
    expect(wrong).toEqual({ winner: 'baseline', winner_candidate_first: 'baseline', winner_candidate_second: 'baseline' });

    const again = judgeCalls();
    expect(await judgeStoredRun({ ...base(db, 'r1'), pairwise: true })).toMatchObject({ cacheHits: 22, requests: 0 });
    expect(judgeCalls()).toBe(again);
  });

  it('keeps a second judge apart: another endpoint is stored under rubric@endpoint', async () => {
    const summary = await judgeStoredRun({ ...base(db, 'r1'), judge: 'gpt35' });
    expect(summary.judge).toMatchObject({ name: 'support-single@gpt35', model: 'gpt-3.5-turbo' });
    const judges = await query(db, `SELECT judge_name, count(*) AS n FROM judgments WHERE run_id = 'r1' GROUP BY ALL ORDER BY ALL`);
    expect(judges).toEqual([{ judge_name: 'support-single', n: 23 }, { judge_name: 'support-single@gpt35', n: 23 }]);
  });

  it('says what is wrong in one line: unknown run, endpoint, or a rubric of the wrong kind', async () => {
    await expect(judgeStoredRun(base(db, 'nope'))).rejects.toThrow(/run not found: nope/);
    await expect(judgeStoredRun({ ...base(db, 'r1'), judge: 'claude' })).rejects.toThrow(/no such endpoint/);
    await expect(judgeStoredRun({ ...base(db, 'r1'), pairwise: true, rubric: 'judges/support-single.yaml' })).rejects.toThrow(UsageError);
    await expect(judgeStoredRun({ ...base(db, 'r1'), env: {} })).rejects.toThrow(/missing API key environment variable: OPENAI_API_KEY/);
    await expect(judgeStoredRun(base(join(dir, 'missing.duckdb'), 'r1'))).rejects.toThrow(/no such database file/);
  });
});

describe('Batch API mode', () => {
  it('submits one batch, polls it, joins on custom_id: the same verdicts as live judging, no chat calls', async () => {
    const db = join(dir, 'batch.duckdb');
    await seedRun(db, 'r1');
    const before = { judge: judgeCalls(), creates: batchCreates() };
    const logged: string[] = [];
    const summary = await judgeStoredRun({ ...base(db, 'r1'), batch: true, log: (line) => logged.push(line) });
    expect(summary).toMatchObject({ mode: 'batch', items: 23, scored: 23, cacheHits: 0, requests: 23, batch: { resumed: false, status: 'completed', pending: false } });
    expect(judgeCalls()).toBe(before.judge);
    expect(batchCreates()).toBe(before.creates + 1);
    expect(logged.join('\n')).toMatch(/submitted batch batch_sim\w+: 23 requests/);
    const [batch] = await query(db, `SELECT status, request_count, joined_at IS NOT NULL AS joined FROM judge_batches WHERE run_id = 'r1'`);
    expect(batch).toEqual({ status: 'completed', request_count: 23, joined: true });

    const live = await query(join(dir, 'live.duckdb'), `SELECT query_id, role, score FROM judgments WHERE run_id = 'r1' AND judge_name = 'support-single' ORDER BY ALL`);
    expect(await query(db, `SELECT query_id, role, score FROM judgments WHERE run_id = 'r1' ORDER BY ALL`)).toEqual(live);
    const [latency] = await query<{ n: number }>(db, `SELECT count(latency_ms) AS n FROM judgments WHERE run_id = 'r1'`);
    expect(latency!.n).toBe(0);

    // Everything is cached now: a rerun submits nothing.
    expect(await judgeStoredRun({ ...base(db, 'r1'), batch: true })).toMatchObject({ cacheHits: 23, requests: 0 });
    expect(batchCreates()).toBe(before.creates + 1);
  });

  it('closes a recorded batch the endpoint no longer knows, and submits a new one', async () => {
    const db = join(dir, 'gone.duckdb');
    await seedRun(db, 'r1');
    const { judge } = await judgeStoredRun({ ...base(db, 'r1'), batch: true });
    // An unjoined batch of this judge is on record, but the endpoint has never heard of it.
    const store = await openStore(db);
    const tables = await openJudgeTables(store);
    await tables.recordBatch({ runId: 'r1', kind: 'single', judgeName: judge.name, promptHash: judge.promptHash, judgeModel: judge.model, batchId: 'batch_gone', inputFileId: 'file-x', requestCount: 3, status: 'in_progress' });
    await tables.close();
    await store.close();
    const logged: string[] = [];
    const creates = batchCreates();
    const summary = await judgeStoredRun({ ...base(db, 'r1'), batch: true, noCache: true, log: (line) => logged.push(line) });
    expect(logged[0]).toMatch(/batch batch_gone no longer exists at the endpoint; submitting a new one/);
    expect(summary).toMatchObject({ scored: 23, batch: { resumed: false, status: 'completed' } });
    expect(batchCreates()).toBe(creates + 1);
    expect(await query(db, `SELECT batch_id, status, joined_at IS NOT NULL AS joined FROM judge_batches ORDER BY submitted_at, batch_id`)).toEqual([
      { batch_id: expect.stringMatching(/^batch_sim/), status: 'completed', joined: true },
      { batch_id: 'batch_gone', status: 'not_found', joined: true },
      { batch_id: expect.stringMatching(/^batch_sim/), status: 'completed', joined: true },
    ]);
  });

  it('is a one-line usage error where the endpoint has no Batch API (vLLM), and stores nothing', async () => {
    const db = join(dir, 'no-batch.duckdb');
    // Same server, a base URL under which nothing but 404s live: like a vLLM without /v1/files.
    await seedRun(db, 'r1', { url: `${sim.url}/nobatch` } as SimServer);
    await expect(judgeStoredRun({ ...base(db, 'r1'), batch: true })).rejects.toThrow(/Batch API at .*\/nobatch refused the batch \(HTTP 404\).*use live judging/);
    expect(await query(db, `SELECT (SELECT count(*) FROM judge_batches) AS batches, (SELECT count(*) FROM judgments) AS judgments`)).toEqual([{ batches: 0, judgments: 0 }]);
  });

  it('resumes an interrupted batch by polling it again instead of submitting a new one', async () => {
    const slow = await startSim({ timeScale: 0, batchMs: 1_500 });
    try {
      const db = join(dir, 'resume.duckdb');
      await seedRun(db, 'r1', slow);
      const controller = new AbortController();
      const first = judgeStoredRun({ ...base(db, 'r1'), batch: true, pairwise: true, signal: controller.signal, log: (line) => line.includes('in_progress') && controller.abort() });
      const interrupted = await first;
      expect(interrupted).toMatchObject({ scored: 0, batch: { pending: true, status: 'in_progress', resumed: false } });
      expect(batchCreates(slow)).toBe(1);
      expect(await query(db, `SELECT count(*) AS n FROM pairwise_judgments`)).toEqual([{ n: 0 }]);
      expect(await query(db, `SELECT status, joined_at FROM judge_batches`)).toEqual([{ status: 'in_progress', joined_at: null }]);

      const resumed = await judgeStoredRun({ ...base(db, 'r1'), batch: true, pairwise: true });
      expect(resumed).toMatchObject({ items: 11, scored: 11, batch: { resumed: true, status: 'completed', pending: false } });
      expect(batchCreates(slow)).toBe(1);
      const store = await openStore(db);
      const tables = await openJudgeTables(store);
      try {
        expect((await tables.readBatches('r1')).map((row) => [row.status, row.joinedAt !== undefined])).toEqual([['completed', true]]);
        expect(await tables.readPairwise('r1')).toHaveLength(11);
      } finally {
        await tables.close();
        await store.close();
      }
    } finally {
      await slow.close();
    }
  });
});
