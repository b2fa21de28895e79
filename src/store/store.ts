import { existsSync, renameSync, rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseSize } from '../core/duckdb-size.ts';
import { UsageError } from '../core/errors.ts';
import { checkRunId } from '../core/run-id.ts';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { readColumns, readRows, streamColumns } from './convert-rows.ts';
import { exportRunFiles } from './export-run.ts';
import { applyMigrations } from './migrate.ts';
import { MIGRATIONS } from './migrations/all-migrations.ts';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import {
  toGateDecision,
  toJudgment,
  toQuery,
  toReject,
  toResponse,
  toRoute,
  toRunRow,
} from './read-records.ts';
import { SerialQueue } from './serial-queue.ts';
import { jsonText, sqlIdentifier, sqlString, timestampTZ } from './sql-values.ts';
import { JUDGMENTS } from './table-layouts.ts';
import { inTransaction } from './transaction.ts';
import { appendBatchRows, appendRows, closeAppenders } from './write-batch.ts';
import {
  GATE_DECISIONS,
  RUN_STATUSES,
  type ExportFormat,
  type GateDecisionInput,
  type GateDecisionRow,
  type NewRun,
  type OpenStoreOptions,
  type RunRow,
  type RunStatus,
  type Store,
  type StoreBatch,
} from './types.ts';

export type {
  ExportFormat,
  GateDecisionInput,
  GateDecisionRow,
  NewRun,
  OpenStoreOptions,
  RunRow,
  RunStatus,
  Store,
  StoreBatch,
} from './types.ts';

/**
 * Opens (creating it and its directory if needed) the results database and brings its schema up
 * to date. Problems with the path, a lock held by another process, or a schema newer than this
 * binary are UsageErrors.
 */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<Store> {
  const readOnly = options.readOnly ?? false;
  const now = options.now ?? (() => new Date());
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) {
    throw new UsageError(`${path}: no such database file (run a replay first, or pass --db)`);
  }
  const lease = await leaseInstance(path, readOnly);
  const connections: DuckDBConnection[] = [];
  try {
    const writer = await lease.instance.connect();
    connections.push(writer);
    const reader = await lease.instance.connect();
    connections.push(reader);
    const version = await lease.exclusive(() => applyMigrations(writer, MIGRATIONS, { path, readOnly, now }));
    return new DuckDBStore({ path, readOnly, now, lease, writer, reader, schemaVersion: version });
  } catch (error) {
    for (const connection of connections) connection.closeSync();
    lease.release();
    throw error;
  }
}

interface StoreParts {
  path: string;
  readOnly: boolean;
  now: () => Date;
  lease: InstanceLease;
  writer: DuckDBConnection;
  reader: DuckDBConnection;
  schemaVersion: number;
}

// Stores on one path share an instance, so attach aliases must differ between them.
let snapshotCount = 0;

const TERMINAL_STATUSES: readonly RunStatus[] = ['complete', 'interrupted', 'failed'];

// Two connections, each used by one task at a time: writes (and their transactions) on one, reads on
// the other, so an analyst query never sees half a batch and never waits for the writer's COMMIT.
class DuckDBStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  readonly schemaVersion: number;
  private readonly now: () => Date;
  private readonly lease: InstanceLease;
  private readonly writer: DuckDBConnection;
  private readonly reader: DuckDBConnection;
  private readonly writes = new SerialQueue();
  private readonly reads = new SerialQueue();
  private memoryLimit: string | undefined;
  private closed = false;

  constructor(parts: StoreParts) {
    this.path = parts.path;
    this.readOnly = parts.readOnly;
    this.schemaVersion = parts.schemaVersion;
    this.now = parts.now;
    this.lease = parts.lease;
    this.writer = parts.writer;
    this.reader = parts.reader;
  }

  createRun(run: NewRun): Promise<void> {
    // Every way a run is made (replay, promptfoo import, tests) meets the same id rule.
    try {
      checkRunId(run.runId);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.write(async (connection) => {
      const existing = await readRows(connection, 'SELECT 1 FROM runs WHERE run_id = $1', [run.runId]);
      if (existing.length > 0) throw new UsageError(`run ${run.runId} already exists in ${this.path}`);
      await connection.run(
        `INSERT INTO runs (run_id, created_at, status, mode, dataset, policy, config_json, notes, default_judge)
         VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8)`,
        [
          run.runId,
          timestampTZ(this.now()),
          run.mode,
          run.dataset,
          run.policy,
          JSON.stringify(run.config ?? null),
          run.notes ?? null,
          run.defaultJudge ?? null,
        ],
      );
    });
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    const rows = await this.read((connection) => readRows<Record<string, unknown>>(connection, 'SELECT * FROM runs WHERE run_id = $1', [runId]));
    return rows[0] === undefined ? undefined : toRunRow(rows[0]);
  }

  async latestRun(options: { status?: RunStatus } = {}): Promise<RunRow | undefined> {
    const where = options.status === undefined ? '' : 'WHERE status = $1';
    const params = options.status === undefined ? [] : [options.status];
    const rows = await this.read((connection) =>
      readRows<Record<string, unknown>>(connection, `SELECT * FROM runs ${where} ORDER BY created_at DESC, rowid DESC LIMIT 1`, params),
    );
    return rows[0] === undefined ? undefined : toRunRow(rows[0]);
  }

  setRunStatus(runId: string, status: RunStatus, counts: { queryCount?: number; rejectCount?: number } = {}): Promise<void> {
    if (!RUN_STATUSES.includes(status)) return Promise.reject(new UsageError(`run status '${status}' is not one of ${RUN_STATUSES.join(', ')}`));
    const finishedAt = TERMINAL_STATUSES.includes(status) ? timestampTZ(this.now()) : null;
    return this.write(async (connection) => {
      const result = await connection.run(
        `UPDATE runs SET status = $2, finished_at = $3,
           query_count = coalesce($4::INTEGER, query_count), reject_count = coalesce($5::INTEGER, reject_count)
         WHERE run_id = $1`,
        [runId, status, finishedAt, counts.queryCount ?? null, counts.rejectCount ?? null],
      );
      if (result.rowsChanged === 0) throw new UsageError(`no run ${runId} in ${this.path}`);
    });
  }

  setDefaultJudge(runId: string, judgeName: string | undefined): Promise<void> {
    return this.write(async (connection) => {
      const result = await connection.run('UPDATE runs SET default_judge = $2 WHERE run_id = $1', [runId, judgeName ?? null]);
      if (result.rowsChanged === 0) throw new UsageError(`no run ${runId} in ${this.path}`);
    });
  }

  async completedQueryIds(runId: string): Promise<Set<string>> {
    const rows = await this.read((connection) =>
      readRows<{ query_id: string }>(connection, 'SELECT query_id FROM queries WHERE run_id = $1', [runId]),
    );
    return new Set(rows.map((row) => row.query_id));
  }

  writeBatch(runId: string, batch: StoreBatch): Promise<void> {
    return this.write(async (connection) => {
      try {
        await inTransaction(connection, async () => {
          await this.requireRun(connection, runId);
          try {
            await appendBatchRows(connection, runId, batch);
          } catch (error) {
            throw new Error(`writeBatch(${runId}): nothing of this batch was written: ${(error as Error).message}`, { cause: error });
          }
        });
      } catch (error) {
        // Not retried in this process: after DuckDB ran out of memory mid-append, a second attempt
        // on the same instance met primary keys of the rolled-back rows (seen at 32MB, 400K queries).
        // A fresh process with --resume writes the batch cleanly.
        if (this.memoryLimit === undefined || !isOutOfMemory(error)) throw error;
        throw new Error(
          `${(error as Error).message.split('\n')[0]} (DuckDB's memory limit of ${this.memoryLimit} is too small for this database: raise replay.database_memory_limit in the config and run the replay again with --resume)`,
          { cause: error },
        );
      }
    });
  }

  async setMemoryLimit(size: string): Promise<void> {
    await this.setSize('memory_limit', size);
    // A command that holds DuckDB to a limit is one whose peak RSS matters. DuckDB allocates through
    // its own jemalloc, which otherwise returns freed pages to the system only when a DuckDB thread
    // next allocates or frees: the gate over a million judged pairs kept 70-80 MB of its facts
    // query's freed memory that way (bench/RESULTS.md, "Gate + report memory").
    await this.write((connection) => connection.run('SET allocator_background_threads = true'));
    this.memoryLimit = size;
  }

  /** DuckDB's checkpoint_threshold: the write-ahead log size at which it checkpoints. */
  setCheckpointThreshold(size: string): Promise<void> {
    return this.setSize('checkpoint_threshold', size);
  }

  /** A DuckDB size setting, given in bytes: parseSize refuses anything but a number and a unit, so nothing else reaches the SQL. */
  private async setSize(setting: 'memory_limit' | 'checkpoint_threshold', size: string): Promise<void> {
    const bytes = parseSize(size);
    await this.write((connection) => connection.run(`SET ${setting} = '${bytes}B'`));
  }

  get memoryLimitSize(): string | undefined {
    return this.memoryLimit;
  }

  writeJudgments(judgments: readonly JudgmentRecord[]): Promise<void> {
    if (judgments.length === 0) return Promise.resolve();
    return this.write((connection) =>
      inTransaction(connection, async () => {
        for (const runId of new Set(judgments.map((judgment) => judgment.runId))) await this.requireRun(connection, runId);
        // One DELETE for all keys, through a temporary table: per-key DELETEs would be one round trip each.
        await connection.run(
          'CREATE OR REPLACE TEMP TABLE replaced_judgment_keys (run_id VARCHAR, query_id VARCHAR, role VARCHAR, judge_name VARCHAR, kind VARCHAR)',
        );
        try {
          const keys = await connection.createAppender('replaced_judgment_keys', 'main', 'temp');
          try {
            for (const judgment of judgments) {
              keys.appendVarchar(judgment.runId);
              keys.appendVarchar(judgment.queryId);
              keys.appendVarchar(judgment.role);
              keys.appendVarchar(judgment.judge.name);
              keys.appendVarchar(judgment.kind);
              keys.endRow();
            }
          } finally {
            keys.closeSync();
          }
          await connection.run(
            `DELETE FROM judgments AS j USING replaced_judgment_keys AS k
             WHERE j.run_id = k.run_id AND j.query_id = k.query_id AND j.role = k.role
               AND j.judge_name = k.judge_name AND j.kind = k.kind`,
          );
          await appendRows(connection, JUDGMENTS, judgments);
          await connection.run('DROP TABLE temp.main.replaced_judgment_keys');
        } catch (error) {
          // The rollback that follows also drops the key table, which was created in this transaction.
          throw new Error(`writeJudgments: nothing was replaced: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
  }

  writeGateDecision(row: GateDecisionInput): Promise<void> {
    if (!GATE_DECISIONS.includes(row.decision)) {
      return Promise.reject(new UsageError(`gate decision '${row.decision}' is not one of ${GATE_DECISIONS.join(', ')}`));
    }
    return this.write(async (connection) => {
      await this.requireRun(connection, row.runId);
      await connection.run('INSERT INTO gate_decisions VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        row.runId,
        row.plan,
        row.step,
        row.decision,
        jsonText(row.reasons) ?? null,
        jsonText(row.metrics) ?? null,
        timestampTZ(row.decidedAt ?? this.now()),
      ]);
    });
  }

  readQueries(runId: string): Promise<Query[]> {
    return this.readRecords('queries', runId, toQuery);
  }

  readRoutes(runId: string): Promise<RouteRecord[]> {
    return this.readRecords('routes', runId, toRoute);
  }

  readResponses(runId: string): Promise<ResponseRecord[]> {
    return this.readRecords('responses', runId, toResponse);
  }

  /** Single-answer judgments only: that is all JudgmentRecord can hold today. */
  readJudgments(runId: string): Promise<JudgmentRecord[]> {
    return this.readRecords('judgments', runId, toJudgment, "kind = 'single'");
  }

  readRejects(runId: string): Promise<Reject[]> {
    return this.readRecords('rejects', runId, toReject);
  }

  readGateDecisions(runId: string): Promise<GateDecisionRow[]> {
    return this.readRecords('gate_decisions', runId, toGateDecision, undefined, 'decided_at, rowid');
  }

  all<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.read((connection) => readRows<T>(connection, sql, params));
  }

  columns<T extends Record<string, unknown[]>>(sql: string, params: readonly unknown[] = []): Promise<T> {
    return this.read((connection) => readColumns<T>(connection, sql, params));
  }

  eachChunk<T extends Record<string, unknown[]>>(sql: string, params: readonly unknown[], onChunk: (columns: T, rows: number) => void): Promise<void> {
    return this.read((connection) => streamColumns<T>(connection, sql, params, onChunk));
  }

  exportRun(runId: string, format: ExportFormat, outDir: string, redact?: (text: string) => string): Promise<string[]> {
    return this.read((connection) => exportRunFiles(connection, runId, format, outDir, redact));
  }

  snapshot(toPath: string): Promise<void> {
    // Runs on the writer's queue so the copy falls between batches; COPY FROM DATABASE reads one
    // consistent version. Written beside the target and renamed, so a reader never sees half a copy.
    return this.write(async (connection) => {
      const partial = `${toPath}.partial-${process.pid}`;
      rmSync(partial, { force: true });
      rmSync(`${partial}.wal`, { force: true });
      snapshotCount += 1;
      const alias = `snapshot_${process.pid}_${snapshotCount}`;
      const [current] = await readRows<{ name: string }>(connection, 'SELECT current_database() AS name');
      await connection.run(`ATTACH ${sqlString(partial)} AS ${sqlIdentifier(alias)} (READ_WRITE)`);
      try {
        await connection.run(`COPY FROM DATABASE ${sqlIdentifier(current!.name)} TO ${sqlIdentifier(alias)}`);
      } finally {
        await connection.run(`DETACH ${sqlIdentifier(alias)}`);
      }
      if (existsSync(`${partial}.wal`)) throw new Error(`snapshot ${toPath}: DuckDB left a WAL beside the copy`);
      renameSync(partial, toPath);
    }, { allowReadOnly: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.writes.run(async () => undefined), this.reads.run(async () => undefined)]);
    closeAppenders(this.writer);
    this.writer.closeSync();
    this.reader.closeSync();
    this.lease.release();
  }

  private async requireRun(connection: DuckDBConnection, runId: string): Promise<void> {
    const rows = await readRows(connection, 'SELECT 1 FROM runs WHERE run_id = $1', [runId]);
    if (rows.length === 0) throw new UsageError(`no run ${runId} in ${this.path}; create it first`);
  }

  private async readRecords<T>(
    table: string,
    runId: string,
    toRecord: (row: Record<string, unknown>) => T,
    filter?: string,
    orderBy = 'rowid',
  ): Promise<T[]> {
    const where = filter === undefined ? 'run_id = $1' : `run_id = $1 AND ${filter}`;
    const rows = await this.read((connection) =>
      readRows<Record<string, unknown>>(connection, `SELECT * FROM ${table} WHERE ${where} ORDER BY ${orderBy}`, [runId]),
    );
    return rows.map((row, index) => {
      try {
        return toRecord(row);
      } catch (error) {
        throw new Error(`${this.path}: ${table} row ${index + 1} of run ${runId}: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  private write<T>(task: (connection: DuckDBConnection) => Promise<T>, options: { allowReadOnly?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    if (this.readOnly && !options.allowReadOnly) {
      return Promise.reject(new UsageError(`${this.path} is open read-only; this needs write access`));
    }
    return this.writes.run(() => task(this.writer));
  }

  private read<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    return this.reads.run(() => task(this.reader));
  }
}

/**
 * DuckDB's buffer manager at its memory_limit throws "Out of Memory Error: <what> (<used>/<limit> used)",
 * <what> being "could not allocate block of size 256.0 KiB", "failed to pin block of size 256.0 KiB",
 * "failed to allocate data of size 2.0 MiB" or "failed to resize block from ... to ...". The first
 * three were seen here (DuckDB 1.5: sorts, aggregates, joins and the gate's facts query at 2-128MB),
 * the fourth read in DuckDB's StandardBufferManager. An appender says it without the prefix
 * ("queries: Failed to append: could not allocate block of size ... (3.5 MiB/3.8 MiB used)"). The
 * "(... used)" part tells the limit apart from the system's allocator failing, which a higher limit
 * would not help.
 */
const OUT_OF_MEMORY = /(Out of Memory Error: |could not allocate block|failed to pin block|failed to allocate data|failed to resize block)[^\n]*\([^()\n]*\/[^()\n]* used\)/i;

/** DuckDB ran out of memory within its memory_limit: in `error`'s message or any error it was caused by. */
export function isOutOfMemory(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 10; cause = cause.cause, depth++) {
    if (OUT_OF_MEMORY.test(cause.message)) return true;
  }
  return false;
}
