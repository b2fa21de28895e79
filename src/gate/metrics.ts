import type { Tier } from '../core/tier.ts';
import { isTier, TIERS } from '../core/tier.ts';
import { sqlString } from '../store/sql-values.ts';
import { bootstrapMean, type Interval } from './bootstrap.ts';
import { quantileInterval, wilsonInterval, type QuantileEstimate } from './intervals.ts';
import {
  readHumanRatings,
  readPairwise,
  summariseHumanAgreement,
  summarisePairwise,
  type Absent,
  type HumanAgreement,
  type HumanRow,
  type PairwiseResult,
  type PairwiseRow,
} from './optional-evidence.ts';
import { judgeCoverage, readOnpremJudge, type OnpremJudgeEvidence, type TierCoverage } from './judge-coverage.ts';
import { readHumanReplies, type HumanReplies } from './human-replies.ts';
import { compareUtf8, FactTable, type CodedColumn } from './fact-table.ts';
import { factsSql } from './facts-sql.ts';
import { collectGarbage } from '../core/collect-garbage.ts';

export interface GateStore {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  columns<T extends Record<string, unknown[]>>(sql: string, params?: unknown[]): Promise<T>;
  eachChunk<T extends Record<string, unknown[]>>(sql: string, params: unknown[], onChunk: (columns: T, rows: number) => void): Promise<void>;
}

export interface TierQuality {
  tier: Tier;
  queries: number;
  candidate: Interval;
  baseline: Interval;
  /** Served minus baseline, paired on the tier's queries where both were scored. */
  pairedDifference?: Interval;
}

export interface RouterMetrics {
  policy: string;
  /** Queries with a human label (the only ones whose routing can be right or wrong). */
  labelled: number;
  correct: number;
  /** Routed to a cheaper tier than the label says: the costly mistake (a complex query on Llama). */
  underrouted: number;
  overrouted: number;
  accuracy: Interval;
  underrouteRate: Interval;
  /** label -> routed tier -> count. */
  confusion: Array<{ label: Tier; tier: Tier; n: number }>;
  decisionMicros: QuantileEstimate;
  /** Why the decision times are not comparable with a replay's (then the gate does not check them). */
  latencyNotComparable?: string;
}

export interface RunMetrics {
  queries: number;
  rejects: number;
  /** Tiers the numbers below are about: those the gated step sends to the candidate. */
  scope?: { tiers: Tier[]; queries: number };
  candidate: Interval;
  baseline: Interval;
  /** Served (candidate or fallback) minus baseline on queries where both were scored. */
  pairedDifference: Interval;
  byTier: TierQuality[];
  /** Served and baseline answers by judge status; `unjudged`: never sent to the judge (e.g. kept on the premises). */
  judged: { scored: number; unscored: number; errored: number; unjudged?: number };
  candidateCalls: { total: number; failed: number; okAfterRetry: number };
  baselineCalls: { total: number; failed: number };
  fallbacks: number;
  /** Queries routed to each candidate endpoint. */
  routedTo: Record<string, number>;
  latency: Array<{ endpoint: string; role: string; calls: number; p50Ms: number | undefined; p95Ms: number | undefined; ttftP50Ms: number | undefined }>;
  /** Latency of the answer the user got: the candidate's, or candidate plus fallback when it failed over. */
  servedLatency?: QuantileEstimate;
  router?: RouterMetrics;
  /** Pairwise verdicts on the scope's tiers, or why there are none. */
  pairwise?: PairwiseResult | Absent;
  /** Judge vs human ratings over the whole run, or why there are none. */
  humanAgreement?: HumanAgreement | Absent;
  /** Per tier: served answers, how many the judge scored, and why the others were not. */
  coverage?: TierCoverage[];
  /** The on-prem judge's measured agreement with the main judge, or why there is none. */
  onpremJudge?: OnpremJudgeEvidence | Absent;
  /** Logged human agents' replies over the whole run (dataset.answer_source: human); absent when there are none. */
  humanReplies?: HumanReplies;
}

/** One query of a run, as the gate needs it (from the analysts' `pairs` view plus call details). */
export interface QueryFacts {
  queryId: string;
  tier: Tier | undefined;
  label: Tier | undefined;
  candidateEndpoint: string | undefined;
  candidateStatus: string | undefined;
  servedStatus: string | undefined;
  servedScore: number | undefined;
  baselineSource: string | undefined;
  baselineStatus: string | undefined;
  baselineJudgeStatus: string | undefined;
  baselineScore: number | undefined;
  fallbackUsed: boolean;
  servedLatencyMs: number | undefined;
  routerLatencyUs: number | undefined;
  /** The user got an answer: the candidate's, or the fallback's when it was called. */
  servedAnswered?: boolean;
  /** The privacy policy kept the query's answers from the judge (sensitive, external judge). */
  judgeWithheld?: boolean;
  sensitive?: boolean;
}

export interface RunData {
  runId: string;
  policy: string | undefined;
  rejects: number;
  /** One entry per query, in query-id order, column by column (a million objects did not fit the gate's memory budget). */
  facts: FactTable;
  latency: RunMetrics['latency'];
  pairwise: { judge: string; rows: PairwiseRow[] } | Absent;
  human: HumanRow[] | Absent;
  onpremJudge?: OnpremJudgeEvidence | Absent;
  humanReplies?: HumanReplies;
  /** Set by the gate for runs whose router latency was measured otherwise than a replay measures it. */
  routerLatencyNotComparable?: string;
}

interface FactRow {
  query_id: string;
  tier: string | null;
  label: string | null;
  route_policy: string | null;
  candidate_endpoint: string | null;
  candidate_status: string | null;
  served_judge_status: string | null;
  served_score: number | null;
  baseline_source: string | null;
  baseline_status: string | null;
  baseline_judge_status: string | null;
  baseline_score: number | null;
  fallback_used: boolean;
  fallback_status: string | null;
  candidate_latency_ms: number | null;
  fallback_latency_ms: number | null;
  router_latency_us: number | null;
  judge_withheld: boolean | null;
  sensitive: boolean | null;
}

/** A chunk of the facts query's result, column by column (a million-row run read as row objects took seconds). */
type FactColumns = { [K in keyof FactRow]: Array<FactRow[K]> };

const OK = new Set(['ok', 'ok_after_retry']);
/** An optional property, left out when undefined (exactOptionalPropertyTypes). */
const optional = <K extends string, V>(key: K, item: V | undefined): Partial<Record<K, V>> => (item === undefined ? {} : ({ [key]: item } as Record<K, V>));
const value = <T>(x: T | null): T | undefined => (x === null ? undefined : x);

/**
 * Reads a run once. Quality is what the analysts' `pairs` view shows (factsSql reads the same values
 * without it, and a test holds them equal), so the gate and an analyst's query see the same
 * numbers; "candidate" quality is the served answer's (the fallback's when the on-prem call failed).
 */
export async function loadRunData(store: GateStore, runId: string): Promise<RunData> {
  const kinds = await lowCardinalityTypes(store, runId);
  const [size] = await store.all<{ n: number }>('SELECT count(*) AS n FROM queries WHERE run_id = ?', [runId]);
  // Sized once: growing by doubling held the old and new columns at once, and up to twice the rows.
  const facts = new FactTable(Math.max(1, Number(size?.n ?? 0)));
  let policy: { queryId: string; name: string } | undefined;
  // Streamed a chunk at a time into typed columns: neither DuckDB's result nor a million JS objects is ever held.
  await store.eachChunk<FactColumns>(
    factsSql(kinds),
    [runId],
    (columns, rows) => {
      facts.reserve(rows);
      // The run's policy: that of its first query (by id) with one, as an ordered read would find it.
      columns.route_policy.forEach((value, index) => {
        if (value !== null && (policy === undefined || compareUtf8(columns.query_id[index]!, policy.queryId) < 0)) policy = { queryId: columns.query_id[index]!, name: value };
      });
      for (let index = 0; index < rows; index++) {
        const tier = columns.tier[index] ?? null;
        const label = columns.label[index] ?? null;
        facts.push({
          queryId: columns.query_id[index]!,
          tier: isTier(tier) ? tier : undefined,
          label: isTier(label) ? label : undefined,
          candidateEndpoint: value(columns.candidate_endpoint[index] ?? null),
          candidateStatus: value(columns.candidate_status[index] ?? null),
          servedStatus: value(columns.served_judge_status[index] ?? null),
          servedScore: value(columns.served_score[index] ?? null),
          baselineSource: value(columns.baseline_source[index] ?? null),
          baselineStatus: value(columns.baseline_status[index] ?? null),
          baselineJudgeStatus: value(columns.baseline_judge_status[index] ?? null),
          baselineScore: value(columns.baseline_score[index] ?? null),
          fallbackUsed: Boolean(columns.fallback_used[index]),
          servedLatencyMs: servedLatency(columns, index),
          routerLatencyUs: value(columns.router_latency_us[index] ?? null),
          servedAnswered: servedAnswered(columns, index),
          judgeWithheld: Boolean(columns.judge_withheld[index]),
          sensitive: Boolean(columns.sensitive[index]),
        });
      }
    },
  );
  facts.sortByQueryId();
  // The sort leaves the old id array and its own work arrays (some 35-90 MB over a million queries)
  // for a collection V8 would make only later, after DuckDB's next queries had raised the peak on top.
  collectGarbage();
  const [counts] = await store.all<{ rejects: number }>(`SELECT count(*) AS rejects FROM rejects WHERE run_id = ?`, [runId]);
  const latency = await store.all<{ endpoint: string; role: string; calls: number; p50: number | null; p95: number | null; ttft: number | null }>(
    `SELECT endpoint, role, count(*) AS calls,
            quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95, quantile_cont(ttft_ms, 0.5) AS ttft
     FROM responses WHERE run_id = ? AND source = 'endpoint' AND status IN ('ok', 'ok_after_retry')
     GROUP BY endpoint, role ORDER BY endpoint, role`,
    [runId],
  );
  return {
    runId,
    pairwise: await readPairwise(store, runId),
    human: await readHumanRatings(store, runId),
    onpremJudge: await readOnpremJudge(store, runId),
    ...optional('humanReplies', await readHumanReplies(store, runId)),
    policy: policy?.name,
    rejects: Number(counts?.rejects ?? 0),
    facts,
    latency: latency.map((row) => ({
      endpoint: row.endpoint,
      role: row.role,
      calls: Number(row.calls),
      p50Ms: value(row.p50),
      p95Ms: value(row.p95),
      ttftP50Ms: value(row.ttft),
    })),
  };
}

/**
 * The facts query returns a row per query: a million of them for a large run. Decoding each
 * VARCHAR cell into a JS string was most of the gate's time there, while these columns hold a
 * handful of values (tiers, statuses, endpoint names). Cast to an ENUM of the values the run
 * actually holds, DuckDB hands over a small code per cell and the client a ready string per value.
 */
type LowCardinality = 'tier' | 'policy' | 'endpoint' | 'status' | 'judgeStatus' | 'source';

async function lowCardinalityTypes(store: GateStore, runId: string): Promise<Record<LowCardinality, string>> {
  const [found] = await store.all<Record<LowCardinality, string[] | null>>(
    `SELECT (SELECT list(DISTINCT v) FROM (SELECT tier AS v FROM routes WHERE run_id = $1 UNION SELECT label FROM queries WHERE run_id = $1) WHERE v IS NOT NULL) AS tier,
            (SELECT list(DISTINCT policy) FROM routes WHERE run_id = $1 AND policy IS NOT NULL) AS policy,
            (SELECT list(DISTINCT endpoint) FROM responses WHERE run_id = $1 AND endpoint IS NOT NULL) AS endpoint,
            (SELECT list(DISTINCT status) FROM responses WHERE run_id = $1 AND status IS NOT NULL) AS status,
            (SELECT list(DISTINCT status) FROM judgments WHERE run_id = $1 AND status IS NOT NULL) AS "judgeStatus",
            (SELECT list(DISTINCT source) FROM responses WHERE run_id = $1 AND source IS NOT NULL) AS source`,
    [runId],
  );
  const enumOf = (values: string[] | null | undefined): string => (values && values.length > 0 ? `ENUM(${values.map(sqlString).join(', ')})` : 'VARCHAR');
  return {
    tier: enumOf(found?.tier),
    policy: enumOf(found?.policy),
    endpoint: enumOf(found?.endpoint),
    status: enumOf(found?.status),
    judgeStatus: enumOf(found?.judgeStatus),
    source: enumOf(found?.source),
  };
}

/** What the user waited: the candidate's time, plus the fallback's when it failed over. Unknown stays unknown. */
function servedLatency(columns: FactColumns, index: number): number | undefined {
  const candidateMs = columns.candidate_latency_ms[index] ?? null;
  if (columns.fallback_used[index]) {
    const fallbackStatus = columns.fallback_status[index] ?? null;
    const fallbackMs = columns.fallback_latency_ms[index] ?? null;
    if (fallbackStatus === null || !OK.has(fallbackStatus) || fallbackMs === null || candidateMs === null) return undefined;
    return candidateMs + fallbackMs;
  }
  const candidateStatus = columns.candidate_status[index] ?? null;
  if (candidateStatus === null || !OK.has(candidateStatus) || candidateMs === null) return undefined;
  return candidateMs;
}

function servedAnswered(columns: FactColumns, index: number): boolean {
  const status = columns.fallback_used[index] ? (columns.fallback_status[index] ?? null) : (columns.candidate_status[index] ?? null);
  return status !== null && OK.has(status);
}

/** Metrics over the queries of `tiers` (all tiers when undefined). Deterministic for a seed. */
export function summarise(data: RunData, options: { tiers?: readonly Tier[]; seed?: number } = {}): RunMetrics {
  const seed = options.seed ?? 12345;
  const tiers = options.tiers ?? TIERS;
  const facts = data.facts;
  const wanted = TIERS.map((tier) => tiers.includes(tier));
  const inScope = rowsWhere(facts, (tier) => wanted[tier] === true);
  const interval = (values: Float64Array, offset: number): Interval => bootstrapMean(values, { seed: seed + offset });

  const statusCodes = (column: CodedColumn) => ({ scored: column.codeOf('scored'), unscored: column.codeOf('unscored'), errored: column.codeOf('error') });
  const servedCodes = statusCodes(facts.servedStatus);
  const baselineCodes = statusCodes(facts.baselineJudgeStatus);
  const failed = facts.candidateStatus.codeOf('failed');
  const okAfterRetry = facts.candidateStatus.codeOf('ok_after_retry');
  const endpointSource = facts.baselineSource.codeOf('endpoint');
  const baselineFailed = facts.baselineStatus.codeOf('failed');
  const judged = { scored: 0, unscored: 0, errored: 0, unjudged: 0 };
  const countStatus = (status: number, codes: ReturnType<typeof statusCodes>): void => {
    if (status === 0) judged.unjudged++;
    else if (status === codes.scored) judged.scored++;
    else if (status === codes.unscored) judged.unscored++;
    else if (status === codes.errored) judged.errored++;
  };
  const routedCounts = new Map<number, number>();
  const candidateCalls = { total: 0, failed: 0, okAfterRetry: 0 };
  const baselineCalls = { total: 0, failed: 0 };
  let fallbacks = 0;
  // Owned here, sorted in place by quantileInterval: a million latencies are not copied again.
  const latencies = new Float64Array(inScope.length);
  let latencyCount = 0;
  for (const row of inScope) {
    countStatus(facts.servedStatus.codes[row]!, servedCodes);
    countStatus(facts.baselineJudgeStatus.codes[row]!, baselineCodes);
    const endpoint = facts.candidateEndpoint.codes[row]!;
    if (endpoint !== 0) routedCounts.set(endpoint, (routedCounts.get(endpoint) ?? 0) + 1);
    const candidateStatus = facts.candidateStatus.codes[row]!;
    if (candidateStatus !== 0) candidateCalls.total++;
    if (candidateStatus === failed) candidateCalls.failed++;
    if (candidateStatus === okAfterRetry) candidateCalls.okAfterRetry++;
    if (facts.baselineSource.codes[row] === endpointSource) {
      baselineCalls.total++;
      if (facts.baselineStatus.codes[row] === baselineFailed) baselineCalls.failed++;
    }
    if (facts.fallbackUsed[row] === 1) fallbacks++;
    const latency = facts.servedLatencyMs[row]!;
    if (!Number.isNaN(latency)) latencies[latencyCount++] = latency;
  }
  const routedTo: Record<string, number> = {};
  for (const [endpoint, n] of routedCounts) routedTo[facts.candidateEndpoint.names[endpoint - 1]!] = n;
  return {
    queries: facts.length,
    rejects: data.rejects,
    scope: { tiers: [...tiers], queries: inScope.length },
    candidate: interval(scores(facts, inScope, 'served'), 1),
    baseline: interval(scores(facts, inScope, 'baseline'), 2),
    pairedDifference: interval(scores(facts, inScope, 'difference'), 3),
    byTier: tierQuality(data, seed, () =>
      TIERS.map((tier, index) => {
        const rows = rowsWhere(facts, (tier) => tier === index);
        return {
          tier,
          queries: rows.length,
          candidate: interval(scores(facts, rows, 'served'), 10 + index),
          baseline: interval(scores(facts, rows, 'baseline'), 20 + index),
          pairedDifference: interval(scores(facts, rows, 'difference'), 30 + index),
        };
      }),
    ),
    judged,
    candidateCalls,
    baselineCalls,
    fallbacks,
    routedTo,
    latency: data.latency,
    servedLatency: quantileInterval(latencies.subarray(0, latencyCount), 0.95, undefined, { sortInPlace: true }),
    router: routerMetricsOf(data),
    pairwise: 'absent' in data.pairwise ? data.pairwise : summarisePairwise(data.pairwise, tiers),
    humanAgreement: 'absent' in data.human ? data.human : summariseHumanAgreement(data.human),
    coverage: judgeCoverage(data.facts),
    onpremJudge: data.onpremJudge ?? { absent: 'on-prem judge agreement was not read' },
    ...optional('humanReplies', data.humanReplies),
  };
}

/** The rows (in order) whose tier index passes `keep`: sized exactly, no growing array of a million numbers. */
function rowsWhere(facts: FactTable, keep: (tier: number) => boolean): Uint32Array {
  let count = 0;
  for (let row = 0; row < facts.length; row++) if (facts.tier[row]! >= 0 && keep(facts.tier[row]!)) count++;
  const rows = new Uint32Array(count);
  let at = 0;
  for (let row = 0; row < facts.length; row++) if (facts.tier[row]! >= 0 && keep(facts.tier[row]!)) rows[at++] = row;
  return rows;
}

/** The served or baseline scores of `rows` where known, or their paired differences where both are, in row order. */
function scores(facts: FactTable, rows: Uint32Array, which: 'served' | 'baseline' | 'difference'): Float64Array {
  let count = 0;
  const value = (row: number): number => {
    const served = facts.servedScore[row]!;
    const baseline = facts.baselineScore[row]!;
    return which === 'served' ? served : which === 'baseline' ? baseline : served - baseline;
  };
  for (const row of rows) if (!Number.isNaN(value(row))) count++;
  const values = new Float64Array(count);
  let at = 0;
  for (const row of rows) {
    const known = value(row);
    if (!Number.isNaN(known)) values[at++] = known;
  }
  return values;
}

// Per-tier intervals do not depend on the step: bootstrap them once per run (and seed).
const tierQualityCache = new WeakMap<RunData, Map<number, TierQuality[]>>();

function tierQuality(data: RunData, seed: number, compute: () => TierQuality[]): TierQuality[] {
  const bySeed = tierQualityCache.get(data) ?? new Map<number, TierQuality[]>();
  tierQualityCache.set(data, bySeed);
  const cached = bySeed.get(seed) ?? compute();
  bySeed.set(seed, cached);
  return cached;
}

const routerMetricsCache = new WeakMap<RunData, RouterMetrics>();

function routerMetricsOf(data: RunData): RouterMetrics {
  const metrics = routerMetricsCache.get(data) ?? routerMetrics(data);
  routerMetricsCache.set(data, metrics);
  return metrics;
}

/**
 * Routing is judged over the whole run: a router sees every query, whatever the step serves (so
 * every step shares one computation).
 */
function routerMetrics(data: RunData): RouterMetrics {
  const facts = data.facts;
  const confusion = new Map<string, { label: Tier; tier: Tier; n: number }>();
  let labelled = 0;
  let correct = 0;
  let underrouted = 0;
  let overrouted = 0;
  const micros = new Float64Array(facts.length);
  let timed = 0;
  for (let row = 0; row < facts.length; row++) {
    const routerMicros = facts.routerLatencyUs[row]!;
    if (!Number.isNaN(routerMicros)) micros[timed++] = routerMicros;
    // Tier indices follow TIERS' order, cheapest first: a lower index than the label is underrouted.
    const label = facts.label[row]!;
    const tier = facts.tier[row]!;
    if (label < 0 || tier < 0) continue;
    labelled++;
    if (tier === label) correct++;
    else if (tier < label) underrouted++;
    else overrouted++;
    const key = `${label}>${tier}`;
    const cell = confusion.get(key) ?? { label: TIERS[label]!, tier: TIERS[tier]!, n: 0 };
    cell.n++;
    confusion.set(key, cell);
  }
  return {
    policy: data.policy ?? 'unknown',
    labelled,
    correct,
    underrouted,
    overrouted,
    accuracy: wilsonInterval(correct, labelled),
    underrouteRate: wilsonInterval(underrouted, labelled),
    confusion: [...confusion.values()],
    decisionMicros: quantileInterval(micros.subarray(0, timed), 0.95, undefined, { sortInPlace: true }),
    ...(data.routerLatencyNotComparable === undefined ? {} : { latencyNotComparable: data.routerLatencyNotComparable }),
  };
}

/** Old entry point: every tier, read and summarised in one go. */
export async function computeMetrics(store: GateStore, runId: string, seed = 12345): Promise<RunMetrics> {
  return summarise(await loadRunData(store, runId), { seed });
}
