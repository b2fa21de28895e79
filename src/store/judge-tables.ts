import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import type { JudgeSpec } from '../core/judgment.ts';
import { readRows } from './convert-rows.ts';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import { SerialQueue } from './serial-queue.ts';
import { parseJson, timestampTZ } from './sql-values.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';

/** A cached judge verdict (migration 3, table judge_cache). */
export interface StoredVerdict {
  kind: 'single' | 'pairwise';
  judgeModel: string;
  promptHash: string;
  outcome: { status: 'scored'; value: unknown } | { status: 'unscored'; reason: string };
  latencyMs: number | undefined;
}

export type PairwiseWinner = 'candidate' | 'baseline' | 'tie';

/** One pairwise comparison of a query's served answer with its baseline (table pairwise_judgments). */
export interface PairwiseJudgmentRecord {
  runId: string;
  queryId: string;
  judge: JudgeSpec;
  /** The answer compared with the baseline: the candidate's, or the fallback's when the fallback served. */
  candidateRole: 'candidate' | 'fallback';
  status: 'scored' | 'unscored' | 'error';
  /** undefined unless scored; 'tie' when the two orders disagreed. */
  winner: PairwiseWinner | undefined;
  winnerCandidateFirst: PairwiseWinner | undefined;
  winnerCandidateSecond: PairwiseWinner | undefined;
  /** Both orders scored and agreed; undefined unless both were scored. */
  consistent: boolean | undefined;
  reason: string | undefined;
  latencyMs: number | undefined;
  createdAt: Date;
}

/** A Batch API job (table judge_batches). Timestamps are ISO strings when read back. */
export interface JudgeBatchRow {
  batchId: string;
  runId: string;
  kind: 'single' | 'pairwise';
  judgeName: string;
  promptHash: string;
  judgeModel: string;
  inputFileId: string;
  requestCount: number;
  /** The Batch API's status as last seen (validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled). */
  status: string;
  outputFileId: string | undefined;
  errorFileId: string | undefined;
  submittedAt: string;
  updatedAt: string;
  /** Set once the results are stored; undefined: a rerun resumes this batch. */
  joinedAt: string | undefined;
}

export interface JudgeBatchIdentity {
  runId: string;
  kind: 'single' | 'pairwise';
  judgeName: string;
  promptHash: string;
  judgeModel: string;
}

export interface JudgeTables {
  /** The cached verdicts among `keys`. */
  getCached(keys: readonly string[]): Promise<Map<string, StoredVerdict>>;
  /** Inserts or replaces, all in one transaction. */
  putCached(entries: ReadonlyMap<string, StoredVerdict>): Promise<void>;
  cacheSize(): Promise<number>;

  /** Replaces rows with the same (run, query, judge) key, in one transaction. */
  writePairwise(records: readonly PairwiseJudgmentRecord[]): Promise<void>;
  readPairwise(runId: string, judgeName?: string): Promise<PairwiseJudgmentRecord[]>;

  recordBatch(row: Omit<JudgeBatchRow, 'submittedAt' | 'updatedAt' | 'joinedAt' | 'outputFileId' | 'errorFileId'>): Promise<void>;
  updateBatch(batchId: string, change: { status: string; outputFileId?: string | undefined; errorFileId?: string | undefined; joined?: boolean }): Promise<void>;
  /** The newest batch of this judge and run whose results were never stored. */
  unfinishedBatch(identity: JudgeBatchIdentity): Promise<JudgeBatchRow | undefined>;
  readBatches(runId: string): Promise<JudgeBatchRow[]>;

  close(): Promise<void>;
}

/**
 * The judge's tables on the store's database. They use a connection of their own on the store's
 * DuckDB instance (shared per process, see open-instance.ts), so their transactions never mix with
 * the store's writer's.
 */
export async function openJudgeTables(store: Store, options: { now?: () => Date } = {}): Promise<JudgeTables> {
  if (store.path === ':memory:') throw new UsageError('the judge tables need a database file, not :memory:');
  if (store.schemaVersion < 3) throw new UsageError(`${store.path}: schema version ${store.schemaVersion} has no judge tables (needs 3)`);
  const now = options.now ?? (() => new Date());
  const lease = await leaseInstance(store.path, store.readOnly);
  let connection: DuckDBConnection;
  try {
    connection = await lease.instance.connect();
  } catch (error) {
    lease.release();
    throw error;
  }
  return new DuckDBJudgeTables(connection, lease, now, store.readOnly);
}

type TempColumn = [name: string, type: 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'TIMESTAMPTZ'];
type TempValue = string | number | boolean | Date | undefined;

class DuckDBJudgeTables implements JudgeTables {
  private readonly connection: DuckDBConnection;
  private readonly lease: InstanceLease;
  private readonly now: () => Date;
  private readonly readOnly: boolean;
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(connection: DuckDBConnection, lease: InstanceLease, now: () => Date, readOnly: boolean) {
    this.connection = connection;
    this.lease = lease;
    this.now = now;
    this.readOnly = readOnly;
  }

  async getCached(keys: readonly string[]): Promise<Map<string, StoredVerdict>> {
    const result = new Map<string, StoredVerdict>();
    if (keys.length === 0) return result;
    // One JSON parameter for the whole key list: one round trip however many keys.
    const rows = await this.run((connection) =>
      readRows<Record<string, unknown>>(
        connection,
        `SELECT * FROM judge_cache WHERE cache_key IN (SELECT unnest(from_json($1::JSON, '["VARCHAR"]')))`,
        [JSON.stringify([...new Set(keys)])],
      ),
    );
    for (const row of rows) {
      const verdict = parseJson(row['verdict_json']) as { value?: unknown; reason?: string };
      const status = row['status'] as 'scored' | 'unscored';
      result.set(row['cache_key'] as string, {
        kind: row['kind'] as 'single' | 'pairwise',
        judgeModel: row['judge_model'] as string,
        promptHash: row['prompt_hash'] as string,
        outcome: status === 'scored' ? { status, value: verdict.value } : { status, reason: verdict.reason ?? '' },
        latencyMs: (row['latency_ms'] as number | null) ?? undefined,
      });
    }
    return result;
  }

  putCached(entries: ReadonlyMap<string, StoredVerdict>): Promise<void> {
    if (entries.size === 0) return Promise.resolve();
    const createdAt = this.now();
    const rows: TempValue[][] = [...entries].map(([key, entry]) => [
      key,
      entry.kind,
      entry.judgeModel,
      entry.promptHash,
      entry.outcome.status,
      JSON.stringify(entry.outcome.status === 'scored' ? { value: entry.outcome.value } : { reason: entry.outcome.reason }),
      entry.latencyMs,
      createdAt,
    ]);
    return this.write((connection) =>
      inTransaction(connection, async () => {
        await appendTemp(connection, 'new_cache_rows', CACHE_COLUMNS, rows);
        await connection.run('INSERT OR REPLACE INTO judge_cache SELECT * FROM temp.main.new_cache_rows');
        await connection.run('DROP TABLE temp.main.new_cache_rows');
      }),
    );
  }

  async cacheSize(): Promise<number> {
    const rows = await this.run((connection) => readRows<{ n: number }>(connection, 'SELECT count(*) AS n FROM judge_cache'));
    return rows[0]?.n ?? 0;
  }

  writePairwise(records: readonly PairwiseJudgmentRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    // INSERT OR REPLACE refuses two rows with one key in the same statement; the last one wins here.
    const byKey = new Map(records.map((record) => [JSON.stringify([record.runId, record.queryId, record.judge.name]), record]));
    const rows: TempValue[][] = [...byKey.values()].map((record) => [
      record.runId,
      record.queryId,
      record.judge.name,
      record.judge.rubric,
      record.judge.rubricVersion,
      record.judge.promptHash,
      record.judge.model,
      JSON.stringify(record.judge.settings),
      record.candidateRole,
      record.status,
      record.winner,
      record.winnerCandidateFirst,
      record.winnerCandidateSecond,
      record.consistent,
      record.reason,
      record.latencyMs,
      record.createdAt,
    ]);
    return this.write((connection) =>
      inTransaction(connection, async () => {
        const runs = [...new Set(records.map((record) => record.runId))];
        for (const runId of runs) {
          const found = await readRows(connection, 'SELECT 1 FROM runs WHERE run_id = $1', [runId]);
          if (found.length === 0) throw new UsageError(`no run ${runId} in this database; create it first`);
        }
        await appendTemp(connection, 'new_pairwise_rows', PAIRWISE_COLUMNS, rows);
        await connection.run('INSERT OR REPLACE INTO pairwise_judgments SELECT * FROM temp.main.new_pairwise_rows');
        await connection.run('DROP TABLE temp.main.new_pairwise_rows');
      }),
    );
  }

  async readPairwise(runId: string, judgeName?: string): Promise<PairwiseJudgmentRecord[]> {
    const rows = await this.run((connection) =>
      readRows<Record<string, unknown>>(
        connection,
        `SELECT * FROM pairwise_judgments WHERE run_id = $1 AND ($2::VARCHAR IS NULL OR judge_name = $2) ORDER BY query_id, judge_name`,
        [runId, judgeName],
      ),
    );
    return rows.map((row) => ({
      runId: row['run_id'] as string,
      queryId: row['query_id'] as string,
      judge: {
        name: row['judge_name'] as string,
        rubric: row['rubric'] as string,
        rubricVersion: row['rubric_version'] as string,
        promptHash: row['prompt_hash'] as string,
        model: row['judge_model'] as string,
        settings: (parseJson(row['judge_settings']) ?? {}) as Record<string, unknown>,
      },
      candidateRole: row['candidate_role'] as 'candidate' | 'fallback',
      status: row['status'] as 'scored' | 'unscored' | 'error',
      winner: optional(row['winner']) as PairwiseWinner | undefined,
      winnerCandidateFirst: optional(row['winner_candidate_first']) as PairwiseWinner | undefined,
      winnerCandidateSecond: optional(row['winner_candidate_second']) as PairwiseWinner | undefined,
      consistent: optional(row['consistent']) as boolean | undefined,
      reason: optional(row['reason']) as string | undefined,
      latencyMs: optional(row['latency_ms']) as number | undefined,
      createdAt: new Date(row['created_at'] as string),
    }));
  }

  recordBatch(row: Omit<JudgeBatchRow, 'submittedAt' | 'updatedAt' | 'joinedAt' | 'outputFileId' | 'errorFileId'>): Promise<void> {
    const at = timestampTZ(this.now());
    return this.write(async (connection) => {
      await connection.run(
        `INSERT INTO judge_batches (batch_id, run_id, kind, judge_name, prompt_hash, judge_model, input_file_id, request_count, status, submitted_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [row.batchId, row.runId, row.kind, row.judgeName, row.promptHash, row.judgeModel, row.inputFileId, row.requestCount, row.status, at],
      );
    });
  }

  updateBatch(batchId: string, change: { status: string; outputFileId?: string | undefined; errorFileId?: string | undefined; joined?: boolean }): Promise<void> {
    const at = timestampTZ(this.now());
    return this.write(async (connection) => {
      const result = await connection.run(
        `UPDATE judge_batches SET status = $2, output_file_id = coalesce($3, output_file_id), error_file_id = coalesce($4, error_file_id),
           updated_at = $5, joined_at = CASE WHEN $6 THEN $5 ELSE joined_at END
         WHERE batch_id = $1`,
        [batchId, change.status, change.outputFileId ?? null, change.errorFileId ?? null, at, change.joined ?? false],
      );
      if (result.rowsChanged === 0) throw new Error(`judge_batches has no batch ${batchId}`);
    });
  }

  async unfinishedBatch(identity: JudgeBatchIdentity): Promise<JudgeBatchRow | undefined> {
    const rows = await this.run((connection) =>
      readRows<Record<string, unknown>>(
        connection,
        `SELECT * FROM judge_batches
         WHERE run_id = $1 AND kind = $2 AND judge_name = $3 AND prompt_hash = $4 AND judge_model = $5 AND joined_at IS NULL
         ORDER BY submitted_at DESC, rowid DESC LIMIT 1`,
        [identity.runId, identity.kind, identity.judgeName, identity.promptHash, identity.judgeModel],
      ),
    );
    return rows[0] === undefined ? undefined : toBatchRow(rows[0]);
  }

  async readBatches(runId: string): Promise<JudgeBatchRow[]> {
    const rows = await this.run((connection) =>
      readRows<Record<string, unknown>>(connection, 'SELECT * FROM judge_batches WHERE run_id = $1 ORDER BY submitted_at, rowid', [runId]),
    );
    return rows.map(toBatchRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(async () => undefined);
    this.connection.closeSync();
    this.lease.release();
  }

  private run<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('judge tables are closed'));
    return this.queue.run(() => task(this.connection));
  }

  private write<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.readOnly) return Promise.reject(new UsageError('the database is open read-only; judging needs write access'));
    return this.run(task);
  }
}

const CACHE_COLUMNS: TempColumn[] = [
  ['cache_key', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['judge_model', 'VARCHAR'],
  ['prompt_hash', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['verdict_json', 'VARCHAR'],
  ['latency_ms', 'DOUBLE'],
  ['created_at', 'TIMESTAMPTZ'],
];

const PAIRWISE_COLUMNS: TempColumn[] = [
  ['run_id', 'VARCHAR'],
  ['query_id', 'VARCHAR'],
  ['judge_name', 'VARCHAR'],
  ['rubric', 'VARCHAR'],
  ['rubric_version', 'VARCHAR'],
  ['prompt_hash', 'VARCHAR'],
  ['judge_model', 'VARCHAR'],
  ['judge_settings', 'VARCHAR'],
  ['candidate_role', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['winner', 'VARCHAR'],
  ['winner_candidate_first', 'VARCHAR'],
  ['winner_candidate_second', 'VARCHAR'],
  ['consistent', 'BOOLEAN'],
  ['reason', 'VARCHAR'],
  ['latency_ms', 'DOUBLE'],
  ['created_at', 'TIMESTAMPTZ'],
];

/** Rows into a fresh temporary table through the appender (fast for thousands of rows), inside the caller's transaction. */
async function appendTemp(connection: DuckDBConnection, name: string, columns: TempColumn[], rows: TempValue[][]): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${name} (${columns.map(([column, type]) => `${column} ${type}`).join(', ')})`);
  const appender = await connection.createAppender(name, 'main', 'temp');
  try {
    for (const row of rows) {
      columns.forEach(([column, type], index) => appendValue(appender, column, type, row[index]));
      appender.endRow();
    }
    appender.flushSync();
  } catch (error) {
    // A buffer left behind would be flushed into whatever transaction the connection is in next.
    appender.clear();
    throw error;
  } finally {
    appender.closeSync();
  }
}

function appendValue(appender: DuckDBAppender, column: string, type: TempColumn[1], value: TempValue): void {
  if (value === undefined || value === null) {
    appender.appendNull();
    return;
  }
  if (type === 'VARCHAR' && typeof value === 'string') appender.appendVarchar(value);
  else if (type === 'DOUBLE' && typeof value === 'number' && Number.isFinite(value)) appender.appendDouble(value);
  else if (type === 'INTEGER' && typeof value === 'number' && Number.isInteger(value)) appender.appendInteger(value);
  else if (type === 'BOOLEAN' && typeof value === 'boolean') appender.appendBoolean(value);
  else if (type === 'TIMESTAMPTZ' && value instanceof Date) appender.appendTimestampTZ(timestampTZ(value));
  else throw new TypeError(`${column}: expected ${type}, got ${String(value)}`);
}

function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

function toBatchRow(row: Record<string, unknown>): JudgeBatchRow {
  return {
    batchId: row['batch_id'] as string,
    runId: row['run_id'] as string,
    kind: row['kind'] as 'single' | 'pairwise',
    judgeName: row['judge_name'] as string,
    promptHash: row['prompt_hash'] as string,
    judgeModel: row['judge_model'] as string,
    inputFileId: row['input_file_id'] as string,
    requestCount: row['request_count'] as number,
    status: row['status'] as string,
    outputFileId: optional(row['output_file_id']) as string | undefined,
    errorFileId: optional(row['error_file_id']) as string | undefined,
    submittedAt: row['submitted_at'] as string,
    updatedAt: row['updated_at'] as string,
    joinedAt: optional(row['joined_at']) as string | undefined,
  };
}
