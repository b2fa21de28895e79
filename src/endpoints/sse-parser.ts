/**
 * Server-sent events, as OpenAI and vLLM stream chat completions: `data: <json>` lines, events
 * separated by a blank line, `:` comments, `\n` or `\r\n` endings; several `data:` lines of one
 * event join with `\n` (the WHATWG rules this needs). Chunks may split anywhere. Pushed, not
 * iterated, so an answer of 200 deltas costs no promise per delta; a line is looked at in place
 * and only its data value is copied out (a stream is a few hundred lines per answer).
 */
export interface SseParser {
  push(chunk: string): void;
  /** The stream ended: an event without its closing blank line is still delivered. */
  end(): void;
}

const COLON = 58;
const SPACE = 32;
const CARRIAGE_RETURN = 13;

export function createSseParser(onData: (data: string) => void): SseParser {
  let buffer = '';
  let data: string | undefined;
  /** The line buffer[start, end), without its line ending. */
  const line = (text: string, start: number, end: number): void => {
    if (start === end) {
      if (data !== undefined) {
        const event = data;
        data = undefined;
        onData(event);
      }
      return;
    }
    // Only `data` lines matter: "data:" then an optional space, then the value.
    if (
      end - start < 4 ||
      text.charCodeAt(start) !== 100 /* d */ ||
      text.charCodeAt(start + 1) !== 97 /* a */ ||
      text.charCodeAt(start + 2) !== 116 /* t */ ||
      text.charCodeAt(start + 3) !== 97 /* a */
    ) {
      return;
    }
    if (end - start === 4) {
      data = data === undefined ? '' : `${data}\n`;
      return;
    }
    if (text.charCodeAt(start + 4) !== COLON) return;
    const from = text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
    const value = text.slice(from, end);
    data = data === undefined ? value : `${data}\n${value}`;
  };
  return {
    push(chunk) {
      buffer = buffer === '' ? chunk : buffer + chunk;
      let start = 0;
      for (;;) {
        const newline = buffer.indexOf('\n', start);
        if (newline < 0) break;
        const end = newline > start && buffer.charCodeAt(newline - 1) === CARRIAGE_RETURN ? newline - 1 : newline;
        line(buffer, start, end);
        start = newline + 1;
      }
      buffer = start === 0 ? buffer : buffer.slice(start);
    },
    end() {
      if (buffer !== '') line(buffer, 0, buffer.charCodeAt(buffer.length - 1) === CARRIAGE_RETURN ? buffer.length - 1 : buffer.length);
      buffer = '';
      line('', 0, 0);
    },
  };
}
