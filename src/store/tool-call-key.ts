import type { ToolCall } from '../core/conversation.ts';

/**
 * Tool calls as the gate compares them: the same tool, arguments equal as JSON. Arguments are
 * parsed and written back with keys sorted at every depth, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }`
 * agree; arguments that are not JSON are compared as text. Calls are sorted, since a model may
 * order parallel calls either way. Ids are left out: they are per call. undefined: no calls.
 */
export function toolCallsKey(calls: readonly ToolCall[] | undefined): string | undefined {
  if (calls === undefined || calls.length === 0) return undefined;
  return JSON.stringify(calls.map((call) => [call.name, canonicalArguments(call.arguments)]).sort(compareKeys));
}

function canonicalArguments(text: string): unknown {
  try {
    return { json: sortKeys(JSON.parse(text) as unknown) };
  } catch {
    return { text };
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function compareKeys(a: unknown, b: unknown): number {
  const left = JSON.stringify(a);
  const right = JSON.stringify(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
