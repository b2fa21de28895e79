/**
 * Server-sent events, as OpenAI and vLLM stream chat completions: `data: <json>` lines, events
 * separated by a blank line, `:` comments, `\n` or `\r\n` endings; several `data:` lines of one
 * event join with `\n` (the WHATWG rules this needs). Chunks may split anywhere, inside a line or a
 * UTF-8 character. Pushed, not iterated, so an answer of 200 deltas costs no promise per delta.
 *
 * It works on the bytes as they arrive and hands each event's data over as a byte range: decoding
 * every chunk to a string, then slicing lines and values out of it, was 14% of the replay's
 * allocations (bench/RESULTS.md), while the reader of a one-token event needs only its few bytes
 * of text (stream-delta.ts). A line ending is one byte that never occurs inside a UTF-8 character,
 * so a range always holds whole characters.
 */
export interface SseParser {
  push(chunk: Buffer): void;
  /** The stream ended: an event without its closing blank line is still delivered. */
  end(): void;
}

/**
 * Receives one event's data as `bytes[start, end)`, valid only during the call (the parser's
 * buffers are reused or released afterwards).
 */
export type SseDataHandler = (bytes: Buffer, start: number, end: number) => void;

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const COLON = 58;
const SPACE = 32;
const NEWLINE_BYTES = Buffer.from('\n');

export function createSseParser(onData: SseDataHandler): SseParser {
  /** The bytes of an unfinished line from earlier chunks. */
  let carry: Buffer | undefined;
  /** The event's data so far: a range of `dataBytes`, until the event's blank line. */
  let dataBytes: Buffer | undefined;
  let dataStart = 0;
  let dataEnd = 0;

  const dispatch = (): void => {
    if (dataBytes === undefined) return;
    const bytes = dataBytes;
    dataBytes = undefined;
    onData(bytes, dataStart, dataEnd);
  };

  /** The line bytes[start, end), without its line ending. */
  const line = (bytes: Buffer, start: number, end: number): void => {
    if (start === end) {
      dispatch();
      return;
    }
    // Only `data` lines matter: "data:" then an optional space, then the value.
    if (end - start < 4 || bytes[start] !== 100 /* d */ || bytes[start + 1] !== 97 /* a */ || bytes[start + 2] !== 116 /* t */ || bytes[start + 3] !== 97 /* a */) {
      return;
    }
    let from: number;
    if (end - start === 4) {
      from = end;
    } else {
      if (bytes[start + 4] !== COLON) return;
      from = bytes[start + 5] === SPACE ? start + 6 : start + 5;
    }
    if (dataBytes === undefined) {
      dataBytes = bytes;
      dataStart = from;
      dataEnd = end;
    } else {
      // A second data line of one event: rare, so joined by copying.
      dataBytes = Buffer.concat([dataBytes.subarray(dataStart, dataEnd), NEWLINE_BYTES, bytes.subarray(from, end)]);
      dataStart = 0;
      dataEnd = dataBytes.length;
    }
  };

  return {
    push(chunk) {
      const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      carry = undefined;
      let start = 0;
      for (;;) {
        const newline = bytes.indexOf(NEWLINE, start);
        if (newline < 0) break;
        const end = newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
        line(bytes, start, end);
        start = newline + 1;
      }
      if (start < bytes.length) carry = Buffer.from(bytes.subarray(start));
      // An event still open keeps its data: copied, since the chunk's buffer is the transport's.
      if (dataBytes === bytes) {
        dataBytes = Buffer.from(dataBytes.subarray(dataStart, dataEnd));
        dataStart = 0;
        dataEnd = dataBytes.length;
      }
    },
    end() {
      if (carry !== undefined) {
        const bytes = carry;
        carry = undefined;
        line(bytes, 0, bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length);
      }
      dispatch();
    },
  };
}
