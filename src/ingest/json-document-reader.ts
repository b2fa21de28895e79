import { createReadStream } from 'node:fs';
import { InputError } from '../core/errors.ts';
import type { IngestItem } from '../core/query.ts';
import type { PathSegment } from './field-path.ts';
import { readPath } from './field-path.ts';
import { JsonScanner, ScanError, type Selector } from './json-scanner.ts';
import type { LogFormat, LogReader } from './log-reader.ts';
import type { PrepareHandler } from './record-handler.ts';
import { parseJsonRecord } from './record-to-item.ts';

/**
 * One JSON document holding many records, streamed record by record (json-scanner.ts):
 * - `records`: a top-level array of records, or an object with the records in an array under one
 *   of its keys (the first top-level key whose array starts with an object: `{"data": [...]}`);
 * - `otel`: the spans of one OTLP export (`resourceSpans[].scopeSpans[].spans[]`).
 * The line of a record is the line its value starts on.
 */
export type DocumentSelection = 'records' | 'otel';

const OTLP_SPANS: readonly (string | readonly string[] | null)[] = [
  'resourceSpans',
  null,
  // OTLP JSON before 1.0 named scopeSpans instrumentationLibrarySpans.
  ['scopeSpans', 'instrumentationLibrarySpans'],
  null,
  'spans',
  null,
];

export function documentSelector(selection: DocumentSelection): Selector {
  if (selection === 'otel') {
    return (path) => {
      for (let index = 0; index < path.length; index++) {
        const want = OTLP_SPANS[index];
        const segment = path[index];
        if (want === undefined) return 'skip';
        if (want === null ? typeof segment !== 'number' : typeof want === 'string' ? segment !== want : !want.includes(segment as string)) return 'skip';
      }
      return path.length === OTLP_SPANS.length ? 'emit' : 'descend';
    };
  }
  let tentative: PathSegment | undefined;
  let chosen: PathSegment | undefined;
  return (path, first) => {
    if (path.length === 0) return 'descend';
    if (path.length === 1) {
      if (typeof path[0] === 'number') return 'emit';
      if (chosen === undefined && first === '[') {
        tentative = path[0];
        return 'descend';
      }
      return 'skip';
    }
    if (path.length === 2 && path[0] === tentative && typeof path[1] === 'number') {
      if (chosen === undefined && first !== '{') {
        tentative = undefined;
        return 'skip';
      }
      chosen = path[0];
      return 'emit';
    }
    return 'skip';
  };
}

export interface JsonDocumentOptions {
  prepare: PrepareHandler;
  selection: DocumentSelection;
  format: LogFormat;
}

export function openJsonDocument(file: string, options: JsonDocumentOptions): LogReader {
  const createHandler = options.prepare(undefined);
  const stream = createReadStream(file);
  let started = false;

  async function* items(): AsyncGenerator<IngestItem> {
    if (started) throw new Error(`${file}: items() can be iterated once`);
    started = true;
    const handler = createHandler();
    const scanner = new JsonScanner(documentSelector(options.selection));
    let found = 0;
    try {
      const fail = (error: unknown): never => {
        if (error instanceof ScanError) throw new InputError(`${error.message}; the rest of the file cannot be split into records`, { file, line: error.line }, { cause: error });
        throw error;
      };
      for await (const chunk of stream) {
        let values;
        try {
          values = scanner.push(chunk as Buffer);
        } catch (error) {
          fail(error);
        }
        for (const { line, text } of values!) {
          found++;
          const parsed = parseJsonRecord(file, line, text);
          if ('reject' in parsed) {
            yield parsed.reject;
            continue;
          }
          const { object } = parsed;
          yield* handler.take({ read: (column) => readPath(object, column), line, raw: text, object });
        }
      }
      try {
        scanner.end();
      } catch (error) {
        fail(error);
      }
      if (found === 0 && options.selection === 'records') {
        throw new InputError('no records: expected a JSON array of objects, or an object holding one under a key', { file });
      }
      yield* handler.finish();
    } finally {
      stream.destroy();
    }
  }

  return { format: options.format, columns: undefined, items, close: async () => void stream.destroy() };
}
