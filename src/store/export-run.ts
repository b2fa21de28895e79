import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { spreadsheetSafeSql } from '../core/csv-cell.ts';
import { UsageError } from '../core/errors.ts';
import { writeArrowFile } from './arrow-export.ts';
import { CREDENTIAL_SCRUB_FUNCTION, useCredentialScrubFunction } from './credential-scrub-function.ts';
import { REDACT_FUNCTION, useRedactFunction } from './redact-function.ts';
import { sqlIdentifier, sqlString } from './sql-values.ts';
import { EXPORT_FORMATS, type ExportFormat } from './types.ts';

/** Tables, then analyst views; every one has a run_id column. */
export const EXPORTED_RELATIONS = [
  'runs',
  'queries',
  'routes',
  'responses',
  'judgments',
  'rejects',
  'gate_decisions',
  'pairs',
  'quality_by_tier',
  'cost_by_endpoint',
  'latency_by_endpoint',
  'conversations',
] as const;

/**
 * Columns that can hold customer text (the query, answers that quote it, the judge's reasons, raw
 * rejected lines, error messages that echo a value). An export leaves the database, so these are
 * redacted unless the caller passes no redactor.
 */
export const FREE_TEXT_COLUMNS: Partial<Record<(typeof EXPORTED_RELATIONS)[number], readonly string[]>> = {
  queries: ['text', 'reference', 'request_json'],
  responses: ['output', 'error', 'tool_calls_json'],
  judgments: ['reason'],
  rejects: ['reason', 'raw'],
  pairs: ['query_text', 'candidate_output', 'baseline_output'],
};

const EXTENSIONS = { parquet: 'parquet', csv: 'csv', arrow: 'arrow' } satisfies Record<ExportFormat, string>;

export async function exportRunFiles(
  connection: DuckDBConnection,
  runId: string,
  format: ExportFormat,
  outDir: string,
  /** Applied to every free-text column; undefined exports the stored text as it is. */
  redact?: (text: string) => string,
): Promise<string[]> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`export format '${format}' is not one of ${EXPORT_FORMATS.join(', ')}`);
  }
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`${outDir}: cannot create the export directory: ${(error as Error).message}`, { cause: error });
  }
  if (redact !== undefined) useRedactFunction(connection, redact);
  useCredentialScrubFunction(connection);
  const paths: string[] = [];
  for (const relation of EXPORTED_RELATIONS) {
    const path = join(outDir, `${relation}.${EXTENSIONS[format]}`);
    const columns = redact === undefined ? [] : (FREE_TEXT_COLUMNS[relation] ?? []);
    // REPLACE keeps each column's name and position, so a redacted file has the same schema.
    const replaced = columns.map((column) => `${REDACT_FUNCTION}(${column}) AS ${column}`);
    // Credentials are never exported, --unredacted or not (that flag is about customer text). Runs
    // store their config without them; this also cleans a config stored before they were scrubbed.
    if (relation === 'runs') replaced.push(`CAST(${CREDENTIAL_SCRUB_FUNCTION}(CAST(config_json AS VARCHAR)) AS JSON) AS config_json`);
    const star = replaced.length === 0 ? '*' : `* REPLACE (${replaced.join(', ')})`;
    // COPY takes no bound parameters, hence the quoted literals.
    const select = `SELECT ${star} FROM ${relation} WHERE run_id = ${sqlString(runId)}`;
    if (format === 'arrow') {
      await writeArrowFile(connection, select, path);
    } else if (format === 'parquet') {
      await connection.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet)`);
    } else {
      await connection.run(`COPY (${await spreadsheetSafeSelect(connection, select)}) TO ${sqlString(path)} (FORMAT csv, HEADER true)`);
    }
    paths.push(path);
  }
  return paths;
}

/**
 * A CSV is opened in spreadsheets: every text cell (VARCHAR and JSON columns) goes through the
 * project's CSV rule (core/csv-cell.ts), so a query that starts with "=" never runs as a formula.
 * Typed columns (numbers, timestamps) are left as they are.
 */
async function spreadsheetSafeSelect(connection: DuckDBConnection, select: string): Promise<string> {
  const described = await connection.runAndReadAll(`DESCRIBE ${select}`);
  const textColumns = described
    .getRowObjectsJson()
    .filter((row) => /^(VARCHAR|JSON)$/i.test(String(row['column_type'])))
    .map((row) => String(row['column_name']));
  if (textColumns.length === 0) return select;
  const replaced = textColumns.map((column) => `${spreadsheetSafeSql(`CAST(${sqlIdentifier(column)} AS VARCHAR)`)} AS ${sqlIdentifier(column)}`);
  return `SELECT * REPLACE (${replaced.join(', ')}) FROM (${select})`;
}
