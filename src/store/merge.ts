import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { sqlString } from './sql-values.ts';
import type { Store } from './types.ts';

export interface MergeSummary {
  inputs: number;
  /** Rows added per table (rows already present, e.g. from merging the same shard twice, are not counted). */
  added: Record<string, number>;
  runs: Array<{ runId: string; status: string; queryCount: number; shards: number }>;
}

// Per-shard gate decisions judge a part of a run; the merged run is gated anew. A shard's cascade
// curve is computed over its part of the run too (and has no key to merge on): `cascade --run`
// computes the merged run's curve from the merged validations. A shard's on-prem judge agreement
// summarises its part only: the merged run keeps the cross-checks and reports no summary rather
// than one shard's as the run's (recomputing it from the merged cross-checks is not built yet).
const SKIPPED_TABLES = new Set(['schema_migrations', 'gate_decisions', 'runs', 'cascade_curves', 'onprem_judge_agreement']);

/**
 * Combines shard databases (each written by `replay --shard K/N`) into `target`. Every table is
 * copied with INSERT OR IGNORE on its primary key, so merging is idempotent; a run present in
 * several shards becomes one run whose status is complete only when every shard's was.
 */
export async function mergeShards(target: Store, inputs: readonly string[]): Promise<MergeSummary> {
  for (const input of inputs) if (!existsSync(input)) throw new UsageError(`shard database not found: ${input}`);
  const tables = (
    await target.all<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  )
    .map((row) => row.table_name)
    .filter((name) => !SKIPPED_TABLES.has(name));
  const added: Record<string, number> = {};
  const statuses = new Map<string, string[]>();
  for (const [index, input] of inputs.entries()) {
    const alias = `shard_${index}`;
    await target.all(`ATTACH ${sqlString(input)} AS ${alias} (READ_ONLY)`);
    try {
      const [shardVersion] = await target.all<{ version: number | null }>(`SELECT max(version) AS version FROM ${alias}.schema_migrations`);
      if (shardVersion?.version !== target.schemaVersion) {
        throw new UsageError(`${input}: schema version ${shardVersion?.version ?? 'unknown'} differs from ${target.schemaVersion}: open it once with this hybrid-eval (e.g. \`hybrid-eval runs --db ${input}\`) to upgrade it`);
      }
      for (const run of await target.all<{ run_id: string; status: string }>(`SELECT run_id, status FROM ${alias}.runs`)) {
        statuses.set(run.run_id, [...(statuses.get(run.run_id) ?? []), run.status]);
      }
      await target.all(`INSERT OR IGNORE INTO runs SELECT * FROM ${alias}.runs`);
      for (const table of tables) {
        const [before] = await target.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
        await target.all(`INSERT OR IGNORE INTO ${table} SELECT * FROM ${alias}.${table}`);
        const [after] = await target.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
        added[table] = (added[table] ?? 0) + Number(after!.n) - Number(before!.n);
      }
    } finally {
      await target.all(`DETACH ${alias}`);
    }
  }
  const runs: MergeSummary['runs'] = [];
  for (const [runId, shardStatuses] of statuses) {
    const status = shardStatuses.every((status) => status === 'complete') ? 'complete' : (shardStatuses.find((status) => status !== 'complete') ?? 'interrupted');
    const [counts] = await target.all<{ queries: number; rejects: number }>(
      `SELECT (SELECT count(*) FROM queries WHERE run_id = ?) AS queries, (SELECT count(*) FROM rejects WHERE run_id = ?) AS rejects`,
      [runId, runId],
    );
    await target.all(`UPDATE runs SET status = ?, query_count = ?, reject_count = ? WHERE run_id = ?`, [status, counts!.queries, counts!.rejects, runId]);
    runs.push({ runId, status, queryCount: Number(counts!.queries), shards: shardStatuses.length });
  }
  return { inputs: inputs.length, added, runs };
}
