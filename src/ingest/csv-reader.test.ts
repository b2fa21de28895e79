import { existsSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../core/errors.ts';
import { openCsv } from './csv-reader.ts';
import { resolveMapping } from './field-mapping.ts';
import { openLog } from './open-log.ts';
import { sqlString } from './duckdb-reader.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('csv');
afterAll(() => temp.cleanup());

function write(name: string, content: string): string {
  const path = temp.path(name);
  writeFileSync(path, content);
  return path;
}

const BITEXT = new URL('../../../shared/data/bitext/responses-detailed.csv', import.meta.url).pathname;

describe('CSV logs', () => {
  it('reads quoted multi-line fields with a custom mapping, reporting the line each record starts on', async () => {
    const path = write(
      'support.csv',
      [
        'instruction,intent,response',
        'cancel my order,cancel_order,"Sure.',
        'Step 1: log in.',
        'Step 2: click ""Cancel""."',
        '"where is my parcel, please",track,It is on its way.',
        '',
        ',track,empty query',
        'short row,only two',
        'last one,refund,"Refunds take',
        '5 days."',
      ].join('\n'),
    );
    const reader = await openLog({ path, mapping: { query: 'instruction', answer: 'response' } });
    expect(reader.format).toBe('csv');
    expect(reader.columns).toEqual(['instruction', 'intent', 'response']);
    const { queries, rejects } = await collect(reader);
    expect(queries).toEqual([
      { queryId: 'L2', text: 'cancel my order', loggedAnswer: 'Sure.\nStep 1: log in.\nStep 2: click "Cancel".', source: { file: path, line: 2 } },
      { queryId: 'L5', text: 'where is my parcel, please', loggedAnswer: 'It is on its way.', source: { file: path, line: 5 } },
      { queryId: 'L9', text: 'last one', loggedAnswer: 'Refunds take\n5 days.', source: { file: path, line: 9 } },
    ]);
    expect(rejects).toEqual([
      { file: path, line: 7, reason: 'query: empty', raw: ',track,empty query' },
      { file: path, line: 8, reason: 'expected 3 fields as in the header, got 2', raw: 'short row,only two' },
    ]);
  });

  it('strips a BOM and counts CRLF lines right, also inside quoted fields', async () => {
    const path = write(
      'crlf.csv',
      '\uFEFFquery_id,query,tier\r\nq1,"line one\r\nline two\r\nline three",Medium\r\nq2,plain,simple\r\nq1,again,simple\r\nq3,bad tier,gold\r\n',
    );
    const reader = await openLog({ path, mapping: {} });
    expect(reader.columns).toEqual(['query_id', 'query', 'tier']);
    const { queries, rejects } = await collect(reader);
    expect(queries.map((query) => [query.queryId, query.source.line, query.label, query.text])).toEqual([
      ['q1', 2, 'medium', 'line one\r\nline two\r\nline three'],
      ['q2', 5, 'simple', 'plain'],
    ]);
    expect(rejects.map(({ line, reason }) => [line, reason])).toEqual([
      [6, 'duplicate query id q1 (first at line 2)'],
      [7, 'label: "gold" is not a tier (simple, medium, complex)'],
    ]);
  });

  it('fails up front when a mapped column is not in the header, naming field, column and columns', async () => {
    const path = write('header.csv', 'instruction,response\nhello,hi\n');
    const attempt = openLog({ path, mapping: { query: 'instruction', answer: 'reply' } });
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(openLog({ path, mapping: { query: 'instruction', answer: 'reply' } })).rejects.toThrow(
      `${path}: field 'answer' is mapped to column 'reply', which does not exist; columns: instruction, response`,
    );
    await expect(openLog({ path, mapping: {} })).rejects.toThrow(/field 'query' is mapped to column 'query'.*columns: instruction, response/);
  });

  it('skips default optional columns a log lacks', async () => {
    const path = write('minimal.csv', 'query\nhello\n');
    const { queries } = await collect(await openLog({ path, mapping: {} }));
    expect(queries).toEqual([{ queryId: 'L2', text: 'hello', source: { file: path, line: 2 } }]);
  });

  it('rejects an unclosed quote at the end of the file after the good records', async () => {
    const path = write('unclosed.csv', 'query,answer\nfine,ok\n"never closed,oops\nmore\n');
    const { queries, rejects } = await collect(await openLog({ path, mapping: { answer: 'answer' } }));
    expect(queries.map((query) => query.text)).toEqual(['fine']);
    expect(rejects).toEqual([{ file: path, line: 3, reason: 'unclosed quote: the record runs to the end of the file', raw: '"never closed,oops\nmore' }]);
  });

  it('stops with an InputError at the line of a runaway record', async () => {
    const path = write('runaway.csv', `query\nfine\n"${'x'.repeat(5000)}\n`);
    const reader = await openCsv(path, resolveMapping({}), { maxRecordBytes: 1000 });
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const item of reader.items()) if (item.kind === 'query') seen.push(item.query.text);
    };
    await expect(run()).rejects.toThrow(InputError);
    await expect(openCsv(path, resolveMapping({}), { maxRecordBytes: 1000 }).then((again) => collect(again))).rejects.toThrow(
      `${path}:3: record longer than 1000 bytes`,
    );
    expect(seen).toEqual(['fine']);
  });

  it('releases the file when the consumer stops early', async () => {
    const path = write('early.csv', 'query\none\ntwo\n');
    const reader = await openLog({ path, mapping: {} });
    for await (const item of reader.items()) {
      expect(item).toMatchObject({ kind: 'query', query: { text: 'one' } });
      break;
    }
    await reader.close();
    await reader.close();
  });

  it('rejects an empty file', async () => {
    const path = write('empty.csv', '');
    await expect(openLog({ path, mapping: {} })).rejects.toThrow(`${path}: empty CSV file, no header row`);
  });

  it.skipIf(!existsSync(BITEXT))('reads the Bitext sample (multi-line responses) with as many records as DuckDB read_csv', async () => {
    const reader = await openLog({ path: BITEXT, mapping: { query: 'instruction', answer: 'response' } });
    const { queries, rejects } = await collect(reader);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const counted = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_csv(${sqlString(BITEXT)})`);
    connection.closeSync();
    instance.closeSync();
    expect(rejects).toEqual([]);
    expect(queries.length).toBe(counted.getRowObjectsJson()[0]!['n']);
    expect(queries.length).toBe(3354);
    expect(queries.some((query) => query.loggedAnswer?.includes('\n'))).toBe(true);
    expect(queries[1]).toMatchObject({ queryId: 'L11', text: 'can you help me canceling purchase 00004587345?' });
  });
});

if (!existsSync(BITEXT)) {
  console.warn(`skipping the Bitext CSV test: ${BITEXT} is absent (it lives in ../shared/data on CI machines)`);
}
