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
  if (data.charCodeAt(0) !== 123 /* { */ || data.charCodeAt(data.length - 1) !== 125 /* } */) return undefined;
  const at = data.indexOf(PREFIX);
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
  if (end >= data.length || !data.startsWith(SUFFIX, end)) return undefined;
  // What is outside the choice must not hold anything the caller reads: usage, an error, more choices.
  // A backslash outside could hide a quote; "usage":null is the only usage that says nothing.
  const outside = (data.slice(0, at) + data.slice(end + SUFFIX.length)).replace('"usage":null', '');
  if (outside.includes('"usage"') || outside.includes('"error"') || outside.includes('"choices"') || outside.includes('\\')) return undefined;
  const literal = data.slice(from, end);
  if (!escaped) return literal;
  try {
    return JSON.parse(`"${literal}"`) as string;
  } catch {
    return undefined;
  }
}
