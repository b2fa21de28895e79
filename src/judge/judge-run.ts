import type { JudgeSpec, JudgmentRecord, Verdict } from '../core/judgment.ts';
import { UsageError } from '../core/errors.ts';
import { ROLES, type Role } from '../core/response.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { preflight } from '../replay/preflight.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { referenceKeyFor } from '../sim/conversation.ts';
import { openJudgeTables, type JudgeTables, type PairwiseJudgmentRecord } from '../store/judge-tables.ts';
import { openStore } from '../store/store.ts';
import type { Store } from '../store/types.ts';
import type { BatchRequest } from './batch-judge.ts';
import { judgeCacheKey } from './judge-cache.ts';
import { judgeClient, resolveJudgeSetup, type JudgeSetup } from './judge-setup.ts';
import { judgeWorkPrivacy } from './judge-privacy.ts';
import { customId, pairwiseWork, singleWork, type PairwiseWork, type SingleWork } from './judge-work.ts';
import { answerLength, lengthBias, type LengthBias } from './length-bias.ts';
import { judgeMessages, judgeSpec, scoreVerdict, singleCallOptions } from './llm-judge.ts';
import {
  combineOrders,
  orderFromVerdict,
  pairwiseCacheKey,
  pairwiseCallOptions,
  pairwiseMessages,
  PAIRWISE_ORDERS,
  type OrderResult,
  pairwiseStats,
  type PairwiseOrder,
  type PairwiseOutcome,
  type PairwiseStats,
} from './pairwise-judge.ts';
import { parsePreferenceReply, type PreferenceVerdict } from './pairwise-verdict.ts';
import { pairwiseRecord } from './replay-pairwise.ts';
import { PROMPT_TEMPLATES } from './rubric.ts';
import { storedJudgeCache, type StoredJudgeCache } from './stored-cache.ts';
import { callWithRepair, type StructuredResult } from './structured-call.ts';
import { parseScoreReply, type ScoreVerdict } from './verdict.ts';

export interface JudgeRunOptions {
  /** A run id, or 'latest' for the newest run. */
  runId: string;
  db: string;
  /** Config file whose judge and endpoints replace the run's stored ones. */
  config?: string;
  /** Endpoint that judges (default: the config's judge.endpoint). */
  judge?: string;
  rubric?: string;
  pairwise?: boolean;
  batch?: boolean;
  /** Start the sim in-process and judge with it. */
  sim?: boolean;
  /** Sim latency multiplier (default 0: re-judging has no latency worth simulating). */
  simTimeScale?: number;
  /** Ignore the judge cache (verdicts are still written to it). */
  noCache?: boolean;
  pollIntervalMs?: number;
  pollMaxMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Progress lines (the CLI sends them to stderr). */
  log?: (line: string) => void;
  now?: () => Date;
}

export interface JudgeRunSummary {
  runId: string;
  database: string;
  kind: 'single' | 'pairwise';
  mode: 'live' | 'batch';
  judge: JudgeSpec;
  /** Answers (single) or comparisons (pairwise) to judge. */
  items: number;
  scored: number;
  unscored: number;
  errors: number;
  /** Not stored: cut short by Ctrl-C. */
  interrupted: number;
  /** Judge requests answered by the cache. */
  cacheHits: number;
  /** Judge requests sent: live calls and repairs, or batch lines and their repairs. */
  requests: number;
  /** Single: score against answer length in words. Pairwise: candidate points (1 / 0.5 / 0) against the candidate's length minus the baseline's. */
  lengthBias: LengthBias;
  lengthBiasByRole?: Partial<Record<Role, LengthBias>>;
  pairwise?: PairwiseStats;
  batch?: { batchId: string | undefined; resumed: boolean; status: string | undefined; pending: boolean };
}

const noop = (): void => undefined;

/**
 * `hybrid-eval judge`: re-judges a stored run's responses (no traffic is replayed) with the run's
 * judge, or another one, live or through the Batch API, through the judge cache; writes judgments
 * (single, replacing rows of the same judge) or pairwise comparisons, and summarises them.
 */
export async function judgeStoredRun(options: JudgeRunOptions): Promise<JudgeRunSummary> {
  const store = await openStore(options.db, { mustExist: true });
  let tables: JudgeTables | undefined;
  let sim: SimServer | undefined;
  let client: EndpointClient | undefined;
  try {
    const run = options.runId === 'latest' ? await store.latestRun() : await store.getRun(options.runId);
    if (run === undefined) throw new UsageError(options.runId === 'latest' ? `no run in ${options.db}` : `run not found: ${options.runId} (in ${options.db})`);
    const kind = options.pairwise ? 'pairwise' : 'single';
    const setup = resolveJudgeSetup(run, { config: options.config, judge: options.judge, rubric: options.rubric, kind, env: options.env }, options.sim ?? false);
    const [queries, responses] = await Promise.all([store.readQueries(run.run_id), store.readResponses(run.run_id)]);
    if (options.sim) {
      sim = await startSim({ port: 0, timeScale: options.simTimeScale ?? 0 });
      for (const query of queries) if (query.reference !== undefined) sim.addReference(referenceKeyFor(query), query.reference, query.label);
    }
    client = judgeClient(setup, sim);
    // A judge that is down would otherwise replace every stored verdict with an error.
    await preflight([client.settings]);
    tables = await openJudgeTables(store, options.now ? { now: options.now } : {});
    const context: RunContext = {
      runId: run.run_id,
      store,
      tables,
      setup,
      client,
      spec: judgeSpec(setup.rubric, client.settings.model, setup.judgeName),
      cache: storedJudgeCache(tables),
      options,
      log: options.log ?? noop,
      now: options.now ?? (() => new Date()),
    };
    const privacy = judgeWorkPrivacy(setup.config, setup.endpoint, queries);
    const summary =
      kind === 'single'
        ? await judgeSingles(context, privacy.single(singleWork(queries, responses)))
        : await judgePairs(context, privacy.pairwise(pairwiseWork(queries, responses)));
    return { ...summary, database: store.path };
  } finally {
    client?.close?.();
    await tables?.close();
    await store.close();
    await sim?.close();
  }
}

interface RunContext {
  runId: string;
  store: Store;
  tables: JudgeTables;
  setup: JudgeSetup;
  client: EndpointClient;
  spec: JudgeSpec;
  cache: StoredJudgeCache;
  options: JudgeRunOptions;
  log: (line: string) => void;
  now: () => Date;
}

/** A judge request with everything needed to send it live or in a batch, and to cache its verdict. */
interface PlannedRequest extends BatchRequest {
  cacheKey: string;
}

interface Resolved {
  results: Map<string, StructuredResult<unknown> & { cached: boolean }>;
  cacheHits: number;
  requests: number;
  batch?: JudgeRunSummary['batch'];
}

/** Answers requests from the cache, then live (concurrently, through the client's limiter) or in one batch; caches what came back. */
async function resolveRequests(context: RunContext, planned: readonly PlannedRequest[], mode: 'live' | 'batch'): Promise<Resolved> {
  const { cache, options } = context;
  const results: Resolved['results'] = new Map();
  let cacheHits = 0;
  const misses: PlannedRequest[] = [];
  if (!options.noCache) await cache.prefetch(planned.map((request) => request.cacheKey));
  for (const request of planned) {
    const hit = options.noCache ? undefined : await cache.get(request.cacheKey);
    if (hit === undefined) {
      misses.push(request);
      continue;
    }
    cacheHits++;
    results.set(request.customId, { outcome: hit.outcome, latencyMs: hit.latencyMs, calls: 0, cached: true });
  }
  let requests = 0;
  let batch: Resolved['batch'];
  if (mode === 'live') {
    const answers = await Promise.all(
      misses.map((request) =>
        callWithRepair(context.client, request.messages, { ...request.options, ...(options.signal ? { signal: options.signal } : {}) }, request.parse, request.repairInstruction),
      ),
    );
    misses.forEach((request, index) => results.set(request.customId, { ...answers[index]!, cached: false }));
    requests = answers.reduce((sum, answer) => sum + answer.calls, 0);
  } else {
    // The openai SDK is only for the Batch API: loaded here, not at start-up, where it cost every
    // replay and live judge run up to 80 ms and 30 MB.
    const { batchSdk, runJudgeBatch } = await import('./batch-judge.ts');
    const outcome = await runJudgeBatch({
      identity: { runId: context.runId, kind: context.setup.rubric.kind, judgeName: context.spec.name, promptHash: context.spec.promptHash, judgeModel: context.spec.model },
      requests: misses,
      sdk: batchSdk(context.client),
      model: context.client.settings.model,
      repairClient: context.client,
      tables: context.tables,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
      pollMaxMs: options.pollMaxMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      log: context.log,
    });
    for (const [id, result] of outcome.results) results.set(id, { ...result, cached: false });
    requests = [...outcome.results.values()].reduce((sum, result) => sum + result.calls, 0);
    batch = { batchId: outcome.batchId, resumed: outcome.resumed, status: outcome.status, pending: outcome.pending };
  }
  for (const request of misses) {
    const result = results.get(request.customId);
    if (result === undefined || result.outcome.status === 'error') continue;
    cache.put(request.cacheKey, { kind: context.setup.rubric.kind, judgeModel: context.spec.model, promptHash: context.spec.promptHash, outcome: result.outcome, latencyMs: result.latencyMs });
  }
  return { results, cacheHits, requests, ...(batch ? { batch } : {}) };
}

/** Live judging goes in chunks, each stored (judgments and cache) before the next: an interrupted re-judge keeps its progress. */
function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function chunkSize(context: RunContext): number {
  return context.options.batch ? Number.POSITIVE_INFINITY : Math.max(50, context.client.settings.maxConcurrency * 4);
}

async function judgeSingles(context: RunContext, work: SingleWork[]): Promise<Omit<JudgeRunSummary, 'database'>> {
  const { rubric } = context.setup;
  const mode = context.options.batch ? 'batch' : 'live';
  const totals = { scored: 0, unscored: 0, errors: 0, interrupted: 0, cacheHits: 0, requests: 0 };
  const scoredLengths: { role: Role; score: number; length: number }[] = [];
  let batch: JudgeRunSummary['batch'];
  let done = 0;
  for (const chunk of chunksOf(work, chunkSize(context))) {
    const planned = chunk.map((item): PlannedRequest => ({
      customId: customId(context.runId, item.queryId, item.role, 'single'),
      cacheKey: judgeCacheKey(context.spec, { kind: 'single', ...item.input }),
      messages: judgeMessages(rubric, item.input),
      options: singleCallOptions(rubric),
      parse: parseScoreReply,
      repairInstruction: PROMPT_TEMPLATES.single.repair,
    }));
    const resolved = await resolveRequests(context, planned, mode);
    totals.cacheHits += resolved.cacheHits;
    totals.requests += resolved.requests;
    batch = resolved.batch ?? batch;
    if (resolved.batch?.pending) break;
    const records: JudgmentRecord[] = [];
    chunk.forEach((item, index) => {
      const result = resolved.results.get(planned[index]!.customId)!;
      const { outcome } = result;
      if (outcome.status === 'error' && context.options.signal?.aborted) {
        totals.interrupted++;
        return;
      }
      const verdict: Verdict = outcome.status === 'scored' ? scoreVerdict(outcome.value as ScoreVerdict) : outcome;
      if (verdict.status === 'scored') {
        totals.scored++;
        scoredLengths.push({ role: item.role, score: verdict.score, length: answerLength(item.input.answer) });
      } else if (verdict.status === 'unscored') totals.unscored++;
      else totals.errors++;
      records.push({ runId: context.runId, queryId: item.queryId, role: item.role, kind: 'single', judge: context.spec, verdict, latencyMs: result.latencyMs, createdAt: context.now() });
    });
    await context.store.writeJudgments(records);
    await context.cache.flush();
    if (resolved.batch?.batchId !== undefined) await context.tables.updateBatch(resolved.batch.batchId, { status: resolved.batch.status ?? 'completed', joined: true });
    done += chunk.length;
    if (mode === 'live' && work.length > chunk.length) context.log(`judged ${done}/${work.length}`);
    if (context.options.signal?.aborted) break;
  }
  const byRole: Partial<Record<Role, LengthBias>> = {};
  for (const role of ROLES) {
    const items = scoredLengths.filter((item) => item.role === role);
    if (items.length > 0) byRole[role] = lengthBias(items);
  }
  return {
    runId: context.runId,
    kind: 'single',
    mode,
    judge: context.spec,
    items: work.length,
    ...totals,
    lengthBias: lengthBias(scoredLengths),
    lengthBiasByRole: byRole,
    ...(batch ? { batch } : {}),
  };
}

function orderResult(result: StructuredResult<unknown> & { cached: boolean }, order: PairwiseOrder): OrderResult {
  const common = { latencyMs: result.latencyMs, cached: result.cached, calls: result.calls };
  const { outcome } = result;
  return outcome.status === 'scored' ? { ...orderFromVerdict(outcome.value as PreferenceVerdict, order), ...common } : { ...outcome, ...common };
}

const POINTS = { candidate: 1, tie: 0.5, baseline: 0 } as const;

async function judgePairs(context: RunContext, work: PairwiseWork[]): Promise<Omit<JudgeRunSummary, 'database'>> {
  const { rubric } = context.setup;
  const mode = context.options.batch ? 'batch' : 'live';
  const totals = { scored: 0, unscored: 0, errors: 0, interrupted: 0, cacheHits: 0, requests: 0 };
  const outcomes: PairwiseOutcome[] = [];
  const lengths: { score: number; length: number }[] = [];
  let batch: JudgeRunSummary['batch'];
  let done = 0;
  // Two requests per comparison: keep the live chunk's request count as for single answers.
  for (const chunk of chunksOf(work, Math.ceil(chunkSize(context) / 2))) {
    const planned = chunk.flatMap((item) =>
      PAIRWISE_ORDERS.map((order): PlannedRequest => ({
        customId: customId(context.runId, item.queryId, item.candidateRole, order),
        cacheKey: pairwiseCacheKey(context.spec, item.input, order),
        messages: pairwiseMessages(rubric, item.input, order),
        options: pairwiseCallOptions(rubric),
        parse: parsePreferenceReply,
        repairInstruction: PROMPT_TEMPLATES.pairwise.repair,
      })),
    );
    const resolved = await resolveRequests(context, planned, mode);
    totals.cacheHits += resolved.cacheHits;
    totals.requests += resolved.requests;
    batch = resolved.batch ?? batch;
    if (resolved.batch?.pending) break;
    const records: PairwiseJudgmentRecord[] = [];
    chunk.forEach((item, index) => {
      const ab = orderResult(resolved.results.get(planned[2 * index]!.customId)!, 'ab');
      const ba = orderResult(resolved.results.get(planned[2 * index + 1]!.customId)!, 'ba');
      const outcome = combineOrders(ab, ba);
      if (outcome.status === 'error' && context.options.signal?.aborted) {
        totals.interrupted++;
        return;
      }
      outcomes.push(outcome);
      if (outcome.status === 'scored') {
        totals.scored++;
        lengths.push({ score: POINTS[outcome.winner!], length: answerLength(item.input.candidate) - answerLength(item.input.baseline) });
      } else if (outcome.status === 'unscored') totals.unscored++;
      else totals.errors++;
      records.push(pairwiseRecord(context.runId, item, context.spec, outcome, context.now()));
    });
    await context.tables.writePairwise(records);
    await context.cache.flush();
    if (resolved.batch?.batchId !== undefined) await context.tables.updateBatch(resolved.batch.batchId, { status: resolved.batch.status ?? 'completed', joined: true });
    done += chunk.length;
    if (mode === 'live' && work.length > chunk.length) context.log(`compared ${done}/${work.length}`);
    if (context.options.signal?.aborted) break;
  }
  return {
    runId: context.runId,
    kind: 'pairwise',
    mode,
    judge: context.spec,
    items: work.length,
    ...totals,
    lengthBias: lengthBias(lengths),
    pairwise: pairwiseStats(outcomes),
    ...(batch ? { batch } : {}),
  };
}
