import type { Tier } from '../core/tier.ts';
import type { FactTable } from '../gate/fact-table.ts';
import type { GateStore, QueryFacts, RunData } from '../gate/metrics.ts';
import type { DomainShift } from '../router/domain-shift.ts';
import { collectDomainShift } from './domain-shift.ts';
import { worstServed } from './worst-answers.ts';
import { collectCascade, type CascadeCurve } from './cascade-section.ts';
import { readCapacityReport, type CapacityReport } from './capacity-report.ts';

/** What the charts and tables need beyond the gate's own figures: distributions and examples. */
export interface ReportData {
  scoreCounts: Array<{ side: 'candidate' | 'baseline'; score: number; n: number }>;
  /** Successful call latencies per endpoint and role (at most `LATENCY_SAMPLE` each, evenly spaced). */
  latencies: Array<{ series: string; ms: number }>;
  /** The lowest-scored served answers of each tier, unscored and judge errors first. */
  worstAnswers: WorstAnswer[];
  /** The validator cascade's curve per validator of the run (none without validations). */
  cascade?: CascadeCurve[];
  /** The run's router confidence against its training data's (undefined: no router decided). */
  domainShift?: DomainShift | undefined;
  /** The newest stored capacity plan (issue 19), when there is one. */
  capacity?: CapacityReport;
}

export interface WorstAnswer {
  tier: Tier;
  queryId: string;
  query: string;
  endpoint: string | undefined;
  servedStatus: string | undefined;
  servedScore: number | undefined;
  baselineScore: number | undefined;
  fallbackUsed: boolean;
  answer: string | undefined;
  judgeReason: string | undefined;
}

const LATENCY_SAMPLE = 2000;
export const WORST_PER_TIER = 5;

/**
 * Distributions and examples for the report. Score counts and the worst answers come from the
 * facts the gate read (each pass over the `pairs` view is the whole join again: a second over a
 * million queries); only the latency sample and the worst answers' texts are read here.
 */
export async function collectReportData(store: GateStore, data: RunData): Promise<ReportData> {
  const latencies = await store.all<{ series: string; ms: number }>(
    `SELECT series, ms FROM (
       SELECT endpoint || ' (' || role || ')' AS series, latency_ms AS ms,
              row_number() OVER (PARTITION BY endpoint, role ORDER BY latency_ms) AS position,
              count(*) OVER (PARTITION BY endpoint, role) AS total
       FROM responses
       WHERE run_id = ? AND source = 'endpoint' AND status IN ('ok', 'ok_after_retry') AND latency_ms IS NOT NULL
     ) WHERE total <= ${LATENCY_SAMPLE} OR (position - 1) % ceil(total / ${LATENCY_SAMPLE}) = 0
     ORDER BY series, ms`,
    [data.runId],
  );
  return {
    scoreCounts: scoreCounts(data.facts),
    latencies: latencies.map((row) => ({ series: row.series, ms: Number(row.ms) })),
    worstAnswers: await worstAnswers(store, data.runId, worstServed(data.facts, WORST_PER_TIER)),
    cascade: await collectCascade(store, data.runId),
    domainShift: await collectDomainShift(store, data.runId),
    capacity: await readCapacityReport(store),
  };
}

/** Scores rounded to the rubric's points, per side, as the score chart draws them. */
function scoreCounts(facts: FactTable): ReportData['scoreCounts'] {
  const counts = new Map<string, { side: 'candidate' | 'baseline'; score: number; n: number }>();
  const add = (side: 'candidate' | 'baseline', score: number): void => {
    if (Number.isNaN(score)) return;
    const rounded = Math.round(score);
    const key = `${side}/${rounded}`;
    const cell = counts.get(key) ?? { side, score: rounded, n: 0 };
    cell.n++;
    counts.set(key, cell);
  };
  for (let row = 0; row < facts.length; row++) {
    add('candidate', facts.servedScore[row]!);
    add('baseline', facts.baselineScore[row]!);
  }
  return [...counts.values()].sort((a, b) => (a.side < b.side ? -1 : a.side > b.side ? 1 : a.score - b.score));
}

/** The chosen answers with their texts: the query, the served answer and the judge's reason. */
async function worstAnswers(store: GateStore, runId: string, chosen: Array<{ tier: Tier; fact: QueryFacts }>): Promise<WorstAnswer[]> {
  if (chosen.length === 0) return [];
  const ids = chosen.map((_, index) => `$${index + 2}`).join(', ');
  const texts = await store.all<{ query_id: string; role: string | null; query_text: string; endpoint: string | null; answer: string | null; reason: string | null }>(
    // Each table is filtered on the ids on its own: joined first, DuckDB ranked the judgments view
    // over the whole run before the join (0.6 s for a million queries) instead of over these few.
    `SELECT q.query_id, s.role, q.text AS query_text, s.endpoint, left(s.output, 600) AS answer, left(j.reason, 400) AS reason
     FROM (SELECT query_id, text FROM queries WHERE run_id = $1 AND query_id IN (${ids})) AS q
     LEFT JOIN (SELECT query_id, role, endpoint, output FROM responses WHERE run_id = $1 AND query_id IN (${ids}) AND role IN ('candidate', 'fallback')) AS s
       ON s.query_id = q.query_id
     LEFT JOIN (SELECT query_id, role, reason FROM current_judgments WHERE run_id = $1 AND query_id IN (${ids})) AS j
       ON j.query_id = s.query_id AND j.role = s.role`,
    [runId, ...chosen.map(({ fact }) => fact.queryId)],
  );
  return chosen.map(({ tier, fact }) => {
    const servedRole = fact.fallbackUsed ? 'fallback' : 'candidate';
    const rows = texts.filter((row) => row.query_id === fact.queryId);
    const served = rows.find((row) => row.role === servedRole);
    // The facts come from the pairs view, which is built on queries: a missing row is a bug, not an empty text.
    if (rows[0] === undefined) throw new Error(`run ${runId}: query ${fact.queryId} is in the pairs view but has no queries row`);
    return {
      tier,
      queryId: fact.queryId,
      query: rows[0].query_text,
      endpoint: served?.endpoint ?? undefined,
      servedStatus: fact.servedStatus,
      servedScore: fact.servedScore,
      baselineScore: fact.baselineScore,
      fallbackUsed: fact.fallbackUsed,
      answer: served?.answer ?? undefined,
      judgeReason: served?.reason ?? undefined,
    };
  });
}
