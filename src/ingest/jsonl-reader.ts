import { createReadStream } from 'node:fs';
import type { IngestItem } from '../core/query.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import { readPath } from './field-path.ts';
import type { LogFormat, LogReader } from './log-reader.ts';
import { flatHandler, type PrepareHandler } from './record-handler.ts';
import { parseJsonRecord, rejectItem } from './record-to-item.ts';
import { splitLines } from './split-lines.ts';

/** A support query is a few KB; a line past this is a broken export, not a query. */
export const MAX_JSONL_LINE_BYTES = 1024 * 1024;

export interface JsonlOptions {
  maxLineBytes?: number;
  /** What the records mean; default: flat rows read with `mapping`. */
  prepare?: PrepareHandler;
  format?: LogFormat;
}

export function openJsonl(file: string, mapping: ResolvedMapping, options: JsonlOptions = {}): LogReader {
  const maxLineBytes = options.maxLineBytes ?? MAX_JSONL_LINE_BYTES;
  const createHandler = (options.prepare ?? flatHandler(file, mapping))(undefined);
  const stream = createReadStream(file);
  let started = false;

  async function* items(): AsyncGenerator<IngestItem> {
    if (started) throw new Error(`${file}: items() can be iterated once`);
    started = true;
    const handler = createHandler();
    try {
      for await (const entry of splitLines(stream, maxLineBytes)) {
        if ('tooLong' in entry) {
          yield rejectItem(file, entry.line, `line longer than ${maxLineBytes} bytes (${entry.tooLong.bytes} bytes)`, entry.tooLong.head);
          continue;
        }
        const { line, text } = entry;
        if (entry.invalidUtf8At !== undefined) {
          yield rejectItem(file, line, `invalid UTF-8 at byte ${entry.invalidUtf8At + 1} of the line (the log must be UTF-8 text)`, text);
          continue;
        }
        if (text.trim() === '') continue;
        const parsed = parseJsonRecord(file, line, text);
        if ('reject' in parsed) {
          yield parsed.reject;
          continue;
        }
        const { object } = parsed;
        yield* handler.take({ read: (column) => readPath(object, column), line, raw: text, object });
      }
      yield* handler.finish();
    } finally {
      stream.destroy();
    }
  }

  return {
    format: options.format ?? 'jsonl',
    columns: undefined,
    items,
    close: async () => {
      stream.destroy();
    },
  };
}
