import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRows } from '../convert-rows.ts';
import { applyMigrations } from '../migrate.ts';
import { openStore } from '../store.ts';
import { response, tempDir } from '../test-records.ts';
import { MIGRATIONS } from './all-migrations.ts';

const now = () => new Date('2025-01-01T00:00:00Z');
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const COLUMNS = `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'responses' ORDER BY ordinal_position`;

describe('migration 8 (privacy)', () => {
  it('keeps every responses row and column, in order, and admits the withheld status', async () => {
    const path = join(dir.path, 'before-8.duckdb');
    const before = MIGRATIONS.filter((migration) => migration.version < 8);
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    let columnsBefore: unknown[];
    try {
      await applyMigrations(connection, before, { path, readOnly: false, now });
      await connection.run(
        `INSERT INTO responses VALUES ('r1', 'q1', 'candidate', 'llama', 'llama-3-70b', 'endpoint', 'ok', 1, NULL, 'an answer', 10, 20, 100, 400, 0.0004, now())`,
      );
      columnsBefore = await readRows(connection, COLUMNS);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    const store = await openStore(path, { now });
    try {
      // Later migrations (010) append columns; the ones before migration 8 keep their place.
      expect((await store.all(COLUMNS)).slice(0, columnsBefore.length)).toEqual(columnsBefore);
      expect(await store.all(`SELECT query_id, role, status, output FROM responses`)).toEqual([{ query_id: 'q1', role: 'candidate', status: 'ok', output: 'an answer' }]);
      // Written through the store's own appender, as the replay writes.
      await store.createRun({ runId: 'r1', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
      await store.writeBatch('r1', {
        responses: [
          response('r1', 'q1', 'baseline', {
            status: 'withheld' as never,
            attempts: 0,
            output: undefined,
            costUsd: undefined,
            error: 'withheld: sensitive query (detected: card number); gpt4 is external',
          }),
        ],
      });
      expect(await store.all(`SELECT role, status, attempts, error FROM responses WHERE role = 'baseline'`)).toEqual([
        { role: 'baseline', status: 'withheld', attempts: 0, error: 'withheld: sensitive query (detected: card number); gpt4 is external' },
      ]);
      // A withheld call cannot carry an answer or a cost.
      await expect(store.writeBatch('r1', { responses: [response('r1', 'q2', 'baseline', { status: 'withheld' as never, attempts: 0, output: 'x' })] })).rejects.toThrow(/CHECK|constraint/i);
      await expect(store.writeBatch('r1', { responses: [response('r1', 'q3', 'baseline', { status: 'skipped' as never })] })).rejects.toThrow(/CHECK|constraint/i);
      // The analysts' views still read the rebuilt table.
      expect(await store.all(`SELECT count(*) AS n FROM latency_by_endpoint`)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('stores privacy decisions and sums them per run, counts only', async () => {
    const store = await openStore(join(dir.path, 'privacy.duckdb'), { now });
    try {
      await store.all(
        `INSERT INTO privacy_decisions VALUES
          ('r1', 'q1', true, '["detected: card number"]', 'gpt4', 'llama', 'sensitive query (detected: card number): gpt4 is external, sent to on-prem llama', true, true, '{"CARD": 1, "EMAIL": 1}'),
          ('r1', 'q2', false, '[]', 'gpt35', 'gpt35', NULL, false, false, '{"EMAIL": 2}'),
          ('r1', 'q3', false, '[]', 'llama', 'llama', NULL, false, false, '{}')`,
      );
      expect(await store.all(`SELECT * FROM privacy_by_run`)).toEqual([
        {
          run_id: 'r1', n: 3, n_sensitive: 1, n_rerouted: 1, n_candidate_withheld: 0, n_baseline_withheld: 1, n_judge_withheld: 1, n_with_pii: 2,
          pii_email: 3, pii_phone: 0, pii_card: 1, pii_iban: 0, pii_order: 0, pii_account: 0, pii_address: 0, pii_name: 0,
        },
      ]);
    } finally {
      await store.close();
    }
  });
});
