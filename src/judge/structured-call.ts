import { addKnown } from '../core/add-known.ts';
import type { CallOptions, ChatMessage, EndpointClient } from '../endpoints/types.ts';

/** What a reply parser returns: the value, or why the reply is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export type StructuredOutcome<T> =
  | { status: 'scored'; value: T }
  | { status: 'unscored'; reason: string }
  | { status: 'error'; reason: string };

export interface StructuredResult<T> {
  outcome: StructuredOutcome<T>;
  /** Sum over the calls made; undefined when any of them has no latency (failed before an answer). */
  latencyMs: number | undefined;
  /** Requests sent to the judge endpoint (1, or 2 with the repair). */
  calls: number;
}

/**
 * One judge request with a JSON-schema response format; when the reply does not parse, one repair
 * request that shows the model its reply and asks again. A second bad reply is unscored with the reason,
 * a failed call is an error: neither is ever a number.
 */
export async function callWithRepair<T>(
  client: EndpointClient,
  messages: ChatMessage[],
  options: CallOptions,
  parse: (text: string | undefined) => Parsed<T>,
  repairInstruction: string,
): Promise<StructuredResult<T>> {
  const first = await client.chat(messages, options);
  if (first.status === 'failed' || first.status === 'interrupted') {
    return { outcome: { status: 'error', reason: first.error ?? first.status }, latencyMs: first.latencyMs, calls: 1 };
  }
  const parsed = parse(first.output);
  if (parsed.ok) return { outcome: { status: 'scored', value: parsed.value }, latencyMs: first.latencyMs, calls: 1 };
  const repaired = await repairCall(client, messages, first.output, repairInstruction, options);
  const latencyMs = addKnown(first.latencyMs, repaired.latencyMs);
  if (repaired.status === 'failed' || repaired.status === 'interrupted') {
    return { outcome: { status: 'error', reason: repaired.error ?? repaired.status }, latencyMs, calls: 2 };
  }
  const second = parse(repaired.output);
  if (second.ok) return { outcome: { status: 'scored', value: second.value }, latencyMs, calls: 2 };
  return { outcome: { status: 'unscored', reason: `after one repair: ${second.reason}` }, latencyMs, calls: 2 };
}

/** The repair request alone: for batch mode, where the first reply came from a batch output file. */
export function repairCall(
  client: EndpointClient,
  messages: ChatMessage[],
  badReply: string | undefined,
  repairInstruction: string,
  options: CallOptions,
): ReturnType<EndpointClient['chat']> {
  return client.chat(
    [...messages, { role: 'assistant', content: badReply ?? '' }, { role: 'user', content: repairInstruction }],
    options,
  );
}

/** Models sometimes wrap JSON in a code fence or a sentence; take the outermost object. */
export function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
