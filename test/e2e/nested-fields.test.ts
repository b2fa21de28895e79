import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

/*
 * Issue 15, "nested fields" and "timestamps": a .json document of nested records replays with
 * --field paths (no DuckDB side door), a path that fails is a reject naming it, and a log with
 * epoch-second and epoch-millisecond timestamps gives the gate a monthly volume from the log.
 */

async function rows<T>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

const SAMPLE = readFileSync(join(ROOT, 'datasets/sample.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .slice(0, 40)
  .map((line) => JSON.parse(line) as { query_id: string; query: string; tier: string; timestamp: string; reference: string });

describe('nested field paths and .json documents', () => {
  it('replays a .json file holding records under a key, mapped with dotted paths and indexes; a broken path is a reject naming it', async () => {
    const dir = tempDir('hybrid-eval-nested-');
    const file = join(dir, 'export.json');
    const records = SAMPLE.slice(0, 6).map((record) => ({
      id: record.query_id,
      input: { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: record.query }] },
      metadata: { tier: record.tier, ts: Date.parse(record.timestamp) },
    }));
    records.splice(2, 0, { id: 'broken', input: { messages: 'flattened' } as never, metadata: { tier: 'simple', ts: 0 } });
    writeFileSync(file, JSON.stringify({ exported: '2025-03-04', records }, null, 2));
    const db = join(dir, 'results.duckdb');
    const replay = await runCli([
      'replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--db', db, '--run-id', 'nested', '--dataset', file,
      '--field', 'id=id', '--field', 'query=input.messages[-1].content', '--field', 'label=metadata.tier', '--field', 'timestamp=metadata.ts',
    ]);
    expect(replay.stderr).not.toContain('unexpected error');
    expect(replay.code).toBe(0);
    const queries = await rows<{ query_id: string; text: string; label: string; timestamp: string }>(db, `SELECT query_id, text, label, timestamp FROM queries WHERE run_id = 'nested' ORDER BY source_line`);
    expect(queries.map((query) => [query.query_id, query.text, query.label, query.timestamp])).toEqual(
      SAMPLE.slice(0, 6).map((record) => [record.query_id, record.query.trim(), record.tier, record.timestamp]),
    );
    const rejects = await rows<{ line: number; reason: string }>(db, `SELECT line, reason FROM rejects WHERE run_id = 'nested'`);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]!.reason).toBe('query: input.messages[-1].content: input.messages is a string, not an array');
    expect(readFileSync(file, 'utf8').split('\n')[rejects[0]!.line - 1]).toContain('{');
  });

  it("replays a .json file holding one array of records, with the issue's --field query=messages.3.content", async () => {
    const dir = tempDir('hybrid-eval-array-');
    const file = join(dir, 'records.json');
    const records = SAMPLE.slice(0, 5).map((record) => ({
      id: record.query_id,
      tier: record.tier,
      ts: record.timestamp,
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: record.query },
      ],
    }));
    writeFileSync(file, JSON.stringify(records, null, 2));
    const db = join(dir, 'results.duckdb');
    const fields = ['--field', 'id=id', '--field', 'label=tier', '--field', 'timestamp=ts'];
    const base = ['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--db', db, '--dataset', file, ...fields];
    // Records with messages read as chat requests: the query is their last user message, and a
    // query mapping says so instead of reporting the query missing.
    const chat = await runCli([...base, '--run-id', 'chat', '--field', 'query=messages.3.content']);
    expect(chat.code).toBe(2);
    expect(chat.stderr).toContain("field 'query' cannot be mapped for this log: the query is the last user message of each request");
    const asChat = await runCli([...base, '--run-id', 'chat']);
    expect(asChat.code, asChat.stderr).toBe(0);
    // Read as plain JSON records, the dotted path with a numeric step maps the query.
    const asRecords = await runCli([...base, '--run-id', 'records', '--format', 'json', '--field', 'query=messages.3.content']);
    expect(asRecords.code, asRecords.stderr).toBe(0);
    for (const run of ['chat', 'records']) {
      const queries = await rows<{ query_id: string; text: string; label: string }>(db, `SELECT query_id, text, label FROM queries WHERE run_id = ? ORDER BY source_line`, [run]);
      expect(queries.map((query) => [query.query_id, query.text, query.label])).toEqual(SAMPLE.slice(0, 5).map((record) => [record.query_id, record.query.trim(), record.tier]));
    }
  }, 240_000);

  it('says which path cannot be split before a run starts', async () => {
    const result = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--dataset', 'datasets/sample.jsonl', '--field', 'query=input.messages[-1', '--db', join(tempDir(), 'x.duckdb')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad field path 'input\.messages\[-1': an unclosed \[/);
  });
});

describe('epoch timestamps', () => {
  it('are normalised at ingest so the gate works out the monthly volume from the log; a timestamp in no known form is a reject', async () => {
    const dir = tempDir('hybrid-eval-epoch-');
    const file = join(dir, 'epoch.jsonl');
    const lines = SAMPLE.map((record, index) => {
      const seconds = Date.parse(record.timestamp) / 1000;
      return JSON.stringify({ ...record, timestamp: index % 2 === 0 ? seconds : seconds * 1000 });
    });
    lines.splice(5, 0, JSON.stringify({ ...SAMPLE[0], query_id: 'when', timestamp: 'last tuesday' }));
    writeFileSync(file, lines.join('\n') + '\n');
    const config = join(dir, 'config.yaml');
    const yaml = readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8');
    expect(yaml).toContain('  monthly_queries: 1000000\n');
    writeFileSync(config, yaml.replace('volume:\n  monthly_queries: 1000000\n', ''));
    const db = join(dir, 'results.duckdb');
    const replay = await runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--db', db, '--run-id', 'epoch', '--dataset', file]);
    expect(replay.code).toBe(0);
    const stored = await rows<{ timestamp: string }>(db, `SELECT timestamp FROM queries WHERE run_id = 'epoch' ORDER BY source_line`);
    expect(stored.map((row) => row.timestamp)).toEqual(SAMPLE.map((record) => record.timestamp));
    const rejects = await rows<{ line: number; reason: string }>(db, `SELECT line, reason FROM rejects WHERE run_id = 'epoch'`);
    expect(rejects).toEqual([{ line: 6, reason: 'timestamp: "last tuesday" is not ISO 8601, epoch seconds or epoch milliseconds' }]);

    const gate = await runCli(['gate', '--run', 'epoch', '--db', db, '--results', dir, '--plan', 'suites/rollout.yaml']);
    expect([0, 1, 3]).toContain(gate.code);
    expect(gate.stdout).toMatch(/projected_monthly_cost_usd: \$[\d,]+ at [\d,]+ queries\/month/);
    expect(gate.stdout).not.toContain('monthly volume unknown');
    const report = readFileSync(join(dir, 'epoch', 'report.md'), 'utf8');
    expect(report).toMatch(/Volume: [\d,]+ queries\/month from the log: 40 timestamped queries/);
    // Two CLI runs on a shared, loaded machine: a ceiling, not a timed assertion.
  }, 240_000);
});
