/**
 * Almost every event of a streamed chat completion carries one piece of text and nothing else:
 *   {"id":…,"object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"word "},"logprobs":null,"finish_reason":null}]…}
 * vLLM sends one per token. Parsing each in full was an eighth of the replay's CPU at zero endpoint
 * latency (bench/RESULTS.md), so such an event's text is read in place. Anything else (the role
 * event, a finish_reason, usage, an error, tool calls, a refusal, a second choice, another key
 * order) is not recognised here and goes to JSON.parse. For valid JSON the fast path gives what
 * JSON.parse would, or nothing (src/endpoints/stream-delta.test.ts checks it on generated events);
 * it does not validate the rest of the event, so a malformed event around a well-formed choice is
 * read rather than refused.
 */

const PREFIX = '"choices":[{"index":0,"delta":{"content":"';
const SUFFIX = '"},"logprobs":null,"finish_reason":null}]';
const QUOTE = 34;
const BACKSLASH = 92;

/** The content of a plain text-delta event, or undefined when the event needs a full parse. */
export function plainDeltaContent(data: string): string | undefined {
  return readPlainDelta(data, undefined)?.content;
}

/**
 * The same, for the events of one stream in order. Every event of a stream starts with the same
 * id, created time and model, so a head already checked once is only compared rather than searched
 * again: searching its ~150 characters for '"usage"' and the like was most of this function's
 * time, because '"' is everywhere in JSON.
 */
export function plainDeltaReader(): (data: string) => string | undefined {
  let checkedHead: string | undefined;
  return (data) => {
    const read = readPlainDelta(data, checkedHead);
    if (read === undefined) return undefined;
    checkedHead = read.head;
    return read.content;
  };
}

/** Tails of a plain event that say nothing: the object's end, after at most a null usage. */
const PLAIN_TAILS = ['}', ',"usage":null}'];

function readPlainDelta(data: string, checkedHead: string | undefined): { content: string; head: string } | undefined {
  if (data.charCodeAt(0) !== 123 /* { */ || data.charCodeAt(data.length - 1) !== 125 /* } */) return undefined;
  const known = checkedHead !== undefined && textAt(data, 0, checkedHead) && textAt(data, checkedHead.length, PREFIX);
  const at = known ? checkedHead!.length : data.indexOf(PREFIX);
  if (at < 0) return undefined;
  const from = at + PREFIX.length;
  let escaped = false;
  let end = from;
  for (; end < data.length; end++) {
    const code = data.charCodeAt(end);
    if (code === QUOTE) break;
    if (code === BACKSLASH) {
      escaped = true;
      end++;
    } else if (code < 32) {
      return undefined; // not valid JSON: let the parser say so
    }
  }
  if (end >= data.length || !textAt(data, end, SUFFIX)) return undefined;
  const tail = end + SUFFIX.length;
  const plainTail = PLAIN_TAILS.some((plain) => data.length - tail === plain.length && textAt(data, tail, plain));
  if (!known || !plainTail) {
    // What is outside the choice must not hold anything the caller reads: usage, an error, more
    // choices. A backslash outside could hide a quote; "usage":null is the only usage that says nothing.
    const outside = (data.slice(0, at) + data.slice(tail)).replace('"usage":null', '');
    if (outside.includes('"usage"') || outside.includes('"error"') || outside.includes('"choices"') || outside.includes('\\')) return undefined;
  }
  const literal = data.slice(from, end);
  const head = known ? checkedHead! : data.slice(0, at);
  if (!escaped) return { content: literal, head };
  try {
    return { content: JSON.parse(`"${literal}"`) as string, head };
  } catch {
    return undefined;
  }
}

/**
 * Whether `text` stands in `data` at `at`. A slice compared with === is a memcmp; startsWith with a
 * position, or a charCodeAt loop, took 2-3 ns a character here (V8 13, on a sliced string).
 */
function textAt(data: string, at: number, text: string): boolean {
  return data.length >= at + text.length && data.slice(at, at + text.length) === text;
}
