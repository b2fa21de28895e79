import type { PathSegment } from './field-path.ts';

/**
 * An incremental splitter for one large JSON document: it walks the structure byte by byte and
 * hands back, one at a time, the raw text of the values a caller selects by path (the records of
 * a top-level array, the spans of an OTLP export), so a file of any size streams with the memory of
 * one record. Written by hand because no streaming JSON parser is installed (stream-json,
 * @streamparser/json, jsonparse, clarinet: none in node_modules) and the project adds no packages;
 * it only splits: each selected value is then parsed by JSON.parse, which does the validation.
 *
 * Structure outside the selected values is checked as it is walked; a break there (a missing comma,
 * a truncated file) is thrown as a ScanError with its line, since the rest of the file can no longer be
 * split reliably. UTF-8 multi-byte sequences never contain ASCII bytes, so scanning bytes is safe.
 */

export type Selection = 'emit' | 'descend' | 'skip';
/** Decides what to do with the value starting at `path`, given its first byte as a character. */
export type Selector = (path: readonly PathSegment[], first: string) => Selection;

export interface ScannedValue {
  /** 1-based line where the value starts. */
  line: number;
  text: string;
}

export class ScanError extends Error {
  override name = 'ScanError';
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

interface Frame {
  kind: 'object' | 'array';
  path: PathSegment[];
  key: string | undefined;
  index: number;
  expect: 'key' | 'colon' | 'value' | 'comma';
}

interface Sub {
  capture: boolean;
  depth: number;
  inString: boolean;
  escape: boolean;
  scalar: boolean;
  parts: Buffer[];
  line: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export class JsonScanner {
  private stack: Frame[] = [];
  private rootDone = false;
  private rootStarted = false;
  private sub: Sub | undefined;
  private key: { parts: Buffer[]; escape: boolean } | undefined;
  private line = 1;
  private first = true;
  private readonly select: Selector;

  constructor(select: Selector) {
    this.select = select;
  }

  /** Feeds bytes; returns the selected values completed in them, in order. */
  push(chunk: Buffer): ScannedValue[] {
    const out: ScannedValue[] = [];
    let index = 0;
    if (this.first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) index = 3;
    this.first = false;
    let subStart = this.sub === undefined ? -1 : index;
    let keyStart = this.key === undefined ? -1 : index;
    for (; index < chunk.length; index++) {
      const byte = chunk[index]!;
      const sub = this.sub;
      if (sub !== undefined) {
        let doneAfter = false;
        let doneBefore = false;
        if (sub.inString) {
          if (sub.escape) sub.escape = false;
          else if (byte === BACKSLASH) sub.escape = true;
          else if (byte === QUOTE) {
            sub.inString = false;
            if (sub.depth === 0) doneAfter = true;
          }
        } else if (sub.scalar) {
          if (isSpace(byte) || byte === 0x2c || byte === 0x5d || byte === 0x7d) doneBefore = true;
        } else if (byte === QUOTE) sub.inString = true;
        else if (byte === 0x7b || byte === 0x5b) sub.depth++;
        else if (byte === 0x7d || byte === 0x5d) {
          sub.depth--;
          if (sub.depth === 0) doneAfter = true;
        }
        if (byte === NEWLINE && !doneBefore) this.line++;
        if (doneAfter || doneBefore) {
          const end = doneAfter ? index + 1 : index;
          if (sub.capture) {
            sub.parts.push(chunk.subarray(subStart, end));
            out.push({ line: sub.line, text: Buffer.concat(sub.parts).toString('utf8') });
          }
          this.sub = undefined;
          this.valueDone();
          if (doneBefore) index--;
        }
        continue;
      }
      if (this.key !== undefined) {
        const key = this.key;
        if (key.escape) key.escape = false;
        else if (byte === BACKSLASH) key.escape = true;
        else if (byte === QUOTE) {
          key.parts.push(chunk.subarray(keyStart, index + 1));
          const frame = this.stack[this.stack.length - 1]!;
          frame.key = JSON.parse(Buffer.concat(key.parts).toString('utf8')) as string;
          frame.expect = 'colon';
          this.key = undefined;
        }
        continue;
      }
      if (isSpace(byte)) {
        if (byte === NEWLINE) this.line++;
        continue;
      }
      const char = String.fromCharCode(byte);
      const frame = this.stack[this.stack.length - 1];
      if (frame === undefined) {
        if (this.rootDone) throw new ScanError(`unexpected '${char}' after the end of the JSON document`, this.line);
        this.rootStarted = true;
        this.startValue([], byte, char);
      } else if (frame.kind === 'object') {
        if (frame.expect === 'key') {
          if (byte === QUOTE) {
            this.key = { parts: [], escape: false };
            keyStart = index;
          } else if (byte === 0x7d && frame.key === undefined) this.pop();
          else throw new ScanError(`expected a key in quotes, found '${char}'`, this.line);
        } else if (frame.expect === 'colon') {
          if (byte !== 0x3a) throw new ScanError(`expected ':' after key '${frame.key}', found '${char}'`, this.line);
          frame.expect = 'value';
        } else if (frame.expect === 'value') {
          this.startValue([...frame.path, frame.key!], byte, char);
        } else if (byte === 0x2c) frame.expect = 'key';
        else if (byte === 0x7d) this.pop();
        else throw new ScanError(`expected ',' or '}', found '${char}'`, this.line);
      } else if (frame.expect === 'value') {
        if (byte === 0x5d && frame.index === 0) this.pop();
        else this.startValue([...frame.path, frame.index], byte, char);
      } else if (byte === 0x2c) {
        frame.index++;
        frame.expect = 'value';
      } else if (byte === 0x5d) this.pop();
      else throw new ScanError(`expected ',' or ']', found '${char}'`, this.line);
      if (this.sub !== undefined) subStart = index;
    }
    if (this.sub?.capture) this.sub.parts.push(chunk.subarray(subStart));
    if (this.key !== undefined) this.key.parts.push(chunk.subarray(keyStart));
    return out;
  }

  /** Call at the end of the input: a document cut short is an error. */
  end(): void {
    if (this.sub !== undefined && this.sub.scalar && this.stack.length === 0) return;
    if (this.sub !== undefined || this.key !== undefined || this.stack.length > 0) throw new ScanError('the JSON document ends in the middle (truncated file?)', this.line);
    if (!this.rootStarted) throw new ScanError('empty file, no JSON document', this.line);
  }

  private startValue(path: PathSegment[], byte: number, char: string): void {
    const selection = this.select(path, char);
    const container = byte === 0x7b || byte === 0x5b;
    if (selection === 'descend' && container) {
      this.stack.push({ kind: byte === 0x7b ? 'object' : 'array', path, key: undefined, index: 0, expect: byte === 0x7b ? 'key' : 'value' });
      return;
    }
    this.sub = {
      capture: selection === 'emit',
      depth: container ? 1 : 0,
      inString: byte === QUOTE,
      escape: false,
      scalar: !container && byte !== QUOTE,
      parts: [],
      line: this.line,
    };
  }

  private valueDone(): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) this.rootDone = true;
    else frame.expect = 'comma';
  }

  private pop(): void {
    this.stack.pop();
    this.valueDone();
  }
}
