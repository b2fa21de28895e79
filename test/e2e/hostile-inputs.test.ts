import { existsSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, writeConfig } from '../fixtures/reliability/harness.ts';
import { runCli, tempDir, type CliResult } from './cli.ts';

/*
 * A corpus of hostile logs, generated here into a temp folder (nothing binary is committed), each
 * replayed through the real CLI against the sim. Every bad record is a reject row naming file, line
 * and reason, and the run goes on; a file that cannot be read at all is one clear line and exit 2
 * with no run created; a file that breaks part-way leaves its run 'failed', never 'complete'.
 * Never an "unexpected error", never exit 1.
 */

const MB10 = 10 * 1024 * 1024;
let dir: string;
let config: string;

const replay = (dataset: string, db: string, runId: string): Promise<CliResult> =>
  runCli(['replay', '-c', config, '--dataset', dataset, '--sim', '--sim-time-scale', '0', '--db', db, '--run-id', runId]);

interface RejectRow {
  file: string;
  line: number;
  reason: string;
  raw: string | null;
}

function noCrash(result: CliResult): void {
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(result.code).not.toBe(1);
  expect(result.signal).toBeNull();
}

/** A run that could not start leaves nothing behind: no file, or a file without that run. */
async function noRun(db: string, runId: string): Promise<void> {
  if (!existsSync(db)) return;
  expect(await rows(db, 'SELECT run_id FROM runs WHERE run_id = ?', [runId])).toEqual([]);
}

const nested = (depth: number, leaf: string): string => '['.repeat(depth) + leaf + ']'.repeat(depth);
const nestedObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const text = (value: string): Buffer => Buffer.from(value);

/** JSONL: [content of the line, expected outcome]; lines end in CRLF, the file starts with a BOM. */
const JSONL_LINES: Array<[Buffer, { query: string } | { reason: RegExp }]> = [
  [json({ query_id: 'h1', query: 'What is your return policy?', tier: 'simple' }), { query: 'h1' }],
  [Buffer.concat([text('{"query_id":"h2","query":"bad '), Buffer.from([0xff, 0xfe]), text(' bytes"}')]), { reason: /^invalid UTF-8 at byte 31 of the line/ }],
  [json({ query_id: 'h3', query: 'nul \u0000 escaped' }), { reason: /^query: contains a NUL byte$/ }],
  [Buffer.concat([json({ query_id: 'h4', query: 'raw nul after' }), Buffer.from([0])]), { reason: /^invalid JSON: / }],
  [text(`{"query_id":"h5","query":${nested(100_000, '"x"')}}`), { reason: /^query: expected a string, got array$/ }],
  [text(`{"query_id":"h6","query":"deep flag","sensitive":${nested(100_000, 'true')}}`), { reason: /^sensitive: expected a boolean, got array$/ }],
  [text(`{"query_id":"h7","query":"Do you ship to Canada?","extra":${nestedObject(10_000)}}`), { query: 'h7' }],
  [json({ query_id: 'h8', query: 12345 }), { reason: /^query: expected a string, got number$/ }],
  [json({ query_id: { x: 1 }, query: 'object id' }), { reason: /^id: expected a string or number, got object$/ }],
  [json({ query_id: 'h10', query: 'tier wrong', tier: 3 }), { reason: /^label: expected a string, got number$/ }],
  [json({ query_id: 'h11', query: 'reference array', reference: ['a'] }), { reason: /^reference: expected a string, got array$/ }],
  [json({ query_id: 'h1', query: 'same id again' }), { reason: /^duplicate query id h1 \(first at line 1\)$/ }],
  [json({ query_id: 'h13', query: 'x'.repeat(MB10) }), { reason: /^line longer than 1048576 bytes \(104857\d\d bytes\)$/ }],
  [json({ query_id: 'h14', query: 'How do I track my order?', tier: 'medium' }), { query: 'h14' }],
  [text('null'), { reason: /^not a JSON object$/ }],
  [text('\ufeff{"query_id":"h16","query":"a BOM in the middle"}'), { reason: /^invalid JSON: / }],
  [json({ query_id: 'h17', query: '   ' }), { reason: /^query: empty$/ }],
  [json({ query_id: 'h18', query: 'Unicode \u2713 \u{1F600} \u00fcn\u00efc\u00f6d\u00e9 \u2028 separator', tier: 'complex' }), { query: 'h18' }],
  [text('{"query_id":"h19","query":"raw\rcarriage return"}'), { reason: /^invalid JSON: / }],
  [text('[1, 2]'), { reason: /^not a JSON object$/ }],
];

beforeAll(async () => {
  dir = tempDir('hybrid-eval-hostile-');
  config = writeConfig(dir, { batchSize: 5, maxInFlight: 8 });

  // A blank line in the middle (skipped, but counted) checks that line numbers keep counting.
  const jsonl = [Buffer.from('\ufeff'), ...JSONL_LINES.flatMap(([line], index) => (index === 13 ? [text('\r\n'), line, text('\r\n')] : [line, text('\r\n')]))];
  writeFileSync(join(dir, 'hostile.jsonl'), Buffer.concat(jsonl));

  const csv = Buffer.concat([
    text('\ufeffquery_id,query,tier,reference\r\n'),
    text('c1,"Hello, ""quoted"" world, with commas",simple,\r\n'),
    text('c2,"multi\r\nline query",medium,\r\n'),
    text('c3,bad '), Buffer.from([0xc3, 0x28]), text(' bytes,simple,\r\n'),
    text('c4,"nul \u0000 inside",simple,\r\n'),
    text('c1,duplicate id,simple,\r\n'),
    text('c5,too,many,fields,here\r\n'),
    text('c6,"  ",simple,\r\n'),
    text('c7,ok query,urgent,\r\n'),
    text('c8,"Unicode \u2713 \u{1F600}",complex,"ref, with comma"\r\n'),
    text('c9,"unclosed quote runs to the end,simple,\r\n'),
  ]);
  writeFileSync(join(dir, 'hostile.csv'), csv);

  writeFileSync(
    join(dir, 'huge-record.csv'),
    Buffer.concat([
      text('query_id,query,tier\n'),
      text('g1,Where is my order?,medium\ng2,Can I return a lamp?,simple\ng3,Do you price match?,medium\n'),
      text(`g4,"${'y'.repeat(MB10)}",simple\n`),
      text('g5,Is the sofa in stock?,simple\n'),
    ]),
  );

  writeFileSync(join(dir, 'all-bad.jsonl'), Buffer.concat([Buffer.from([0xff, 0x00, 0x0a]), text('{"query": 1}\n'), text(nested(50_000, '0') + '\n')]));
  writeFileSync(join(dir, 'bom-only.jsonl'), Buffer.from('\ufeff\r\n\r\n'));

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM (VALUES
          ('p1', 'Where is my order?', 'medium'),
          ('p2', NULL, 'simple'),
          ('p1', 'a duplicate id', 'simple'),
          ('p3', 'tier that is not one', 'urgent'),
          ('p4', 'Can I change my delivery address?', 'simple')
        ) AS t(query_id, query, tier)) TO '${join(dir, 'hostile.parquet')}' (FORMAT parquet)`,
    );
    await connection.run(
      `COPY (SELECT 'q' || i AS query_id, 'question ' || i AS query, 'simple' AS tier FROM range(2000) t(i)) TO '${join(dir, 'truncated.parquet')}' (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  truncateSync(join(dir, 'truncated.parquet'), Math.floor(statSync(join(dir, 'truncated.parquet')).size * 0.6));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hostile logs through replay', () => {
  it('JSONL: BOM, CRLF, invalid UTF-8, NUL, 100k-deep nesting, wrong types, duplicate ids, a 10 MB line: each a reject on its line', async () => {
    const file = join(dir, 'hostile.jsonl');
    const db = join(dir, 'jsonl.duckdb');
    const result = await replay(file, db, 'jsonl');
    noCrash(result);
    expect(result.code, result.stderr).toBe(0);
    const expected = JSONL_LINES.map(([, outcome], index) => ({ line: index < 13 ? index + 1 : index + 2, outcome }));
    const wantedQueries = expected.filter((entry) => 'query' in entry.outcome);
    const wantedRejects = expected.filter((entry) => 'reason' in entry.outcome);
    expect(result.stdout).toContain(`${wantedQueries.length} queries replayed, ${wantedRejects.length} rejected lines`);

    const stored = await rows<{ query_id: string; source_line: number; source_file: string }>(db, `SELECT query_id, source_line, source_file FROM queries WHERE run_id = 'jsonl' ORDER BY source_line`);
    expect(stored).toEqual(wantedQueries.map((entry) => ({ query_id: (entry.outcome as { query: string }).query, source_line: entry.line, source_file: file })));
    const [unicode] = await rows<{ text: string }>(db, `SELECT text FROM queries WHERE run_id = 'jsonl' AND query_id = 'h18'`);
    expect(unicode!.text).toBe('Unicode \u2713 \u{1F600} \u00fcn\u00efc\u00f6d\u00e9 \u2028 separator');

    const rejects = await rows<RejectRow>(db, `SELECT file, line, reason, raw FROM rejects WHERE run_id = 'jsonl' ORDER BY line`);
    expect(rejects.map((reject) => reject.line)).toEqual(wantedRejects.map((entry) => entry.line));
    rejects.forEach((reject, index) => {
      expect(reject.file).toBe(file);
      expect(reject.reason).toMatch((wantedRejects[index]!.outcome as { reason: RegExp }).reason);
      expect((reject.raw ?? '').length).toBeLessThanOrEqual(200);
    });
    const [run] = await rows<{ status: string; query_count: number; reject_count: number }>(db, `SELECT status, query_count, reject_count FROM runs WHERE run_id = 'jsonl'`);
    expect(run).toEqual({ status: 'complete', query_count: wantedQueries.length, reject_count: wantedRejects.length });
  }, 60_000);

  it('CSV: BOM, CRLF, quotes, commas, line breaks in fields, invalid UTF-8, NUL, duplicates, wrong field counts, an unclosed quote', async () => {
    const file = join(dir, 'hostile.csv');
    const db = join(dir, 'csv.duckdb');
    const result = await replay(file, db, 'csv');
    noCrash(result);
    expect(result.code, result.stderr).toBe(0);
    const stored = await rows<{ query_id: string; source_line: number; text: string; reference: string | null }>(
      db,
      `SELECT query_id, source_line, text, reference FROM queries WHERE run_id = 'csv' ORDER BY source_line`,
    );
    expect(stored).toEqual([
      { query_id: 'c1', source_line: 2, text: 'Hello, "quoted" world, with commas', reference: null },
      { query_id: 'c2', source_line: 3, text: 'multi\r\nline query', reference: null },
      { query_id: 'c8', source_line: 11, text: 'Unicode \u2713 \u{1F600}', reference: 'ref, with comma' },
    ]);
    const rejects = await rows<RejectRow>(db, `SELECT file, line, reason FROM rejects WHERE run_id = 'csv' ORDER BY line`);
    expect(rejects).toEqual([
      { file, line: 5, reason: 'invalid UTF-8 (the log must be UTF-8 text)' },
      { file, line: 6, reason: 'query: contains a NUL byte' },
      { file, line: 7, reason: 'duplicate query id c1 (first at line 2)' },
      { file, line: 8, reason: 'expected 4 fields as in the header, got 5' },
      { file, line: 9, reason: 'query: empty' },
      { file, line: 10, reason: 'label: "urgent" is not a tier (simple, medium, complex)' },
      { file, line: 12, reason: 'unclosed quote: the record runs to the end of the file' },
    ]);
  }, 60_000);

  it('Parquet: a null query, a duplicate id and a bad tier are rejects on their row numbers', async () => {
    const file = join(dir, 'hostile.parquet');
    const db = join(dir, 'parquet.duckdb');
    const result = await replay(file, db, 'parquet');
    noCrash(result);
    expect(result.code, result.stderr).toBe(0);
    expect(await rows(db, `SELECT query_id, source_line FROM queries WHERE run_id = 'parquet' ORDER BY source_line`)).toEqual([
      { query_id: 'p1', source_line: 1 },
      { query_id: 'p4', source_line: 5 },
    ]);
    expect(await rows(db, `SELECT line, reason FROM rejects WHERE run_id = 'parquet' ORDER BY line`)).toEqual([
      { line: 2, reason: 'query: missing' },
      { line: 3, reason: 'duplicate query id p1 (first at line 1)' },
      { line: 4, reason: 'label: "urgent" is not a tier (simple, medium, complex)' },
    ]);
  }, 60_000);

  it('a truncated Parquet file: one line naming it, exit 2, no run', async () => {
    const file = join(dir, 'truncated.parquet');
    const db = join(dir, 'truncated.duckdb');
    const result = await replay(file, db, 'truncated');
    noCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`${file}: cannot read the Parquet file`);
    await noRun(db, 'truncated');
  }, 60_000);

  it('a log with no valid record, or only a BOM and blank lines: exit 2, no run', async () => {
    for (const [name, message] of [
      ['all-bad.jsonl', /dataset has no valid query: all 3 records of .*all-bad\.jsonl were rejected \(first: line 1: invalid UTF-8/],
      ['bom-only.jsonl', /dataset is empty: .*bom-only\.jsonl/],
    ] as const) {
      const db = join(dir, `${name}.duckdb`);
      const result = await replay(join(dir, name), db, 'empty');
      noCrash(result);
      expect(result.code, name).toBe(2);
      expect(result.stderr).toMatch(message);
      await noRun(db, 'empty');
    }
  }, 60_000);

  it('a 10 MB CSV record part-way: the error names file and line, and the run is left failed, not complete', async () => {
    const file = join(dir, 'huge-record.csv');
    const db = join(dir, 'huge.duckdb');
    const result = await replay(file, db, 'huge');
    noCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:5: record longer than 1048576 bytes`);
    const [run] = await rows<{ status: string; finished: boolean }>(db, `SELECT status, finished_at IS NOT NULL AS finished FROM runs WHERE run_id = 'huge'`);
    expect(run).toEqual({ status: 'failed', finished: true });
    // Whatever was stored before is whole: no query without both of its calls.
    const [orphans] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM pairs WHERE run_id = 'huge' AND (candidate_status IS NULL OR baseline_status IS NULL)`);
    expect(orphans!.n).toBe(0);
  }, 60_000);
});
