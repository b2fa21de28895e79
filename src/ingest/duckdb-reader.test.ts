import { existsSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { sqlString } from './duckdb-reader.ts';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('duckdb');
const parquetPath = temp.path('logs.parquet');
const databasePath = temp.path('logs.duckdb');

const CREATE_LOGS = `
  CREATE TABLE logs AS SELECT * FROM (VALUES
    (101::BIGINT, 'What time do you open?', TIMESTAMP '2024-05-01 10:00:00', 'SIMPLE', 'We open at 9.', 'chat', 'wide payload 1'),
    (102::BIGINT, 'My modem blinks orange', TIMESTAMP '2024-05-01 10:05:00', 'medium', NULL, 'email', 'wide payload 2'),
    (103::BIGINT, '   ', NULL, 'simple', NULL, NULL, 'wide payload 3'),
    (104::BIGINT, 'Bad label row', NULL, 'vip', NULL, NULL, 'wide payload 4'),
    (101::BIGINT, 'Duplicate id row', NULL, NULL, NULL, NULL, 'wide payload 5'),
    (105::BIGINT, NULL, NULL, NULL, NULL, NULL, 'wide payload 6')
  ) AS t(query_id, query_text, timestamp, tier, response, channel, payload)`;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(databasePath);
  const connection = await instance.connect();
  await connection.run(CREATE_LOGS);
  await connection.run(`CREATE SCHEMA archive`);
  await connection.run(`CREATE TABLE archive.old_logs AS SELECT query_id, query_text FROM logs WHERE query_id = 102`);
  await connection.run(`COPY logs TO ${sqlString(parquetPath)} (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
});
afterAll(() => temp.cleanup());

const mapping = { query: 'query_text', answer: 'response' };

const expectedQueries = (file: string) => [
  {
    queryId: '101',
    text: 'What time do you open?',
    timestamp: '2024-05-01T10:00:00Z',
    label: 'simple',
    loggedAnswer: 'We open at 9.',
    channel: 'chat',
    source: { file, line: 1 },
  },
  { queryId: '102', text: 'My modem blinks orange', timestamp: '2024-05-01T10:05:00Z', label: 'medium', channel: 'email', source: { file, line: 2 } },
];

const expectedRejects = [
  [3, 'query: empty'],
  [4, 'label: "vip" is not a tier (simple, medium, complex)'],
  [5, 'duplicate query id 101 (first at line 1)'],
  [6, 'query: missing'],
];

describe('Parquet logs', () => {
  it('streams rows through read_parquet, row numbers standing in for lines', async () => {
    const reader = await openLog({ path: parquetPath, mapping });
    expect(reader.format).toBe('parquet');
    expect(reader.columns).toEqual(['query_id', 'query_text', 'timestamp', 'tier', 'response', 'channel', 'payload']);
    const { queries, rejects } = await collect(reader);
    expect(queries).toEqual(expectedQueries(parquetPath));
    expect(rejects.map(({ line, reason }) => [line, reason])).toEqual(expectedRejects);
    expect(rejects[1]!.raw).toContain('"tier":"vip"');
  });

  it('streams a file with many chunks in order', async () => {
    const path = temp.path('big.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT 'question ' || i AS query FROM range(20000) t(i)) TO ${sqlString(path)} (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
    expect(rejects).toEqual([]);
    expect(queries).toHaveLength(20000);
    expect(queries[19999]).toMatchObject({ queryId: 'L20000', text: 'question 19999' });
  });

  it('releases DuckDB when the consumer stops early', async () => {
    const reader = await openLog({ path: parquetPath, mapping });
    for await (const item of reader.items()) {
      expect(item.kind).toBe('query');
      break;
    }
    await reader.close();
    await reader.close();
  });

  it('names the field, the missing column and the schema when the mapping is wrong', async () => {
    await expect(openLog({ path: parquetPath, mapping: { query: 'question' } })).rejects.toThrow(
      `${parquetPath}: field 'query' is mapped to column 'question', which does not exist; columns: query_id, query_text, timestamp, tier, response, channel, payload`,
    );
  });

  it('turns a file that is not Parquet into a UsageError', async () => {
    const path = temp.path('fake.parquet');
    writeFileSync(path, 'not parquet at all');
    await expect(openLog({ path, mapping })).rejects.toThrow(UsageError);
  });
});

describe('DuckDB logs', () => {
  it('reads a table from the file attached read-only', async () => {
    const reader = await openLog({ path: databasePath, mapping, table: 'logs' });
    expect(reader.format).toBe('duckdb');
    const { queries, rejects } = await collect(reader);
    expect(queries).toEqual(expectedQueries(databasePath));
    expect(rejects.map(({ line, reason }) => [line, reason])).toEqual(expectedRejects);
  });

  it('reads a schema-qualified table', async () => {
    const { queries } = await collect(await openLog({ path: databasePath, mapping: { query: 'query_text' }, table: 'archive.old_logs' }));
    expect(queries).toEqual([{ queryId: '102', text: 'My modem blinks orange', source: { file: databasePath, line: 1 } }]);
  });

  it('reads the result of an sql query', async () => {
    const reader = await openLog({
      path: databasePath,
      mapping: { id: 'qid', query: 'q' },
      sql: 'SELECT query_id AS qid, upper(query_text) AS q FROM logs WHERE query_id IN (101, 102) AND tier IS NOT NULL ORDER BY query_id DESC;',
    });
    expect(reader.columns).toEqual(['qid', 'q']);
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(queries.map((query) => [query.queryId, query.text, query.source.line])).toEqual([
      ['102', 'MY MODEM BLINKS ORANGE', 1],
      ['101', 'WHAT TIME DO YOU OPEN?', 2],
    ]);
  });

  it('leaves the file untouched: the attachment is read-only', async () => {
    const reader = await openLog({ path: databasePath, mapping, sql: 'SELECT * FROM logs' });
    await reader.close();
    await expect(openLog({ path: databasePath, mapping, sql: 'DELETE FROM logs' })).rejects.toThrow(UsageError);
    const { queries } = await collect(await openLog({ path: databasePath, mapping, table: 'logs' }));
    expect(queries).toHaveLength(2);
  });

  it('runs exactly one read-only SELECT: other statements, scripts and file access are refused in one line', async () => {
    const victim = temp.path('victim.duckdb');
    const victimInstance = await DuckDBInstance.create(victim);
    const victimConnection = await victimInstance.connect();
    await victimConnection.run('CREATE TABLE human_ratings AS SELECT range AS id FROM range(62)');
    victimConnection.closeSync();
    victimInstance.closeSync();
    const pwned = temp.path('pwned.csv');
    const refused: Array<[string, RegExp]> = [
      [`SELECT * FROM logs; COPY (SELECT 'pwned') TO ${sqlString(pwned)}`, /exactly one SELECT statement, got 2 statements/],
      [`SELECT * FROM logs; ATTACH ${sqlString(victim)} AS victim; DROP TABLE victim.human_ratings`, /got 3 statements/],
      [`COPY (SELECT 'pwned') TO ${sqlString(pwned)}`, /dataset\.sql.*(COPY|Permission Error)/],
      [`ATTACH ${sqlString(victim)} AS victim`, /dataset\.sql.*(ATTACH|Permission Error)/],
      ['DELETE FROM logs', /dataset\.sql/],
      ["SET enable_external_access = true", /dataset\.sql/],
      [`SELECT * FROM read_csv(${sqlString(victim)})`, /file system operations are disabled/],
      // query() runs a SQL string: DuckDB itself allows only a SELECT there.
      [`SELECT query_text FROM logs UNION ALL SELECT * FROM query(${sqlString(`ATTACH ${sqlString(victim)} AS v`)})`, /dataset\.sql.*Expected a single SELECT statement/],
      ['  -- nothing to run\n', /holds no statement/],
      ['SELEC query_text FROM logs', /does not parse/],
    ];
    for (const [sql, message] of refused) {
      const error = await openLog({ path: databasePath, mapping, sql }).catch((caught: unknown) => caught);
      expect(error, sql).toBeInstanceOf(UsageError);
      expect((error as Error).message, sql).toMatch(message);
      expect((error as Error).message, sql).not.toContain('\n');
    }
    expect(existsSync(pwned)).toBe(false);
    const check = await DuckDBInstance.create(victim);
    const connection = await check.connect();
    expect((await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM human_ratings')).getRowObjectsJson()).toEqual([{ n: 62 }]);
    connection.closeSync();
    check.closeSync();
  });

  it('reads WITH ... SELECT, and a query ending in a comment', async () => {
    const { queries } = await collect(
      await openLog({ path: databasePath, mapping, sql: 'WITH good AS (SELECT * FROM logs WHERE tier IS NOT NULL) SELECT * FROM good -- the labelled ones' }),
    );
    expect(queries.map((query) => query.queryId)).toEqual(['101', '102']);
  });

  it('explains a missing table, a missing column and a missing table/sql choice', async () => {
    await expect(openLog({ path: databasePath, mapping, table: 'nope' })).rejects.toThrow(/cannot read table 'nope'.*nope/);
    await expect(openLog({ path: databasePath, mapping: { query: 'query_text', answer: 'reply' }, table: 'logs' })).rejects.toThrow(
      /field 'answer' is mapped to column 'reply', which does not exist; columns: query_id, query_text/,
    );
    await expect(openLog({ path: databasePath, mapping })).rejects.toThrow(/needs a table or an sql query/);
    await expect(openLog({ path: databasePath, mapping, table: 'logs', sql: 'SELECT 1' })).rejects.toThrow(/not both/);
  });

  it('turns a file that is not a DuckDB database into a UsageError', async () => {
    const path = temp.path('fake.duckdb');
    writeFileSync(path, 'not a database');
    await expect(openLog({ path, mapping, table: 'logs' })).rejects.toThrow(/cannot open as a DuckDB database/);
  });
});
