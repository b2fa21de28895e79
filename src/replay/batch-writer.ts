import type { Reject } from '../core/query.ts';
import type { QueryRows, RowBatch } from './types.ts';

export interface BatchSink {
  writeBatch(runId: string, batch: RowBatch): Promise<void>;
}

/**
 * Batches waiting for the database (one writing, one queued) before addQuery makes its caller wait.
 * Queries that are done must not hold their in-flight slot through a COMMIT; a slow disk still
 * slows the replay down instead of piling batches up in memory.
 */
const MAX_QUEUED_BATCHES = 2;

/**
 * Buffers rows and writes them in transactions of `batchSize` queries, one write at a time.
 * A query's rows always travel together, so a crash loses whole queries, never half of one:
 * that is what makes --resume exactly-once.
 */
export class BatchWriter {
  private readonly sink: BatchSink;
  private readonly runId: string;
  private readonly batchSize: number;
  private buffer: RowBatch = emptyBatch();
  private pending = 0;
  private queued = 0;
  /** Never rejects: a failed write is kept in `failure` and every later call reports it. */
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** Called after each commit with the number of batches committed so far (snapshots for readers). */
  private readonly afterCommit: ((batches: number) => Promise<void>) | undefined;
  private batches = 0;
  written = 0;

  constructor(sink: BatchSink, runId: string, batchSize: number, afterCommit?: (batches: number) => Promise<void>) {
    this.sink = sink;
    this.runId = runId;
    this.batchSize = batchSize;
    this.afterCommit = afterCommit;
  }

  /** Resolves at once, unless too many batches wait for the database; rejects once a write failed. */
  addQuery(rows: QueryRows): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    this.buffer.queries.push(rows.query);
    this.buffer.routes.push(rows.route);
    for (const response of rows.responses) this.buffer.responses.push(response);
    for (const judgment of rows.judgments) this.buffer.judgments.push(judgment);
    this.buffer.privacy.push(rows.privacy);
    for (const validation of rows.validations ?? []) this.buffer.validations!.push(validation);
    for (const comparison of rows.pairwise ?? []) this.buffer.pairwise!.push(comparison);
    this.pending++;
    if (this.pending >= this.batchSize) this.schedule();
    return this.queued >= MAX_QUEUED_BATCHES ? this.settled() : Promise.resolve();
  }

  addReject(reject: Reject): void {
    this.buffer.rejects.push(reject);
  }

  /** Queues the buffered rows for writing; resolves when everything queued so far is committed. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    this.schedule();
    return this.settled();
  }

  private schedule(): void {
    if (this.pending === 0 && this.buffer.rejects.length === 0) return;
    const batch = this.buffer;
    const count = this.pending;
    this.buffer = emptyBatch();
    this.pending = 0;
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure === undefined) {
          await this.sink.writeBatch(this.runId, batch);
          this.written += count;
          this.batches++;
          await this.afterCommit?.(this.batches);
        }
      } catch (error) {
        this.failure = { error };
      } finally {
        this.queued--;
      }
    });
  }

  private settled(): Promise<void> {
    return this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure.error;
    });
  }
}

function emptyBatch(): RowBatch {
  return { queries: [], routes: [], responses: [], judgments: [], privacy: [], rejects: [], validations: [], pairwise: [] };
}
