import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRows } from './convert-rows.ts';
import { EXPORTED_RELATIONS, FREE_TEXT_COLUMNS } from './export-run.ts';
import { openStore } from './store.ts';
import { fullBatch, reject, tempDir } from './test-records.ts';
import type { Store } from './types.ts';

let dir: ReturnType<typeof tempDir>;
let store: Store;
const RELATION_FILES = EXPORTED_RELATIONS.map((relation) => relation);
// Rows the 'exported' run has per relation (the 'other' run must not leak in).
const EXPECTED_ROWS: Record<string, number> = {
  runs: 1, queries: 3, routes: 3, responses: 6, judgments: 6, rejects: 1, gate_decisions: 1,
  pairs: 3, quality_by_tier: 1, cost_by_endpoint: 2, latency_by_endpoint: 2, conversations: 3,
};

beforeAll(async () => {
  dir = tempDir();
  store = await openStore(join(dir.path, 'export.duckdb'));
  for (const runId of ['exported', 'other']) {
    await store.createRun({ runId, mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: { runId } });
    await store.writeBatch(runId, { ...fullBatch(runId, 0, runId === 'exported' ? 3 : 5), rejects: [reject(99)] });
    await store.writeGateDecision({ runId, plan: 'default', step: 'shadow', decision: 'hold', reasons: ['small n'], metrics: { n: 3 } });
  }
});
afterAll(async () => {
  await store.close();
  dir.remove();
});

async function readBack(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await readRows(connection, sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('exportRun', () => {
  for (const format of ['parquet', 'csv'] as const) {
    it(`writes one ${format} file per table and view, filtered to the run, that DuckDB reads back`, async () => {
      const outDir = join(dir.path, `out-${format}`);
      const files = await store.exportRun('exported', format, outDir);
      expect(files.map((file) => basename(file))).toEqual(RELATION_FILES.map((relation) => `${relation}.${format}`));
      const reader = format === 'parquet' ? 'read_parquet' : 'read_csv';
      for (const file of files) {
        const relation = basename(file, `.${format}`);
        const [row] = await readBack(`SELECT count(*) AS n, count(DISTINCT run_id) AS runs, min(run_id) AS run FROM ${reader}('${file}')`);
        expect(row, relation).toEqual({ n: EXPECTED_ROWS[relation], runs: 1, run: 'exported' });
      }
      const [pair] = await readBack(`SELECT query_id, candidate_score, baseline_score, score_diff FROM ${reader}('${join(outDir, `pairs.${format}`)}') ORDER BY query_id LIMIT 1`);
      expect(pair).toEqual({ query_id: 'q000000', candidate_score: 4, baseline_score: 5, score_diff: -1 });
    });
  }

  it('writes Arrow IPC files (via apache-arrow) with typed columns', async () => {
    const files = await store.exportRun('exported', 'arrow', join(dir.path, 'out-arrow'));
    expect(files.map((file) => basename(file))).toEqual(RELATION_FILES.map((relation) => `${relation}.arrow`));
    for (const file of files) {
      const table = tableFromIPC(readFileSync(file));
      const relation = basename(file, '.arrow');
      expect(table.numRows, relation).toBe(EXPECTED_ROWS[relation]);
      expect(new Set(table.getChild('run_id')?.toArray()), relation).toEqual(new Set(['exported']));
    }
    const responses = tableFromIPC(readFileSync(join(dir.path, 'out-arrow', 'responses.arrow')));
    const types = Object.fromEntries(responses.schema.fields.map((field) => [field.name, String(field.type)]));
    expect(types).toMatchObject({ attempts: 'Int32', latency_ms: 'Float64', started_at: 'Timestamp<MILLISECOND, UTC>', output: 'Utf8' });
    const first = responses.get(0)!.toJSON();
    expect(first['started_at']).toBe(Date.parse('2025-01-02T03:04:05.678Z'));
    expect(first['prompt_tokens']).toBeNull();
    const quality = tableFromIPC(readFileSync(join(dir.path, 'out-arrow', 'quality_by_tier.arrow')));
    expect(quality.get(0)!.toJSON()).toMatchObject({ tier: 'simple', n: 3n, candidate_mean_score: 4, baseline_mean_score: 5 });
  });

  it('streams a relation larger than one DuckDB chunk into several record batches', async () => {
    await store.createRun({ runId: 'big', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
    await store.writeBatch('big', fullBatch('big', 0, 1100));
    const files = await store.exportRun('big', 'arrow', join(dir.path, 'out-big'));
    const responses = tableFromIPC(readFileSync(files.find((file) => file.endsWith('responses.arrow'))!));
    expect(responses.numRows).toBe(2200);
    expect(responses.batches.length).toBeGreaterThan(1);
    expect(new Set(responses.getChild('query_id')!.toArray()).size).toBe(1100);
  });

  it('writes empty but valid files for a run with no rows', async () => {
    await store.createRun({ runId: 'empty', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
    const files = await store.exportRun('empty', 'arrow', join(dir.path, 'out-empty'));
    const queries = tableFromIPC(readFileSync(files.find((file) => file.endsWith('queries.arrow'))!));
    expect(queries.numRows).toBe(0);
    expect(queries.schema.fields.map((field) => field.name)).toContain('query_id');
    const parquet = await store.exportRun('empty', 'parquet', join(dir.path, 'out-empty-parquet'));
    const [row] = await readBack(`SELECT count(*) AS n FROM read_parquet('${parquet[1]}')`);
    expect(row).toEqual({ n: 0 });
  });

  it('passes every free-text column through the redactor, keeping the schema, the other columns and NULLs', async () => {
    const seen: string[] = [];
    const redact = (text: string): string => {
      seen.push(text);
      return `<${text.length}>`;
    };
    const plain = await store.exportRun('exported', 'parquet', join(dir.path, 'out-plain'));
    const redacted = await store.exportRun('exported', 'parquet', join(dir.path, 'out-redacted'), redact);
    expect(seen.length).toBeGreaterThan(0);
    for (const [index, file] of redacted.entries()) {
      const relation = basename(file, '.parquet') as (typeof EXPORTED_RELATIONS)[number];
      const schemaOf = (path: string) => readBack(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${path}'))`);
      expect(await schemaOf(file), relation).toEqual(await schemaOf(plain[index]!));
      const before = await readBack(`SELECT * FROM read_parquet('${plain[index]}') ORDER BY ALL`);
      const after = await readBack(`SELECT * FROM read_parquet('${file}') ORDER BY ALL`);
      const columns = FREE_TEXT_COLUMNS[relation] ?? [];
      for (const [row, original] of before.entries()) {
        const expected = Object.fromEntries(
          Object.entries(original).map(([column, value]) => [column, columns.includes(column) && typeof value === 'string' ? `<${value.length}>` : value]),
        );
        expect(after[row], relation).toEqual(expected);
      }
    }
    // NULL free text stays NULL (an answer's error, say), not the redaction of an empty string.
    const [errors] = await readBack(`SELECT count(*) FILTER (WHERE error IS NULL) AS nulls FROM read_parquet('${join(dir.path, 'out-redacted', 'responses.parquet')}')`);
    expect(Number(errors!['nulls'])).toBeGreaterThan(0);
  });

  it('rejects an unknown format', async () => {
    await expect(store.exportRun('exported', 'xlsx' as 'csv', join(dir.path, 'out-bad'))).rejects.toThrow(/export format 'xlsx'/);
  });
});
