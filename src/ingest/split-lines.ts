import { firstInvalidUtf8 } from './utf8-check.ts';

export type SplitLine =
  /** invalidUtf8At: byte offset in the line of the first byte that is not UTF-8 (the text has U+FFFD there). */
  | { line: number; text: string; invalidUtf8At?: number }
  /** A line over the byte limit: only its head was kept, the rest was counted and dropped. */
  | { line: number; tooLong: { bytes: number; head: string } };

const NEWLINE = 0x0a;
const HEAD_BYTES = 1024;

function decodeLine(parts: Buffer[], line: number): { line: number; text: string; invalidUtf8At?: number } {
  const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const text = bytes.toString('utf8');
  const withoutCr = text.endsWith('\r') ? text.slice(0, -1) : text;
  const decoded = line === 1 && withoutCr.charCodeAt(0) === 0xfeff ? withoutCr.slice(1) : withoutCr;
  const invalid = firstInvalidUtf8(bytes);
  return invalid === -1 ? { line, text: decoded } : { line, text: decoded, invalidUtf8At: invalid };
}

/**
 * Splits a byte stream into 1-based numbered lines (LF or CRLF; a BOM on line 1 is dropped).
 * Hand-written rather than node:readline because readline buffers a line of any size;
 * here a line longer than maxLineBytes is reported without holding more than maxLineBytes.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<SplitLine> {
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let overflowBytes: number | undefined;
  let head = '';
  let line = 1;

  const take = (piece: Buffer): void => {
    if (overflowBytes !== undefined) {
      overflowBytes += piece.length;
    } else if (partsBytes + piece.length > maxLineBytes) {
      const kept = Buffer.concat([...parts, piece.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
      head = kept.toString('utf8');
      if (line === 1 && head.charCodeAt(0) === 0xfeff) head = head.slice(1);
      overflowBytes = partsBytes + piece.length;
      parts = [];
      partsBytes = 0;
    } else if (piece.length > 0) {
      parts.push(piece);
      partsBytes += piece.length;
    }
  };

  const finish = (): SplitLine => {
    const result: SplitLine =
      overflowBytes === undefined ? decodeLine(parts, line) : { line, tooLong: { bytes: overflowBytes, head } };
    parts = [];
    partsBytes = 0;
    overflowBytes = undefined;
    head = '';
    line++;
    return result;
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (partsBytes > 0 || overflowBytes !== undefined) yield finish();
}
