/**
 * Almost every event of a streamed chat completion carries one piece of text and nothing else:
 *   {"id":…,"object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"word "},"logprobs":null,"finish_reason":null}]…}
 * vLLM sends one per token. Parsing each in full was an eighth of the replay's CPU at zero endpoint
 * latency (bench/RESULTS.md), so such an event's text is read in place, from the event's bytes as
 * the SSE parser hands them over: only the text itself is decoded. Anything else (the role
 * event, a finish_reason, usage, an error, tool calls, a refusal, a second choice, another key
 * order) is not recognised here and goes to JSON.parse. For valid JSON the fast path gives what
 * JSON.parse would, or nothing (src/endpoints/stream-delta.test.ts checks it on generated events);
 * it does not validate the rest of the event, so a malformed event around a well-formed choice is
 * read rather than refused.
 */

const PREFIX = Buffer.from('"choices":[{"index":0,"delta":{"content":"');
const SUFFIX = Buffer.from('"},"logprobs":null,"finish_reason":null}]');
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** The content of a plain text-delta event (its UTF-8 bytes), or undefined when the event needs a full parse. */
export function plainDeltaContent(bytes: Buffer, start = 0, end = bytes.length): string | undefined {
  return readPlainDelta({ head: undefined }, bytes, start, end);
}

/**
 * The same, for the events of one stream in order. Every event of a stream starts with the same
 * id, created time and model, so a head already checked once is only compared rather than searched
 * again: searching its ~150 characters for '"usage"' and the like was most of this function's
 * time, because '"' is everywhere in JSON.
 */
export function plainDeltaReader(): (bytes: Buffer, start: number, end: number) => string | undefined {
  const checked: CheckedHead = { head: undefined };
  return (bytes, start, end) => readPlainDelta(checked, bytes, start, end);
}

/** The head (everything before the choice's text) of the last plain event read, a copy of its bytes. */
interface CheckedHead {
  head: Buffer | undefined;
}

/**
 * A plain event's end: the rest of the choice, then the object's end after at most a null usage.
 * Checked as one comparison each (a native Buffer comparison per check was 4% of the replay).
 */
const PLAIN_ENDS = [Buffer.concat([SUFFIX, Buffer.from('}')]), Buffer.concat([SUFFIX, Buffer.from(',"usage":null}')])];

/** Runs once per token: it allocates only the text it returns, and compares twice (bench/RESULTS.md). */
function readPlainDelta(checked: CheckedHead, bytes: Buffer, start: number, end: number): string | undefined {
  if (end - start < 2 || bytes[start] !== OPEN_BRACE || bytes[end - 1] !== CLOSE_BRACE) return undefined;
  const checkedHead = checked.head;
  // The head and the choice's opening, compared as one.
  const known = checkedHead !== undefined && bytesAt(bytes, start, end, checkedHead);
  const from = known ? start + checkedHead!.length : bytes.indexOf(PREFIX, start) + PREFIX.length;
  if (from < PREFIX.length || from > end) return undefined;
  let escaped = false;
  let close = from;
  for (; close < end; close++) {
    const code = bytes[close]!;
    if (code === QUOTE) break;
    if (code === BACKSLASH) {
      escaped = true;
      close++;
    } else if (code < 32) {
      return undefined; // not valid JSON: let the parser say so
    }
  }
  if (close >= end) return undefined;
  let plainEnd = false;
  for (const ending of PLAIN_ENDS) plainEnd ||= end - close === ending.length && bytesAt(bytes, close, end, ending);
  if (!known || !plainEnd) {
    if (!bytesAt(bytes, close, end, SUFFIX)) return undefined;
    // What is outside the choice must not hold anything the caller reads: usage, an error, more
    // choices. A backslash outside could hide a quote; "usage":null is the only usage that says nothing.
    const outside = (bytes.toString('utf8', start, from - PREFIX.length) + bytes.toString('utf8', close + SUFFIX.length, end)).replace('"usage":null', '');
    if (outside.includes('"usage"') || outside.includes('"error"') || outside.includes('"choices"') || outside.includes('\\')) return undefined;
  }
  // Only the text is decoded: it starts and ends next to a quote, so it holds whole characters.
  const literal = bytes.toString('utf8', from, close);
  let content = literal;
  if (escaped) {
    try {
      content = JSON.parse(`"${literal}"`) as string;
    } catch {
      return undefined;
    }
  }
  if (!known) checked.head = Buffer.from(bytes.subarray(start, from));
  return content;
}

/** Whether `expected` stands in bytes[at, end). */
function bytesAt(bytes: Buffer, at: number, end: number, expected: Buffer): boolean {
  return end - at >= expected.length && bytes.compare(expected, 0, expected.length, at, at + expected.length) === 0;
}
