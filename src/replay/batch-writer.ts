import type { Reject } from '../core/query.ts';
import type { QueryRows, RowBatch } from './types.ts';

export interface BatchSink {
  writeBatch(runId: string, batch: RowBatch): Promise<void>;
}

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
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  written = 0;

  constructor(sink: BatchSink, runId: string, batchSize: number) {
    this.sink = sink;
    this.runId = runId;
    this.batchSize = batchSize;
  }

  addQuery(rows: QueryRows): Promise<void> {
    this.buffer.queries.push(rows.query);
    this.buffer.routes.push(rows.route);
    this.buffer.responses.push(...rows.responses);
    this.buffer.judgments.push(...rows.judgments);
    this.buffer.privacy.push(rows.privacy);
    this.pending++;
    return this.pending >= this.batchSize ? this.flush() : this.chain;
  }

  addReject(reject: Reject): void {
    this.buffer.rejects.push(reject);
  }

  /** Queues the buffered rows for writing; resolves when they are committed. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending === 0 && this.buffer.rejects.length === 0) return this.chain;
    const batch = this.buffer;
    const count = this.pending;
    this.buffer = emptyBatch();
    this.pending = 0;
    this.chain = this.chain.then(async () => {
      try {
        await this.sink.writeBatch(this.runId, batch);
        this.written += count;
      } catch (error) {
        this.failure = error;
        throw error;
      }
    });
    return this.chain;
  }
}

function emptyBatch(): RowBatch {
  return { queries: [], routes: [], responses: [], judgments: [], privacy: [], rejects: [] };
}
