import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { InputError, UsageError } from '../core/errors.ts';
import type { IngestItem } from '../core/query.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import type { LogFormat, LogReader } from './log-reader.ts';
import { flatHandler, type PrepareHandler, type RecordHandler } from './record-handler.ts';
import { rejectItem } from './record-to-item.ts';
import { Utf8LineChecker } from './utf8-check.ts';

/** Past this a record is almost surely an unclosed quote swallowing the file. */
export const MAX_CSV_RECORD_BYTES = 1024 * 1024;

interface ParsedRecord {
  fields: string[];
  raw: string;
}

const LINE_BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)+/;

function countBreaks(text: string): number {
  return text.match(LINE_BREAK)?.length ?? 0;
}

/**
 * Start lines are counted from each record's raw text rather than taken from
 * csv-parse's info.lines, which counts a CRLF inside a quoted field as two lines.
 * csv-parse's raw holds the skipped blank lines before a record and the first
 * character of the record delimiter after it, so summing the breaks is exact.
 */
function createLineCounter(): { place(raw: string): { line: number; text: string } } {
  let breaksBefore = 0;
  return {
    place(raw) {
      const leading = LEADING_BREAKS.exec(raw)?.[0] ?? '';
      const line = breaksBefore + countBreaks(leading) + 1;
      breaksBefore += countBreaks(raw);
      const text = raw.slice(leading.length).replace(/[\r\n]$/, '');
      return { line, text };
    },
  };
}

export interface CsvOptions {
  maxRecordBytes?: number;
  /** What the rows mean; default: flat rows read with `mapping`. */
  prepare?: PrepareHandler;
  format?: LogFormat;
}

export async function openCsv(file: string, mapping: ResolvedMapping, options: CsvOptions = {}): Promise<LogReader> {
  const maxRecordBytes = options.maxRecordBytes ?? MAX_CSV_RECORD_BYTES;
  const stream = createReadStream(file);
  const chunks = stream[Symbol.asyncIterator]();
  const parsed: ParsedRecord[] = [];
  const parser = parse({
    bom: true,
    raw: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: maxRecordBytes,
    // Records are collected synchronously in parse order instead of read from the
    // stream side: a parse error destroys the stream and would drop records it still buffers.
    // With raw: true, on_record receives { record, raw } rather than the bare fields.
    on_record: (output: unknown) => {
      const { record, raw } = output as { record: string[]; raw: string };
      parsed.push({ fields: record, raw });
      return null;
    },
  });
  // Errors arrive through the write/end callbacks below.
  parser.on('error', () => {});
  let ended = false;

  let failure: (CsvError & { raw?: string }) | undefined;
  // csv-parse decodes invalid bytes to U+FFFD without a word; this sees the bytes first.
  const utf8 = new Utf8LineChecker();

  /** Feeds one file chunk to the parser; afterwards `parsed` holds the records it completed. */
  const pump = async (): Promise<void> => {
    const next = await chunks.next();
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error | null): void => (error ? reject(error) : resolve());
        if (next.done) {
          ended = true;
          utf8.end();
          parser.end(done);
        } else {
          utf8.push(next.value as Buffer);
          parser.write(next.value as Buffer, done);
        }
      });
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      // Reported once the records completed before the error have been handed out.
      failure = error;
      ended = true;
    }
  };
  const release = (): void => {
    stream.destroy();
    parser.destroy();
  };

  const lines = createLineCounter();
  let header: string[];
  let createHandler: () => RecordHandler;
  try {
    while (parsed.length === 0 && !ended) await pump();
    const first = parsed.shift();
    if (first === undefined) {
      throw new UsageError(`${file}: ${failure ? `cannot read the CSV header: ${failure.message}` : 'empty CSV file, no header row'}`);
    }
    header = first.fields;
    const placed = lines.place(first.raw);
    if (utf8.hasBadLineIn(placed.line, placed.line + countBreaks(placed.text))) {
      throw new InputError('the header row is not valid UTF-8 (the log must be UTF-8 text)', { file, line: placed.line });
    }
    createHandler = (options.prepare ?? flatHandler(file, mapping))(header);
  } catch (error) {
    release();
    throw error;
  }

  const index = new Map<string, number>();
  header.forEach((name, position) => {
    if (!index.has(name)) index.set(name, position);
  });

  let started = false;
  async function* items(): AsyncGenerator<IngestItem> {
    if (started) throw new Error(`${file}: items() can be iterated once`);
    started = true;
    const handler = createHandler();
    try {
      for (;;) {
        for (let record = parsed.shift(); record !== undefined; record = parsed.shift()) {
          const { line, text } = lines.place(record.raw);
          if (utf8.hasBadLineIn(line, line + countBreaks(text))) {
            yield rejectItem(file, line, 'invalid UTF-8 (the log must be UTF-8 text)', text);
            continue;
          }
          if (record.fields.length !== header.length) {
            yield rejectItem(file, line, `expected ${header.length} fields as in the header, got ${record.fields.length}`, text);
            continue;
          }
          const fields = record.fields;
          yield* handler.take({
            read: (column) => {
              const position = index.get(column);
              return position === undefined ? undefined : fields[position];
            },
            line,
            raw: text,
          });
        }
        if (failure !== undefined) {
          const failed = lines.place(failure.raw ?? '');
          if (failure.code === 'CSV_QUOTE_NOT_CLOSED') {
            yield rejectItem(file, failed.line, 'unclosed quote: the record runs to the end of the file', failed.text);
            yield* handler.finish();
            return;
          }
          throw new InputError(
            failure.code === 'CSV_MAX_RECORD_SIZE'
              ? `record longer than ${maxRecordBytes} bytes, probably an unclosed quote; the rest of the file cannot be split reliably`
              : failure.message,
            { file, line: failed.line },
            { cause: failure },
          );
        }
        if (ended) {
          yield* handler.finish();
          return;
        }
        await pump();
      }
    } finally {
      release();
    }
  }

  return {
    format: options.format ?? 'csv',
    columns: header,
    items,
    close: async () => release(),
  };
}
