import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { openCsv } from './csv-reader.ts';
import { openDuckdbBacked } from './duckdb-reader.ts';
import { resolveMapping, type ResolvedMapping } from './field-mapping.ts';
import { openJsonl } from './jsonl-reader.ts';
import { LOG_FORMATS, type LogFormat, type LogReader, type LogSource } from './log-reader.ts';

export type { LogFormat, LogReader, LogSource } from './log-reader.ts';

const FORMAT_BY_EXTENSION: Record<string, LogFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.duckdb': 'duckdb',
  '.db': 'duckdb',
};

export function detectFormat(path: string): LogFormat {
  const extension = extname(path).toLowerCase();
  const format = FORMAT_BY_EXTENSION[extension];
  if (format === undefined) {
    throw new UsageError(
      `${path}: unknown log format '${extension || '(no extension)'}'; ` +
        `expected one of ${Object.keys(FORMAT_BY_EXTENSION).join(', ')} or an explicit format (${LOG_FORMATS.join(', ')})`,
    );
  }
  return format;
}

type Opener = (source: LogSource, mapping: ResolvedMapping) => Promise<LogReader>;

const openers = {
  jsonl: async (source, mapping) => openJsonl(source.path, mapping),
  csv: (source, mapping) => openCsv(source.path, mapping),
  parquet: (source, mapping) => openDuckdbBacked(source.path, mapping, { kind: 'parquet' }),
  duckdb: (source, mapping) => {
    if (source.table !== undefined && source.sql !== undefined) {
      throw new UsageError(`${source.path}: give a table or an sql query for a DuckDB source, not both`);
    }
    if (source.sql !== undefined) return openDuckdbBacked(source.path, mapping, { kind: 'sql', sql: source.sql });
    if (source.table !== undefined) return openDuckdbBacked(source.path, mapping, { kind: 'table', table: source.table });
    throw new UsageError(`${source.path}: a DuckDB source needs a table or an sql query to read the logged queries from`);
  },
} satisfies Record<LogFormat, Opener>;

/**
 * Opens a log and checks everything that can be checked before reading it
 * (file, format, mapping against the header or schema), so a mistake fails
 * before the caller writes anything.
 */
export async function openLog(source: LogSource): Promise<LogReader> {
  const format = source.format ?? detectFormat(source.path);
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown log format '${format}'; expected one of ${LOG_FORMATS.join(', ')}`);
  }
  const mapping = resolveMapping(source.mapping);
  let isFile: boolean;
  try {
    isFile = (await stat(source.path)).isFile();
  } catch {
    throw new UsageError(`dataset not found: ${source.path}`);
  }
  if (!isFile) throw new UsageError(`dataset is not a file: ${source.path}`);
  return openers[format](source, mapping);
}
