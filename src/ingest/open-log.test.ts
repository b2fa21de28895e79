import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { detectFormat, openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('open-log');
afterAll(() => temp.cleanup());

describe('openLog', () => {
  it('picks the format from the extension', () => {
    expect(detectFormat('a/b.jsonl')).toBe('jsonl');
    expect(detectFormat('b.NDJSON')).toBe('jsonl');
    expect(detectFormat('b.csv')).toBe('csv');
    expect(detectFormat('b.parquet')).toBe('parquet');
    expect(detectFormat('b.duckdb')).toBe('duckdb');
    expect(detectFormat('b.db')).toBe('duckdb');
  });

  it('refuses an unknown extension with a UsageError listing the known ones', async () => {
    const path = temp.path('log.txt');
    writeFileSync(path, 'query\nhello\n');
    await expect(openLog({ path, mapping: {} })).rejects.toThrow(UsageError);
    await expect(openLog({ path, mapping: {} })).rejects.toThrow(/unknown log format '\.txt'; expected one of \.jsonl, \.ndjson, \.csv/);
    expect(() => detectFormat('noextension')).toThrow(/'\(no extension\)'/);
  });

  it('lets an explicit format override the extension', async () => {
    const path = temp.path('log.txt');
    writeFileSync(path, 'query\nhello\n');
    const { queries } = await collect(await openLog({ path, format: 'csv', mapping: {} }));
    expect(queries.map((query) => query.text)).toEqual(['hello']);
  });

  it('says "dataset not found" for a missing file, before anything else', async () => {
    const path = temp.path('missing.jsonl');
    await expect(openLog({ path, mapping: {} })).rejects.toThrow(new UsageError(`dataset not found: ${path}`));
    const folder = temp.path('folder.csv');
    mkdirSync(folder);
    await expect(openLog({ path: folder, mapping: {} })).rejects.toThrow(`dataset is not a file: ${folder}`);
  });

  it('refuses a mapping without a query column', async () => {
    const path = temp.path('ok.jsonl');
    writeFileSync(path, '{"query":"hi"}\n');
    await expect(openLog({ path, mapping: { query: '' } })).rejects.toThrow(/needs a column for 'query'/);
  });
});
