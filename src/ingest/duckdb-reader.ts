import { resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InputError, UsageError } from '../core/errors.ts';
import type { IngestItem } from '../core/query.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import { readPath, rootOf } from './field-path.ts';
import type { LogFormat, LogReader } from './log-reader.ts';
import { flatHandler, type PrepareHandler, type RecordHandler } from './record-handler.ts';

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** What to read from the file, as SQL for an in-memory DuckDB. */
export type Relation =
  | { kind: 'parquet' }
  | { kind: 'table'; table: string }
  | { kind: 'sql'; sql: string };

const ATTACHED = 'log_source';

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.trim().replace(/\s*\n\s*/g, ' ') : String(error);
}

async function connect(file: string, relation: Relation): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  // Loaded lazily: the native module is heavy and JSONL/CSV runs never need it.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    if (relation.kind !== 'parquet') {
      try {
        await connection.run(`ATTACH ${sqlString(file)} AS ${ATTACHED} (READ_ONLY)`);
        await connection.run(`USE ${ATTACHED}`);
      } catch (error) {
        throw new UsageError(`${file}: cannot open as a DuckDB database: ${describeError(error)}`);
      }
    }
    await lockDown(connection, file);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  return { instance, connection };
}

/**
 * From here on the connection reads the source and nothing else: no file is written or read
 * (COPY, read_csv, ATTACH of the results database, EXPORT, extensions), save the source itself
 * (already attached, or the one Parquet file allowed), and the configuration is locked so SQL
 * cannot undo it. `dataset.sql` comes from a config that may come from a pull request.
 */
async function lockDown(connection: DuckDBConnection, file: string): Promise<void> {
  await connection.run(`SET allowed_paths = [${sqlString(resolve(file))}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

/**
 * `dataset.sql` is one read-only query, as DuckDB's own parser sees it: exactly one statement, of
 * type SELECT (WITH ... SELECT, FROM ..., VALUES and DESCRIBE are SELECTs to DuckDB). Anything else
 * is refused before it runs, in one line; the locked-down connection is the second line of defence.
 */
async function checkSingleSelect(connection: DuckDBConnection, sql: string, file: string): Promise<void> {
  const { StatementType } = await import('@duckdb/node-api');
  const what = `dataset.sql (over ${file})`;
  // DuckDB's extractor fails without a message on a string with no statement at all.
  if (sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() === '') throw new UsageError(`${what}: holds no statement; write one SELECT`);
  let extracted: Awaited<ReturnType<DuckDBConnection['extractStatements']>>;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw new UsageError(`${what}: does not parse: ${describeError(error).replace(/^Failed to extract statements: /, '')}`);
  }
  if (extracted.count !== 1) throw new UsageError(`${what}: must be exactly one SELECT statement, got ${extracted.count} statements`);
  let type: number;
  try {
    const prepared = await extracted.prepare(0);
    type = prepared.statementType;
    prepared.destroySync();
  } catch (error) {
    throw new UsageError(`${what}: ${describeError(error)}`);
  }
  if (type !== StatementType.SELECT) {
    throw new UsageError(`${what}: must be a read-only SELECT (or WITH ... SELECT), got a ${StatementType[type] ?? `type ${type}`} statement`);
  }
}

/**
 * Parquet (read_parquet) and DuckDB files (ATTACHed read-only), streamed chunk by chunk.
 * The 1-based row number stands in for the line.
 */
export interface DuckdbOptions {
  /** What the rows mean; default: flat rows read with `mapping`. */
  prepare?: PrepareHandler;
  format?: LogFormat;
  /** Columns that may be read besides the mapping's (a handler decided after the schema is known). */
  extraColumns?: readonly string[];
}

export async function openDuckdbBacked(file: string, mapping: ResolvedMapping, relation: Relation, options: DuckdbOptions = {}): Promise<LogReader> {
  const format: LogFormat = options.format ?? (relation.kind === 'parquet' ? 'parquet' : 'duckdb');
  const { instance, connection } = await connect(file, relation);
  let closed = false;
  const release = (): void => {
    if (closed) return;
    closed = true;
    connection.closeSync();
    instance.closeSync();
  };

  try {
    let columns: string[];
    let query: string;
    if (relation.kind === 'sql') {
      query = relation.sql.trim().replace(/;+\s*$/, '');
      await checkSingleSelect(connection, query, file);
      columns = await describe(connection, query, file, 'the sql query');
    } else {
      const from =
        relation.kind === 'parquet'
          ? `read_parquet(${sqlString(resolve(file))})`
          : relation.table.split('.').map(sqlIdentifier).join('.');
      columns = await describe(connection, `SELECT * FROM ${from}`, file, relation.kind === 'parquet' ? 'the Parquet file' : `table '${relation.table}'`);
      // Reading only the mapped columns lets Parquet skip wide ones (embeddings, payloads).
      // A nested path reads its root column (a STRUCT or JSON column).
      const mapped = [...Object.values(mapping.columns), ...(options.extraColumns ?? [])].map((column) => (columns.includes(column) ? column : rootOf(column)));
      const wanted = [...new Set(mapped)].filter((column) => columns.includes(column));
      query = wanted.length === 0 ? `SELECT 1 AS __no_column FROM ${from}` : `SELECT ${wanted.map(sqlIdentifier).join(', ')} FROM ${from}`;
    }
    const createHandler: () => RecordHandler = (options.prepare ?? flatHandler(file, mapping))(columns);
    let result: Awaited<ReturnType<DuckDBConnection['stream']>>;
    try {
      result = await connection.stream(query);
    } catch (error) {
      // DuckDB reads the first chunk here: a file damaged early fails before any row.
      throw new InputError(`cannot read past row 0: ${describeError(error)}`, { file, line: 1 }, { cause: error });
    }

    let started = false;
    async function* items(): AsyncGenerator<IngestItem> {
      if (started) throw new Error(`${file}: items() can be iterated once`);
      started = true;
      const handler = createHandler();
      let row = 0;
      try {
        const chunks = result.yieldRowObjectJson()[Symbol.asyncIterator]();
        for (;;) {
          let next: IteratorResult<Record<string, unknown>[]>;
          try {
            next = await chunks.next();
          } catch (error) {
            // A file that opened fine can still be damaged further in (a corrupt page, a bad string):
            // that is the input's fault, said with the file and the first row that could not be read.
            throw new InputError(`cannot read past row ${row}: ${describeError(error)}`, { file, line: row + 1 }, { cause: error });
          }
          if (next.done) break;
          for (const record of next.value) {
            row++;
            yield* handler.take({ read: (column) => readPath(record, column), line: row, raw: JSON.stringify(record), object: record });
          }
        }
        await checkComplete(connection, query, file, row);
        yield* handler.finish();
      } finally {
        release();
      }
    }

    return { format, columns, items, close: async () => release() };
  } catch (error) {
    release();
    throw error;
  }
}

async function describe(connection: DuckDBConnection, query: string, file: string, what: string): Promise<string[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE ${query}`);
    return reader.getRowObjectsJson().map((row) => String(row['column_name']));
  } catch (error) {
    throw new UsageError(`${file}: cannot read ${what}: ${describeError(error)}`);
  }
}

/**
 * A streaming result that fails part-way ends like one that is done: @duckdb/node-api's fetch_chunk
 * hands back an empty chunk and the error is lost (the C API's duckdb_fetch_chunk returns nothing in
 * both cases; duckdb-rs had the same bug). Seen with a Parquet file whose page in the middle is
 * damaged: part of the rows silently missing. So the rows read are checked against a count (from
 * Parquet metadata or the table, cheap; an `sql` source runs its query a second time), and a
 * shortfall is an error naming the first row not read.
 */
async function checkComplete(connection: DuckDBConnection, query: string, file: string, rowsRead: number): Promise<void> {
  let expected: number;
  try {
    // The newline ends a trailing -- comment of an sql source.
    const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM (${query}\n)`);
    expected = Number(reader.getRowObjectsJson()[0]?.['n']);
  } catch (error) {
    throw new InputError(`cannot read past row ${rowsRead}: ${describeError(error)}`, { file, line: rowsRead + 1 }, { cause: error });
  }
  if (rowsRead < expected) {
    throw new InputError(
      `the read stopped after ${rowsRead} of ${expected} rows without an error from DuckDB: the file is probably damaged there`,
      { file, line: rowsRead + 1 },
    );
  }
}
