import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { writeArrowFile } from './arrow-export.ts';
import { sqlString } from './sql-values.ts';
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
] as const;

const EXTENSIONS = { parquet: 'parquet', csv: 'csv', arrow: 'arrow' } satisfies Record<ExportFormat, string>;

export async function exportRunFiles(
  connection: DuckDBConnection,
  runId: string,
  format: ExportFormat,
  outDir: string,
): Promise<string[]> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`export format '${format}' is not one of ${EXPORT_FORMATS.join(', ')}`);
  }
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`${outDir}: cannot create the export directory: ${(error as Error).message}`, { cause: error });
  }
  const paths: string[] = [];
  for (const relation of EXPORTED_RELATIONS) {
    const path = join(outDir, `${relation}.${EXTENSIONS[format]}`);
    // COPY takes no bound parameters, hence the quoted literals.
    const select = `SELECT * FROM ${relation} WHERE run_id = ${sqlString(runId)}`;
    if (format === 'arrow') {
      await writeArrowFile(connection, select, path);
    } else {
      const options = format === 'parquet' ? 'FORMAT parquet' : 'FORMAT csv, HEADER true';
      await connection.run(`COPY (${select}) TO ${sqlString(path)} (${options})`);
    }
    paths.push(path);
  }
  return paths;
}
