import type { ToolCall } from '../core/conversation.ts';

/** A tool call as a completion's message carries it, or one streamed fragment of it. */
interface ToolCallJson {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

/** The function calls of a non-streamed completion's message (undefined when there are none). */
export function readToolCalls(value: unknown): ToolCall[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const calls: ToolCall[] = [];
  for (const item of value as ToolCallJson[]) {
    if (typeof item !== 'object' || item === null) continue;
    const name = item.function?.name;
    if (typeof name !== 'string') continue;
    const args = item.function?.arguments;
    calls.push({ id: typeof item.id === 'string' ? item.id : '', name, arguments: typeof args === 'string' ? args : '' });
  }
  return calls.length > 0 ? calls : undefined;
}

/**
 * Streamed tool calls arrive in fragments: the first delta of a call carries its index, id and
 * name, later ones more characters of its arguments under the same index (OpenAI and vLLM alike).
 * Fragments are joined by index, whatever order the indexes come in.
 */
export function createToolCallAccumulator(): { add(deltas: unknown): void; result(): ToolCall[] | undefined } {
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  return {
    add(deltas) {
      if (!Array.isArray(deltas)) return;
      for (const [position, item] of (deltas as ToolCallJson[]).entries()) {
        if (typeof item !== 'object' || item === null) continue;
        const index = typeof item.index === 'number' ? item.index : position;
        let call = byIndex.get(index);
        if (call === undefined) {
          call = { id: '', name: '', arguments: '' };
          byIndex.set(index, call);
        }
        if (typeof item.id === 'string' && item.id !== '') call.id = item.id;
        const name = item.function?.name;
        if (typeof name === 'string') call.name += name;
        const args = item.function?.arguments;
        if (typeof args === 'string') call.arguments += args;
      }
    },
    result() {
      if (byIndex.size === 0) return undefined;
      return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    },
  };
}
