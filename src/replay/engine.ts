import type { IngestItem, Query } from '../core/query.ts';
import { UsageError } from '../core/errors.ts';
import type { RouteBatchPolicy, RouteDecision } from '../router/policy.ts';
import { BatchWriter, type BatchSink } from './batch-writer.ts';
import { processQuery, type QueryContext } from './process-query.ts';
import type { Progress } from './progress.ts';
import { shardOf, type Shard } from './shard.ts';
import type { QueryRows, ReplaySummary } from './types.ts';

export interface ReplayStore extends BatchSink {
  completedQueryIds(runId: string): Promise<Set<string>>;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface ReplayInput {
  items: AsyncIterable<IngestItem>;
  limit: number | undefined;
  maxInFlight: number;
  batchSize: number;
  /** Only queries whose id hashes to this shard are processed (the rest belong to other machines). */
  shard?: Shard;
  /** Called after each committed batch with the number committed so far (e.g. to write a snapshot). */
  afterCommit?: (batches: number) => Promise<void>;
  /** Called once per query before it is processed (the sim uses it to learn reference facts). */
  observe?: (query: Query) => void;
  /**
   * Route queries in groups of `size` before they start, instead of one by one inside each query.
   * A batching router costs about the same per model run whatever the run's size, and queries start
   * one at a time as slots free up, so routed singly they would each pay for a whole run.
   */
  routeAhead?: { size: number; route: RouteBatchPolicy };
}

/**
 * Streams queries through route -> candidate + baseline -> judge (single and pairwise) -> store, keeping at most
 * maxInFlight queries in the air. Resume skips queries the store already holds; rows of a query
 * are written together, so every query ends up stored exactly once.
 */
export async function replay(
  input: ReplayInput,
  context: QueryContext,
  store: ReplayStore,
  progress: Progress,
): Promise<ReplaySummary> {
  const started = Date.now();
  const { runId, signal } = context;
  const done = await store.completedQueryIds(runId);
  const storedRejects = new Set(
    (await store.all<{ file: string; line: number }>('SELECT file, line FROM rejects WHERE run_id = ?', [runId])).map(
      (row) => `${row.file}:${row.line}`,
    ),
  );
  const writer = new BatchWriter(store, runId, input.batchSize, input.afterCommit);
  // A counter and one waiter, not Promise.race over the set in flight: race attaches a handler to
  // every pending query each time a slot is needed.
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  let allDone: (() => void) | undefined;
  let seen = 0;
  let skipped = 0;
  let rejects = 0;
  let failedCalls = 0;
  let fallbacks = 0;
  let firstError: unknown;

  const accept = (rows: QueryRows): Promise<void> => {
    // A query cut short by shutdown is not stored: --resume runs it again in full.
    const cut = rows.responses.some((response) => response.status === 'interrupted') ||
      rows.judgments.some((judgment) => signal.aborted && judgment.verdict.status === 'error') ||
      (rows.validations ?? []).some((validation) => signal.aborted && validation.verdict.status === 'error') ||
      (rows.pairwise ?? []).some((comparison) => signal.aborted && comparison.status === 'error');
    if (cut) return Promise.resolve();
    failedCalls += rows.responses.filter((response) => response.status === 'failed').length;
    if (rows.responses.some((response) => response.role === 'fallback')) fallbacks++;
    progress.tick(rows);
    return writer.addQuery(rows);
  };

  const start = (query: Query, decision: RouteDecision | undefined): void => {
    input.observe?.(query);
    inFlight++;
    processQuery(query, context, decision)
      .then(accept)
      .catch((error: unknown) => {
        firstError ??= error;
      })
      .finally(() => {
        inFlight--;
        slotFreed?.();
        slotFreed = undefined;
        if (inFlight === 0) allDone?.();
      });
  };
  const slotFree = async (): Promise<void> => {
    if (inFlight >= input.maxInFlight) await new Promise<void>((resolve) => (slotFreed = resolve));
  };
  const stopping = (): boolean => signal.aborted || firstError !== undefined;
  // Queries waiting to be routed as a group; once routed they start in order as slots free up.
  const ahead: Query[] = [];
  const startAhead = async (route: RouteBatchPolicy): Promise<void> => {
    const group = ahead.splice(0);
    if (group.length === 0 || stopping()) return;
    let decisions: RouteDecision[];
    try {
      decisions = await route(group);
    } catch (error) {
      firstError ??= error;
      return;
    }
    for (const [index, query] of group.entries()) {
      if (stopping()) return;
      start(query, decisions[index]);
      await slotFree();
    }
  };

  for await (const item of input.items) {
    if (stopping()) break;
    if (item.kind === 'reject') {
      rejects++;
      const key = `${item.reject.file}:${item.reject.line}`;
      if (!storedRejects.has(key)) writer.addReject(item.reject);
      progress.reject(item.reject);
      continue;
    }
    if (input.limit !== undefined && seen >= input.limit) break;
    seen++;
    if (input.shard !== undefined && shardOf(item.query.queryId, input.shard.count) !== input.shard.index) continue;
    if (done.has(item.query.queryId)) {
      skipped++;
      progress.skip();
      continue;
    }
    if (input.routeAhead === undefined) {
      start(item.query, undefined);
      await slotFree();
    } else {
      ahead.push(item.query);
      if (ahead.length >= input.routeAhead.size) await startAhead(input.routeAhead.route);
    }
  }
  // A query routed but never started (stopped early) is not stored: --resume runs it.
  if (input.routeAhead !== undefined) await startAhead(input.routeAhead.route);
  if (inFlight > 0) await new Promise<void>((resolve) => (allDone = resolve));
  await writer.flush();
  if (firstError !== undefined) throw firstError;
  const storedQueries = done.size + writer.written;
  if (storedQueries === 0 && !signal.aborted) {
    throw new UsageError(
      rejects > 0 ? `dataset has no valid query: all ${rejects} records were rejected (see the rejects table)` : 'dataset is empty: no query to replay',
    );
  }
  return {
    runId,
    status: signal.aborted ? 'interrupted' : 'complete',
    processed: writer.written,
    skipped,
    rejects,
    storedQueries,
    failedCalls,
    fallbacks,
    elapsedMs: Date.now() - started,
  };
}
