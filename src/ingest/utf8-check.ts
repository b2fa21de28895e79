import { isUtf8 } from 'node:buffer';

/** Length of the sequence a lead byte starts, or 0 when the byte cannot start one. */
function sequenceLength(byte: number): number {
  if (byte < 0x80) return 1;
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  return 0;
}

/** The allowed range of the byte after a lead byte (excludes overlongs, surrogates and > U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/**
 * How many bytes the sequence starting at `offset` occupies when it is valid UTF-8, else 0.
 * A sequence cut off by the end of the buffer is invalid here.
 */
function validSequenceAt(bytes: Uint8Array, offset: number): number {
  const lead = bytes[offset]!;
  const length = sequenceLength(lead);
  if (length <= 1) return length;
  if (offset + length > bytes.length) return 0;
  const [low, high] = secondByteRange(lead);
  const second = bytes[offset + 1]!;
  if (second < low || second > high) return 0;
  for (let index = 2; index < length; index++) {
    const next = bytes[offset + index]!;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence, or -1 when all are valid. */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  if (from === 0 && isUtf8(bytes)) return -1;
  let offset = from;
  while (offset < bytes.length) {
    const length = validSequenceAt(bytes, offset);
    if (length === 0) return offset;
    offset += length;
  }
  return -1;
}

/**
 * How many bytes at the end of `bytes` begin a multi-byte sequence that more bytes could still
 * complete (0 to 3): a stream cut between chunks is not invalid yet.
 */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const length = sequenceLength(byte);
      if (length <= back) return 0;
      // Only a prefix that is valid so far can still become valid.
      if (back >= 2) {
        const [low, high] = secondByteRange(byte);
        const second = bytes[bytes.length - back + 1]!;
        if (second < low || second > high) return 0;
      }
      return back;
    }
  }
  return 0;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Watches a byte stream for invalid UTF-8 and remembers the lines it occurs on, counting line
 * breaks as CRLF, CR or LF (as the CSV reader counts them). Decoding would silently turn such
 * bytes into U+FFFD; a log that is not UTF-8 (Latin-1, Windows-1252) must be refused instead.
 */
export class Utf8LineChecker {
  private line = 1;
  private lastWasCr = false;
  private carry: Buffer = Buffer.alloc(0);
  private cursor = 0;
  /** 1-based lines holding invalid bytes, in increasing order. */
  readonly badLines: number[] = [];

  push(chunk: Buffer): void {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const tail = incompleteTail(data);
    const body = data.subarray(0, data.length - tail);
    this.carry = Buffer.from(data.subarray(data.length - tail));
    this.scan(body);
  }

  /** Call at the end of the stream: a sequence left unfinished there is invalid. */
  end(): void {
    if (this.carry.length > 0) this.mark(this.line);
    this.carry = Buffer.alloc(0);
  }

  /**
   * Whether any line from `first` to `last` (inclusive) holds invalid bytes. Ask in increasing
   * line order (records come in file order): lines before `first` are forgotten.
   */
  hasBadLineIn(first: number, last: number): boolean {
    while (this.cursor < this.badLines.length && this.badLines[this.cursor]! < first) this.cursor++;
    const next = this.badLines[this.cursor];
    return next !== undefined && next <= last;
  }

  private mark(line: number): void {
    if (this.badLines[this.badLines.length - 1] !== line) this.badLines.push(line);
  }

  private scan(body: Buffer): void {
    let invalid = isUtf8(body) ? -1 : firstInvalidUtf8(body);
    let position = 0;
    while (position < body.length) {
      const stop = invalid === -1 ? body.length : invalid;
      this.countBreaks(body, position, stop);
      if (invalid === -1) return;
      this.mark(this.line);
      // Skip the bad byte (it is never a line break: those are ASCII) and resynchronise.
      this.lastWasCr = false;
      position = invalid + 1;
      invalid = firstInvalidUtf8(body, position);
    }
  }

  /** Native indexOf scans, not a byte loop: this runs over every byte of every CSV log. */
  private countBreaks(bytes: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const range = bytes.subarray(start, end);
    const lf = occurrences(range, '\n');
    const cr = occurrences(range, '\r');
    const crlf = lf === 0 || cr === 0 ? 0 : occurrences(range, '\r\n');
    const joined = this.lastWasCr && range[0] === LF ? 1 : 0;
    this.line += lf + cr - crlf - joined;
    this.lastWasCr = range[range.length - 1] === CR;
  }
}

function occurrences(bytes: Buffer, needle: string): number {
  let count = 0;
  for (let index = bytes.indexOf(needle); index !== -1; index = bytes.indexOf(needle, index + needle.length)) count++;
  return count;
}
