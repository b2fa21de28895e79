import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgmentRecord } from '../core/judgment.ts';
import { TIERS } from '../core/tier.ts';
import { createRandom } from '../datasets/random.ts';
import { openStore, type Store } from '../store/store.ts';
import { JUDGE, judgment, query, response, route, scored, tempDir } from '../store/test-records.ts';
import { compareUtf8, factTable } from './fact-table.ts';
import { factsSql, VARCHAR_KINDS } from './facts-sql.ts';
import { loadRunData } from './metrics.ts';
import { TOOL_CALLS_BY_TIER_SQL } from './tool-agreement.ts';

const RUN = 'facts';
const OTHER = 'facts-other';

/** What the gate read before: the analysts' `pairs` view, joined again for latencies, routes and privacy. */
const PAIRS_FACTS_SQL = `SELECT p.query_id, p.tier, p.label, p.route_policy, p.candidate_endpoint, p.candidate_status,
       p.served_judge_status, p.served_score, p.baseline_source, p.baseline_status, p.baseline_judge_status, p.baseline_score,
       p.fallback_used, p.fallback_status, c.latency_ms AS candidate_latency_ms, f.latency_ms AS fallback_latency_ms,
       rt.latency_us AS router_latency_us, pd.judge_withheld, pd.sensitive
FROM pairs AS p
LEFT JOIN responses AS c ON c.run_id = p.run_id AND c.query_id = p.query_id AND c.role = 'candidate'
LEFT JOIN responses AS f ON f.run_id = p.run_id AND f.query_id = p.query_id AND f.role = 'fallback'
LEFT JOIN routes AS rt ON rt.run_id = p.run_id AND rt.query_id = p.query_id
LEFT JOIN privacy_decisions AS pd ON pd.run_id = p.run_id AND pd.query_id = p.query_id
WHERE p.run_id = $1
ORDER BY p.query_id`;

describe('the gate reads a run without the pairs view', () => {
  const dir = tempDir('hybrid-eval-facts-');
  let store: Store;
  beforeAll(async () => {
    store = await openStore(`${dir.path}/facts.duckdb`);
    await store.createRun({ runId: RUN, mode: 'shadow', dataset: 'x', policy: 'router', config: {} });
    const random = createRandom(15);
    const ids = Array.from({ length: 400 }, (_, index) => `q${(index * 7919) % 400}`);
    const judgments: JudgmentRecord[] = [];
    const responses = [];
    for (const id of ids) {
      const fallback = random.next() < 0.1;
      const answered = random.next() < 0.97;
      if (answered) {
        responses.push(response(RUN, id, 'candidate', { status: fallback ? 'failed' : random.next() < 0.1 ? 'ok_after_retry' : 'ok', latencyMs: 100 + random.int(0, 900) }));
        responses.push(response(RUN, id, 'baseline', { status: random.next() < 0.05 ? 'failed' : 'ok', latencyMs: 900 }));
        if (fallback) responses.push(response(RUN, id, 'fallback', { endpoint: 'gpt-4', status: random.next() < 0.2 ? 'failed' : 'ok', latencyMs: 700 }));
      }
      for (const role of ['candidate', 'baseline', 'fallback'] as const) {
        if (random.next() < 0.1) continue;
        judgments.push(judgment(RUN, id, role, random.next() < 0.1 ? { status: 'unscored', reason: 'no JSON' } : scored(random.int(1, 5))));
      }
    }
    await store.writeBatch(RUN, {
      queries: ids.map((id, index) => query(id, { label: index % 5 === 0 ? undefined : TIERS[index % 3] })),
      routes: ids.filter((_, index) => index % 50 !== 0).map((id, index) => route(RUN, id, TIERS[(index * 2) % 3]!)),
      responses,
      judgments,
    });
    await store.all(`UPDATE responses SET tool_calls_key = CASE WHEN hash(query_id || role) % 3 = 0 THEN 'lookup' WHEN hash(query_id || role) % 3 = 1 THEN 'ticket' END WHERE run_id = ?`, [RUN]);
    // Another run of the same query ids in the same file, routed elsewhere and with privacy
    // decisions: the facts read filters each table to the run before joining, and none of it may leak.
    await store.createRun({ runId: OTHER, mode: 'shadow', dataset: 'x', policy: 'router', config: {} });
    for (const table of ['queries', 'routes', 'responses', 'judgments']) await store.all(`INSERT INTO ${table} SELECT * REPLACE (? AS run_id) FROM ${table} WHERE run_id = ?`, [OTHER, RUN]);
    await store.all(`UPDATE routes SET tier = 'complex', latency_us = 1 WHERE run_id = ?`, [OTHER]);
    await store.all(`INSERT INTO privacy_decisions (run_id, query_id, sensitive, reasons_json, routed_endpoint, baseline_withheld, judge_withheld, pii_found_json) SELECT run_id, query_id, true, '[]', 'llama', true, true, '{}' FROM queries WHERE run_id = ?`, [OTHER]);
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  const sorted = (rows: Array<Record<string, unknown>>) => [...rows].sort((a, b) => compareUtf8(String(a.query_id), String(b.query_id)));

  it('reads the values of the pairs view, with one judge and with a re-judged run', async () => {
    expect(sorted(await store.all(factsSql(VARCHAR_KINDS), [RUN]))).toEqual(await store.all(PAIRS_FACTS_SQL, [RUN]));
    // The other run's routes and privacy decisions are its own.
    const other = await store.all<{ tier: string | null; sensitive: boolean | null }>(factsSql(VARCHAR_KINDS), [OTHER]);
    expect(other).toHaveLength(400);
    expect(other.filter((row) => row.sensitive === true)).toHaveLength(400);
    expect(other.filter((row) => row.tier !== null && row.tier !== 'complex')).toHaveLength(0);
    expect((await store.all<{ sensitive: boolean | null }>(factsSql(VARCHAR_KINDS), [RUN])).filter((row) => row.sensitive !== null)).toHaveLength(0);
    // A second judge, newer on some answers, older on others, at the same instant on a few (the judge name decides).
    const random = createRandom(16);
    const second = { ...JUDGE, name: 'a-second-judge' };
    const rejudged: JudgmentRecord[] = [];
    for (let index = 0; index < 400; index += 3) {
      const draw = random.next();
      const createdAt = new Date(draw < 0.4 ? '2025-01-03T00:00:00Z' : draw < 0.8 ? '2025-01-01T00:00:00Z' : '2025-01-02T03:05:00.000Z');
      rejudged.push(judgment(RUN, `q${index}`, index % 2 === 0 ? 'candidate' : 'baseline', random.next() < 0.2 ? { status: 'error', reason: 'timeout' } : scored(random.int(1, 5)), { judge: second, createdAt }));
    }
    await store.writeJudgments(rejudged);
    const viewRows = await store.all(PAIRS_FACTS_SQL, [RUN]);
    expect(sorted(await store.all(factsSql(VARCHAR_KINDS), [RUN]))).toEqual(viewRows);
    // Only the default judge counts when the run names one: one judge again.
    await store.setDefaultJudge(RUN, JUDGE.name);
    expect(sorted(await store.all(factsSql(VARCHAR_KINDS), [RUN]))).toEqual(await store.all(PAIRS_FACTS_SQL, [RUN]));
    await store.setDefaultJudge(RUN, undefined);
  });

  it('loads the facts in query-id order, as the ordered view read did', async () => {
    const data = await loadRunData(store, RUN);
    const viewRows = await store.all<{ query_id: string; served_score: number | null; baseline_score: number | null; tier: string | null }>(PAIRS_FACTS_SQL, [RUN]);
    expect(data.facts.queryId).toEqual(viewRows.map((row) => row.query_id));
    expect([...data.facts].map((fact) => [fact.servedScore ?? null, fact.baselineScore ?? null, fact.tier ?? null])).toEqual(viewRows.map((row) => [row.served_score, row.baseline_score, row.tier]));
    expect(factTable(data.facts).queryId).toEqual(data.facts.queryId);
  });

  it('counts tool-call agreement per tier as the tool_calls_by_tier view does', async () => {
    const view = await store.all(`SELECT tier, tool_call_turns, tool_call_agreements FROM tool_calls_by_tier WHERE run_id = ? ORDER BY tier`, [RUN]);
    expect(view.some((row) => Number(row.tool_call_turns) > 0)).toBe(true);
    expect(await store.all(TOOL_CALLS_BY_TIER_SQL, [RUN])).toEqual(view);
  });

  it('orders ids as DuckDB does, code points beyond U+FFFF included', async () => {
    const ids = ['b', 'a', 'é', '\uffee', '\u{1f600}', 'A', 'a\u{1f600}', 'a\uffee', ''];
    // The binding takes no lists: the ids travel as one string.
    const [row] = await store.all<{ ids: string[] }>(`SELECT list(id ORDER BY id) AS ids FROM unnest(string_split(?, chr(1))) AS t(id)`, [ids.join('\u0001')]);
    expect([...ids].sort(compareUtf8)).toEqual(row!.ids);
  });
});
