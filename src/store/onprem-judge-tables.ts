import type { DuckDBConnection } from '@duckdb/node-api';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import { SerialQueue } from './serial-queue.ts';
import { toDuckDBParams } from './sql-values.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';

/** A `judge_crosschecks` row: the on-prem judge's verdict on an answer the main judge scored. */
export interface CrosscheckRow {
  runId: string;
  queryId: string;
  role: string;
  judgeName: string;
  judgeEndpoint: string;
  judgeModel: string;
  status: 'scored' | 'unscored' | 'error';
  score: number | undefined;
  reason: string | undefined;
  referenceJudgeName: string;
  referenceScore: number;
  createdAt: Date;
}

/** An `onprem_judge_agreement` row. Figures undefined: not measurable (too few pairs, no variation). */
export interface OnpremAgreementRow {
  runId: string;
  judgeName: string;
  judgeEndpoint: string;
  judgeModel: string;
  referenceJudgeName: string;
  referenceModel: string | undefined;
  sampleRate: number;
  nSampled: number;
  n: number;
  weightedKappa: number | undefined;
  meanBias: number | undefined;
  exact: number | undefined;
  withinOne: number | undefined;
  computedAt: Date;
}

export interface OnpremJudgeTables {
  /** Rows are written as verdicts come in (a stage cut short keeps what it paid for). */
  writeCrosschecks(rows: readonly CrosscheckRow[]): Promise<void>;
  replaceAgreement(row: OnpremAgreementRow): Promise<void>;
  close(): Promise<void>;
}

const ROWS_PER_INSERT = 200;

/**
 * A write connection of its own on the store's DuckDB instance (the Store interface has no generic
 * write, and these two tables are written only by the on-prem judge stage), serialised, each write
 * in its own transaction. Reads go through the store.
 */
export async function openOnpremJudgeTables(store: Store): Promise<OnpremJudgeTables> {
  const lease = await leaseInstance(store.path, false);
  let connection: DuckDBConnection;
  try {
    connection = await lease.instance.connect();
  } catch (error) {
    lease.release();
    throw error;
  }
  return new DuckDBOnpremJudgeTables(lease, connection);
}

class DuckDBOnpremJudgeTables implements OnpremJudgeTables {
  private readonly queue = new SerialQueue();
  private closed = false;
  private readonly lease: InstanceLease;
  private readonly connection: DuckDBConnection;

  constructor(lease: InstanceLease, connection: DuckDBConnection) {
    this.lease = lease;
    this.connection = connection;
  }

  writeCrosschecks(rows: readonly CrosscheckRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.write((connection) =>
      insertRows(
        connection,
        'judge_crosschecks (run_id, query_id, role, judge_name, judge_endpoint, judge_model, status, score, reason, reference_judge_name, reference_score, created_at)',
        rows.map((row) => [row.runId, row.queryId, row.role, row.judgeName, row.judgeEndpoint, row.judgeModel, row.status, row.score, row.reason, row.referenceJudgeName, row.referenceScore, row.createdAt]),
        `ON CONFLICT (run_id, query_id, role, judge_name) DO UPDATE SET status = excluded.status, score = excluded.score, reason = excluded.reason,
           judge_model = excluded.judge_model, reference_score = excluded.reference_score, created_at = excluded.created_at`,
      ),
    );
  }

  replaceAgreement(row: OnpremAgreementRow): Promise<void> {
    return this.write(async (connection) => {
      await connection.run('DELETE FROM onprem_judge_agreement WHERE run_id = $1 AND judge_name = $2', [row.runId, row.judgeName]);
      await insertRows(
        connection,
        'onprem_judge_agreement (run_id, judge_name, judge_endpoint, judge_model, reference_judge_name, reference_model, sample_rate, n_sampled, n, weighted_kappa, mean_bias, exact, within_one, computed_at)',
        [[row.runId, row.judgeName, row.judgeEndpoint, row.judgeModel, row.referenceJudgeName, row.referenceModel, row.sampleRate, row.nSampled, row.n, row.weightedKappa, row.meanBias, row.exact, row.withinOne, row.computedAt]],
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(async () => undefined);
    this.connection.closeSync();
    this.lease.release();
  }

  private write<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('on-prem judge tables are closed'));
    return this.queue.run(() => inTransaction(this.connection, () => task(this.connection)));
  }
}

async function insertRows(connection: DuckDBConnection, target: string, rows: readonly unknown[][], suffix = ''): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_INSERT).map((row) => `(${row.map((value) => (params.push(value), `$${params.length}`)).join(', ')})`);
    await connection.run(`INSERT INTO ${target} VALUES ${tuples.join(', ')} ${suffix}`, toDuckDBParams(params));
  }
}
