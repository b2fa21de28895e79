import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HUMAN_ENDPOINT } from '../../core/response.ts';
import { readRows } from '../convert-rows.ts';
import { applyMigrations } from '../migrate.ts';
import { openStore } from '../store.ts';
import { judgment, response, scored, tempDir } from '../test-records.ts';
import { MIGRATIONS } from './all-migrations.ts';

const now = () => new Date('2025-01-01T00:00:00Z');
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const columns = (table: string) =>
  `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`;

describe('migration 17 (human replies)', () => {
  it('keeps every responses and judgments row and column, in order, and admits role human', async () => {
    const path = join(dir.path, 'before-17.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    let before: Record<string, unknown[]>;
    let pairsBefore: unknown[];
    try {
      await applyMigrations(connection, MIGRATIONS.filter((migration) => migration.version < 17), { path, readOnly: false, now });
      await connection.run(`INSERT INTO runs VALUES ('r1', now(), NULL, 'complete', 'shadow', 'd.jsonl', 'oracle', '{}', NULL, 1, 0, NULL)`);
      await connection.run(`INSERT INTO queries VALUES ('r1', 'q1', 'where is my order?', NULL, NULL, NULL, 'simple', NULL, 'd.jsonl', 1, NULL, NULL)`);
      await connection.run(`INSERT INTO routes VALUES ('r1', 'q1', 'oracle', 'simple', 'llama', 'simple', NULL, NULL, NULL, 5, NULL)`);
      await connection.run(
        `INSERT INTO responses VALUES ('r1', 'q1', 'candidate', 'llama', 'llama-3-70b', 'endpoint', 'ok', 1, NULL, 'an answer', 10, 20, 100, 400, 0.0004, now(), '[{"id":"c1","name":"track","arguments":"{}"}]', 'track({})', '["parallel_tool_calls"]'),
                                      ('r1', 'q1', 'baseline', 'gpt4', 'gpt-4', 'endpoint', 'ok', 1, NULL, 'the baseline', 10, 30, 200, 900, 0.0021, now(), NULL, NULL, NULL)`,
      );
      await connection.run(
        `INSERT INTO judgments VALUES ('r1', 'q1', 'candidate', 'single', 'support-single', 'support-single', '1', 'h', 'gpt-4', '{}', 'scored', 4, 'fine', 300, now()),
                                      ('r1', 'q1', 'baseline', 'single', 'support-single', 'support-single', '1', 'h', 'gpt-4', '{}', 'scored', 5, 'good', 300, now())`,
      );
      before = { responses: await readRows(connection, columns('responses')), judgments: await readRows(connection, columns('judgments')) };
      pairsBefore = await readRows(connection, `SELECT * FROM pairs`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    const store = await openStore(path, { now });
    try {
      expect(await store.all(columns('responses'))).toEqual(before.responses);
      expect(await store.all(columns('judgments'))).toEqual(before.judgments);
      expect(await store.all(`SELECT role, output, tool_calls_key, dropped_params FROM responses ORDER BY role`)).toEqual([
        { role: 'baseline', output: 'the baseline', tool_calls_key: null, dropped_params: null },
        { role: 'candidate', output: 'an answer', tool_calls_key: 'track({})', dropped_params: '["parallel_tool_calls"]' },
      ]);
      expect(await store.all(`SELECT role, score FROM judgments ORDER BY role`)).toEqual([
        { role: 'baseline', score: 5 },
        { role: 'candidate', score: 4 },
      ]);
      // The views read the rebuilt tables, and a run without human replies reads as before.
      expect(await store.all(`SELECT * FROM pairs`)).toEqual(pairsBefore);
      expect(await store.all(`SELECT count(*) AS n FROM human_replies`)).toEqual([{ n: 0 }]);

      // Written through the store's own appenders, as the replay writes.
      await store.writeBatch('r1', {
        responses: [response('r1', 'q1', 'human', { endpoint: HUMAN_ENDPOINT, model: 'human', source: 'log', attempts: 0, output: 'a human reply', costUsd: undefined })],
        judgments: [judgment('r1', 'q1', 'human', scored(3))],
      });
      expect(await store.all(`SELECT query_id, human_output, human_score, served_score, baseline_score, baseline_endpoint, human_minus_baseline, human_minus_served FROM human_replies`)).toEqual([
        { query_id: 'q1', human_output: 'a human reply', human_score: 3, served_score: 4, baseline_score: 5, baseline_endpoint: 'gpt4', human_minus_baseline: -2, human_minus_served: -1 },
      ]);
      // The pairs view (and so the gate) still shows the model baseline only.
      expect(await store.all(`SELECT baseline_endpoint, baseline_output, baseline_score FROM pairs`)).toEqual([{ baseline_endpoint: 'gpt4', baseline_output: 'the baseline', baseline_score: 5 }]);
      // A human reply is never a priced call.
      await expect(
        store.writeBatch('r1', { responses: [response('r1', 'q2', 'human', { endpoint: HUMAN_ENDPOINT, source: 'log', costUsd: 0.01 })] }),
      ).rejects.toThrow(/CHECK|constraint/i);
      await expect(store.writeBatch('r1', { responses: [response('r1', 'q3', 'human', { endpoint: HUMAN_ENDPOINT, source: 'endpoint', costUsd: undefined })] })).rejects.toThrow(
        /CHECK|constraint/i,
      );
      // The read-back path knows the role.
      expect((await store.readResponses('r1')).map((row) => row.role).sort()).toEqual(['baseline', 'candidate', 'human']);
    } finally {
      await store.close();
    }
  });
});
