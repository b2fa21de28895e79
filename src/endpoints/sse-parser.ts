/**
 * Server-sent events, as OpenAI and vLLM stream chat completions: `data: <json>` lines, events
 * separated by a blank line, `:` comments, `\n` or `\r\n` endings; several `data:` lines of one
 * event join with `\n` (the WHATWG rules this needs). Chunks may split anywhere. Pushed, not
 * iterated, so an answer of 200 deltas costs no promise per delta.
 */
export interface SseParser {
  push(chunk: string): void;
  /** The stream ended: an event without its closing blank line is still delivered. */
  end(): void;
}

export function createSseParser(onData: (data: string) => void): SseParser {
  let buffer = '';
  let data: string | undefined;
  const line = (text: string): void => {
    if (text === '') {
      if (data !== undefined) {
        const event = data;
        data = undefined;
        onData(event);
      }
      return;
    }
    if (text.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    data = data === undefined ? value : `${data}\n${value}`;
  };
  return {
    push(chunk) {
      buffer = buffer === '' ? chunk : buffer + chunk;
      let start = 0;
      for (;;) {
        const newline = buffer.indexOf('\n', start);
        if (newline < 0) break;
        const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        line(buffer.slice(start, end));
        start = newline + 1;
      }
      buffer = start === 0 ? buffer : buffer.slice(start);
    },
    end() {
      if (buffer !== '') line(buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer);
      buffer = '';
      line('');
    },
  };
}
