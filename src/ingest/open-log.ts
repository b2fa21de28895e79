import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { openCsv } from './csv-reader.ts';
import { containerFromExtension, KNOWN_EXTENSIONS, sniffJson, type Container, type Shape } from './detect-format.ts';
import { openDuckdbBacked, type Relation } from './duckdb-reader.ts';
import { resolveMapping, TURN_FIELDS, turnsDefaultMapping, type FieldMapping, type RecordShape, type ResolvedMapping } from './field-mapping.ts';
import { openJsonDocument } from './json-document-reader.ts';
import { openJsonl } from './jsonl-reader.ts';
import { LOG_FORMATS, type LogFormat, type LogReader, type LogSource } from './log-reader.ts';
import { loadBatchOutput } from './openai-batch-reader.ts';
import { openaiBatchHandler } from './openai-batch-reader.ts';
import { openaiChatHandler } from './openai-chat-reader.ts';
import { otelHandler, type OtelCounts } from './otel-reader.ts';
import { flatHandler, type PrepareHandler } from './record-handler.ts';
import { TURN_MODES, turnsHandler } from './turns-reader.ts';

export type { LogFormat, LogReader, LogSource } from './log-reader.ts';

const CONTAINERS: readonly LogFormat[] = ['jsonl', 'json', 'csv', 'parquet', 'duckdb'];

/** The container a path's extension names (no content read); kept for callers that only need that. */
export function detectFormat(path: string): LogFormat {
  const container = containerFromExtension(path);
  if (container === undefined) {
    const extension = extname(path).toLowerCase();
    throw new UsageError(
      `${path}: unknown log format '${extension || '(no extension)'}'; ` +
        `expected one of ${KNOWN_EXTENSIONS.join(', ')} or an explicit format (${LOG_FORMATS.join(', ')})`,
    );
  }
  return container;
}

const SHAPE_MAPPING: Record<Shape, RecordShape> = { flat: 'flat', 'openai-chat': 'chat', 'openai-batch': 'chat', otel: 'otel', turns: 'turns' };

function mentionsTurnFields(mapping: FieldMapping): boolean {
  return TURN_FIELDS.some((field) => mapping[field] !== undefined && mapping[field] !== '');
}

/** A turn table is recognised by its columns: conversation id, turn, role and content, and no query column. */
function looksLikeTurns(columns: readonly string[], mapping: FieldMapping): boolean {
  const wanted = (field: 'conversation_id' | 'turn' | 'role' | 'content'): string => mapping[field] || turnsDefaultMapping[field]!;
  const query = mapping.query || 'query';
  return !columns.includes(query) && (['conversation_id', 'turn', 'role', 'content'] as const).every((field) => columns.includes(wanted(field)));
}

/**
 * Opens a log and checks everything that can be checked before reading it
 * (file, format, mapping against the header or schema), so a mistake fails
 * before the caller writes anything.
 */
export async function openLog(source: LogSource): Promise<LogReader> {
  const declared = source.format;
  if (declared !== undefined && !(LOG_FORMATS as readonly string[]).includes(declared)) {
    throw new UsageError(`unknown log format '${declared}'; expected one of ${LOG_FORMATS.join(', ')}`);
  }
  if (source.turns !== undefined && !(TURN_MODES as readonly string[]).includes(source.turns)) {
    throw new UsageError(`--turns must be one of ${TURN_MODES.join(', ')}, got '${source.turns}'`);
  }
  let isFile: boolean;
  try {
    isFile = (await stat(source.path)).isFile();
  } catch {
    throw new UsageError(`dataset not found: ${source.path}`);
  }
  if (!isFile) throw new UsageError(`dataset is not a file: ${source.path}`);

  // The container: declared, else the extension; JSON files say which kind by their content.
  let container: Container;
  let shape: Shape | undefined;
  let otlpDocument = false;
  if (declared !== undefined && (CONTAINERS as readonly string[]).includes(declared)) {
    container = declared as Container;
    shape = 'flat';
  } else {
    if (declared !== undefined) shape = declared as Shape;
    const byExtension = containerFromExtension(source.path);
    container = byExtension ?? 'json';
  }
  if (container === 'jsonl' || container === 'json') {
    let sniffed;
    try {
      sniffed = await sniffJson(source.path, container === 'jsonl');
    } catch (error) {
      // A file without a known extension that is not JSON either: say what the formats are.
      if (containerFromExtension(source.path) === undefined && declared === undefined) detectFormat(source.path);
      throw error;
    }
    if (!(declared === 'jsonl' || declared === 'json')) container = sniffed.container;
    otlpDocument = sniffed.otlpDocument || (container === 'json' && (shape ?? sniffed.shape) === 'otel');
    // JSON turn rows under other column names: the mapping or --turns says what they are.
    if (shape === undefined && sniffed.shape === 'flat' && (mentionsTurnFields(source.mapping) || source.turns !== undefined)) shape = 'turns';
    shape ??= sniffed.shape;
  }
  if (source.batchOutput !== undefined && shape !== undefined && shape !== 'openai-batch') {
    throw new UsageError(`--batch-output joins an OpenAI Batch API output file to its input file; ${source.path} is read as ${shape === 'flat' ? container : shape}`);
  }
  if (source.turns !== undefined && shape !== undefined && shape !== 'turns' && !(shape === 'flat' && container !== 'jsonl' && container !== 'json')) {
    throw new UsageError(`--turns is for turn tables (one row per message); ${source.path} is read as ${shape === 'flat' ? container : shape}`);
  }
  if ((container === 'jsonl' || container === 'json') && source.table !== undefined) {
    throw new UsageError(`${source.path}: a table is only read from a DuckDB file`);
  }

  const mode = source.turns ?? 'last';
  const counts: OtelCounts = { skipped: 0 };
  const batchOutput = shape === 'openai-batch' && source.batchOutput !== undefined ? await loadBatchOutput(source.batchOutput) : undefined;
  const prepareFor = (which: Shape, resolved: ResolvedMapping): PrepareHandler => {
    switch (which) {
      case 'flat':
        return flatHandler(source.path, resolved);
      case 'openai-chat':
        return openaiChatHandler(source.path, resolved);
      case 'openai-batch':
        return openaiBatchHandler(source.path, resolved, batchOutput);
      case 'otel':
        return otelHandler(source.path, resolved, counts);
      case 'turns':
        return turnsHandler(source.path, resolved, mode);
    }
  };

  let reader: LogReader;
  let format: LogFormat;
  if (container === 'jsonl' || container === 'json') {
    const chosen = shape ?? 'flat';
    const resolved = resolveMapping(source.mapping, SHAPE_MAPPING[chosen]);
    format = chosen === 'flat' ? container : chosen;
    reader =
      container === 'jsonl'
        ? openJsonl(source.path, resolved, { prepare: prepareFor(chosen, resolved), format })
        : openJsonDocument(source.path, { prepare: prepareFor(chosen, resolved), selection: otlpDocument ? 'otel' : 'records', format });
  } else {
    if (shape !== undefined && shape !== 'flat' && shape !== 'turns') {
      throw new UsageError(`${source.path}: ${shape} logs are JSON or JSONL, not ${container}`);
    }
    // A table is a turn table when declared, when the mapping names turn fields, or when its columns say so.
    let resolved: ResolvedMapping;
    let prepare: PrepareHandler;
    if (shape === 'turns' || (shape === undefined && mentionsTurnFields(source.mapping)) || source.turns !== undefined) {
      resolved = resolveMapping(source.mapping, 'turns');
      prepare = prepareFor('turns', resolved);
      format = 'turns';
    } else if (shape === 'flat') {
      resolved = resolveMapping(source.mapping, 'flat');
      prepare = prepareFor('flat', resolved);
      format = container;
    } else {
      // Undecided until the header or schema is read.
      const flat = (): ResolvedMapping => resolveMapping(source.mapping, 'flat');
      const turns = resolveMapping({ ...source.mapping, query: undefined }, 'turns');
      resolved = turns;
      prepare = (columns) => (columns !== undefined && looksLikeTurns(columns, source.mapping) ? prepareFor('turns', turns) : prepareFor('flat', flat()))(columns);
      format = container;
    }
    reader = await openTable(source, container, resolved, prepare, format);
  }
  return { ...reader, skipped: () => ({ count: counts.skipped, what: 'spans that are not chat calls' }) };
}

async function openTable(source: LogSource, container: Container, mapping: ResolvedMapping, prepare: PrepareHandler, format: LogFormat): Promise<LogReader> {
  const extraColumns = Object.values(turnsDefaultMapping).filter((column): column is string => column !== undefined);
  if (container === 'csv') return openCsv(source.path, mapping, { prepare, format });
  if (container === 'parquet') return openDuckdbBacked(source.path, mapping, { kind: 'parquet' }, { prepare, format, extraColumns: [...extraColumns, 'query', 'query_id', ...Object.values(source.mapping).filter((c): c is string => !!c)] });
  if (source.table !== undefined && source.sql !== undefined) {
    throw new UsageError(`${source.path}: give a table or an sql query for a DuckDB source, not both`);
  }
  let relation: Relation;
  if (source.sql !== undefined) relation = { kind: 'sql', sql: source.sql };
  else if (source.table !== undefined) relation = { kind: 'table', table: source.table };
  else throw new UsageError(`${source.path}: a DuckDB source needs a table or an sql query to read the logged queries from`);
  return openDuckdbBacked(source.path, mapping, relation, { prepare, format, extraColumns: [...extraColumns, 'query', 'query_id', ...Object.values(source.mapping).filter((c): c is string => !!c)] });
}
