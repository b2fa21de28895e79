import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openJudgeTables, type PairwiseJudgmentRecord, type StoredVerdict } from './judge-tables.ts';
import { openStore } from './store.ts';
import { JUDGE, query, response, route, tempDir } from './test-records.ts';

const dir = tempDir('hybrid-eval-judge-tables-');
afterAll(() => dir.remove());

const verdict = (score: number): StoredVerdict => ({
  kind: 'single',
  judgeModel: 'gpt-4',
  promptHash: 'abc',
  outcome: { status: 'scored', value: { score, reasoning: `r${score}` } },
  latencyMs: 12.5,
});

function pairwiseRow(queryId: string, overrides: Partial<PairwiseJudgmentRecord> = {}): PairwiseJudgmentRecord {
  return {
    runId: 'r1',
    queryId,
    judge: { ...JUDGE, name: 'support-pairwise' },
    candidateRole: 'candidate',
    status: 'scored',
    winner: 'candidate',
    winnerCandidateFirst: 'candidate',
    winnerCandidateSecond: 'candidate',
    consistent: true,
    reason: 'A is better',
    latencyMs: 40,
    createdAt: new Date('2025-03-01T00:00:00Z'),
    ...overrides,
  };
}

describe('judge tables (migration 3)', () => {
  it('caches verdicts by key, replacing on a second put, and survives reopening', async () => {
    const path = join(dir.path, 'cache.duckdb');
    const store = await openStore(path);
    const tables = await openJudgeTables(store);
    await tables.putCached(new Map([['k1', verdict(4)], ['k2', { ...verdict(1), outcome: { status: 'unscored', reason: 'not JSON' } }]]));
    await tables.putCached(new Map([['k1', verdict(5)]]));
    const found = await tables.getCached(['k1', 'k2', 'k3', 'k1']);
    expect(found.get('k1')).toEqual(verdict(5));
    expect(found.get('k2')?.outcome).toEqual({ status: 'unscored', reason: 'not JSON' });
    expect(found.has('k3')).toBe(false);
    expect(await tables.getCached([])).toEqual(new Map());
    await tables.close();
    await store.close();

    const reopened = await openStore(path);
    const again = await openJudgeTables(reopened);
    expect(await again.cacheSize()).toBe(2);
    expect(await reopened.all(`SELECT status, verdict_json ->> '$.value.score' AS score FROM judge_cache WHERE cache_key = 'k1'`)).toEqual([{ status: 'scored', score: '5' }]);
    await again.close();
    await reopened.close();
  });

  it('stores pairwise comparisons (re-judging replaces), and summarises them per run, judge and tier', async () => {
    const store = await openStore(join(dir.path, 'pairwise.duckdb'));
    const tables = await openJudgeTables(store);
    try {
      await store.createRun({ runId: 'r1', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
      const ids = ['q1', 'q2', 'q3', 'q4'];
      await store.writeBatch('r1', {
        queries: ids.map((id) => query(id)),
        routes: ids.map((id, index) => route('r1', id, index < 2 ? 'simple' : 'complex')),
        responses: ids.flatMap((id) => [response('r1', id, 'candidate'), response('r1', id, 'baseline')]),
      });
      await tables.writePairwise([
        pairwiseRow('q1', { winner: 'baseline' }),
        pairwiseRow('q2', { winner: 'tie', winnerCandidateSecond: 'baseline', consistent: false }),
        pairwiseRow('q3'),
        pairwiseRow('q4', { status: 'error', winner: undefined, winnerCandidateSecond: undefined, consistent: undefined, reason: '503' }),
      ]);
      // Re-judging q1 replaces its row.
      await tables.writePairwise([pairwiseRow('q1', { winner: 'candidate' })]);
      const rows = await tables.readPairwise('r1');
      expect(rows.map((row) => [row.queryId, row.status, row.winner, row.consistent])).toEqual([
        ['q1', 'scored', 'candidate', true],
        ['q2', 'scored', 'tie', false],
        ['q3', 'scored', 'candidate', true],
        ['q4', 'error', undefined, undefined],
      ]);
      expect(rows[0]).toEqual(pairwiseRow('q1', { winner: 'candidate' }));

      const summary = await store.all(
        `SELECT tier, n, n_scored, n_judge_error, candidate_wins, baseline_wins, ties, candidate_points_mean, n_both_orders, position_consistency
         FROM pairwise_summary WHERE run_id = 'r1' ORDER BY tier`,
      );
      expect(summary).toEqual([
        { tier: 'all', n: 4, n_scored: 3, n_judge_error: 1, candidate_wins: 2, baseline_wins: 0, ties: 1, candidate_points_mean: 2.5 / 3, n_both_orders: 3, position_consistency: 2 / 3 },
        { tier: 'complex', n: 2, n_scored: 1, n_judge_error: 1, candidate_wins: 1, baseline_wins: 0, ties: 0, candidate_points_mean: 1, n_both_orders: 1, position_consistency: 1 },
        { tier: 'simple', n: 2, n_scored: 2, n_judge_error: 0, candidate_wins: 1, baseline_wins: 0, ties: 1, candidate_points_mean: 0.75, n_both_orders: 2, position_consistency: 0.5 },
      ]);
      expect(await store.all(`SELECT query_id, tier, query_text, candidate_points FROM pairwise_results WHERE run_id = 'r1' AND query_id = 'q2'`)).toEqual([
        { query_id: 'q2', tier: 'simple', query_text: 'question q2', candidate_points: 0.5 },
      ]);

      // A scored row needs a winner; an unscored one may not have one; a run must exist.
      await expect(tables.writePairwise([pairwiseRow('q1', { winner: undefined })])).rejects.toThrow(/CHECK|constraint/i);
      await expect(tables.writePairwise([pairwiseRow('q1', { status: 'unscored' })])).rejects.toThrow(/CHECK|constraint/i);
      await expect(tables.writePairwise([pairwiseRow('q1', { runId: 'nope' })])).rejects.toThrow(/no run nope/);
      expect((await tables.readPairwise('r1', 'support-pairwise'))[0]!.winner).toBe('candidate');
    } finally {
      await tables.close();
      await store.close();
    }
  });

  it('records batches before polling and finds the unjoined one of the same judge and run', async () => {
    let clock = Date.parse('2025-03-01T00:00:00Z');
    const store = await openStore(join(dir.path, 'batches.duckdb'));
    const tables = await openJudgeTables(store, { now: () => new Date((clock += 1000)) });
    try {
      const identity = { runId: 'r1', kind: 'single' as const, judgeName: 'support-single', promptHash: 'abc', judgeModel: 'gpt-4' };
      expect(await tables.unfinishedBatch(identity)).toBeUndefined();
      await tables.recordBatch({ ...identity, batchId: 'batch_1', inputFileId: 'file-1', requestCount: 10, status: 'validating' });
      await tables.updateBatch('batch_1', { status: 'in_progress' });
      expect(await tables.unfinishedBatch(identity)).toMatchObject({ batchId: 'batch_1', status: 'in_progress', requestCount: 10, joinedAt: undefined });
      expect(await tables.unfinishedBatch({ ...identity, promptHash: 'other' })).toBeUndefined();
      expect(await tables.unfinishedBatch({ ...identity, kind: 'pairwise' })).toBeUndefined();
      await tables.updateBatch('batch_1', { status: 'completed', outputFileId: 'file-out' });
      await tables.updateBatch('batch_1', { status: 'completed', joined: true });
      expect(await tables.unfinishedBatch(identity)).toBeUndefined();
      const [row] = await tables.readBatches('r1');
      expect(row).toMatchObject({ status: 'completed', outputFileId: 'file-out', submittedAt: '2025-03-01T00:00:01.000Z', joinedAt: '2025-03-01T00:00:04.000Z' });
      await expect(tables.updateBatch('batch_nope', { status: 'completed' })).rejects.toThrow(/no batch batch_nope/);
    } finally {
      await tables.close();
      await store.close();
    }
  });

  it('refuses an in-memory database', async () => {
    const store = await openStore(':memory:');
    await expect(openJudgeTables(store)).rejects.toThrow(/database file/);
    await store.close();
  });
});
