import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedRequest } from '../core/conversation.ts';
import { storageFeatures } from './migrate.ts';
import { openStore } from './store.ts';
import { query, response, route, tempDir } from './test-records.ts';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const request = (index: number): LoggedRequest => ({
  model: 'gpt-4-0613',
  messages: [
    { role: 'user', content: `Hi, I have a question about my order NW-${300000 + index}. I ordered it two weeks ago with a few other things.` },
    { role: 'assistant', content: `Your order NW-${300000 + index} shipped with FedEx and should arrive on Saturday. The tracking number is 1309406${index}.` },
    { role: 'user', content: `Thanks. One more question, not about the delivery: can I change the colour of item ${index % 7}?` },
  ],
  tools: undefined,
  parameters: { temperature: 0.3, max_tokens: 512 },
});

/** Writes `count` multi-turn queries with their answers, checkpoints, and reads back what DuckDB stored. */
async function writeAndInspect(path: string, count: number): Promise<{ storageVersion: unknown; compression: Record<string, string> }> {
  const store = await openStore(path);
  try {
    await store.createRun({ runId: 'r', mode: 'shadow', dataset: 'chat.jsonl', policy: 'oracle', config: {} });
    const ids = Array.from({ length: count }, (_, index) => `q${String(index).padStart(5, '0')}`);
    await store.writeBatch('r', {
      queries: ids.map((id, index) => query(id, { conversationId: `conv-${index}`, turnIndex: 2, text: request(index).messages[2]!.content, request: request(index) })),
      routes: ids.map((id) => route('r', id, 'simple')),
      responses: ids.flatMap((id, index) => [
        response('r', id, 'candidate', { output: `You can change the colour of item ${index % 7} within 14 days of delivery: open the order, choose Change, and pick the new colour. ${id}` }),
        response('r', id, 'baseline', { output: `Yes: colours can be changed within 14 days of delivery from the order page (Change, then the colour). ${id}` }),
      ]),
    });
    await store.all('CHECKPOINT');
    const [tag] = await store.all(`SELECT tags['storage_version'] AS v FROM duckdb_databases() WHERE database_name = current_database()`);
    const rows = await store.all(
      `SELECT table_name || '.' || column_name AS col, string_agg(DISTINCT compression, ',' ORDER BY compression) AS compression
       FROM (SELECT 'queries' AS table_name, * FROM pragma_storage_info('queries') UNION ALL SELECT 'responses', * FROM pragma_storage_info('responses'))
       WHERE segment_type = 'VARCHAR' AND column_name IN ('request_json', 'output', 'text') GROUP BY ALL`,
    );
    return { storageVersion: tag?.['v'], compression: Object.fromEntries(rows.map((row) => [String(row['col']), String(row['compression'])])) };
  } finally {
    await store.close();
  }
}

describe('long free-text columns', () => {
  it('a new file is in the v1.2 storage format and keeps whole requests and answers ZSTD-compressed; other text is DuckDB\'s choice', async () => {
    const { storageVersion, compression } = await writeAndInspect(join(dir.path, 'new.duckdb'), 3000);
    expect(storageVersion).toBe('v1.2.0+');
    expect(compression['queries.request_json']).toBe('ZSTD');
    expect(compression['responses.output']).toBe('ZSTD');
    expect(compression['queries.text']).not.toContain('ZSTD');
  });

  it('a file created in the older format keeps it, and its long text is not forced to ZSTD (v1.0 would store it uncompressed)', async () => {
    const path = join(dir.path, 'old.duckdb');
    // What hybrid-eval (and DuckDB by default) created before: an empty file in the v1.0 format.
    const instance = await DuckDBInstance.create(path);
    instance.closeSync();
    const { storageVersion, compression } = await writeAndInspect(path, 3000);
    expect(storageVersion).toBe('v1.0.0+');
    const reopened = await DuckDBInstance.create(path);
    const connection = await reopened.connect();
    try {
      expect(await storageFeatures(connection)).toEqual({ longText: '' });
    } finally {
      connection.closeSync();
      reopened.closeSync();
    }
    // Which method DuckDB then picks is its own choice and not asserted: its FSST analysis samples
    // vectors at random (ANALYSIS_SAMPLE_SIZE 0.25), and on this data it chose Uncompressed for one of
    // the two columns in 7 of 80 runs, FSST otherwise.
    for (const column of ['queries.request_json', 'responses.output']) {
      expect(compression[column]).toBeDefined();
      expect(compression[column]).not.toContain('ZSTD');
    }
  });
});
