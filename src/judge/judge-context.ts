import type { ConversationMessage, ToolCall } from '../core/conversation.ts';

export interface JudgeContext {
  /** The conversation around the graded turn, as the judge reads it; undefined for a single-turn query. */
  text: string | undefined;
  /** What the budget left out, e.g. "kept 4 of 7 context messages (~1,900 of ~3,400 tokens, budget 2,000); cut: 3 oldest". */
  cut: string | undefined;
}

/** The same characters/4 estimate the endpoints' context check uses. */
const tokensOf = (text: string): number => Math.ceil(text.length / 4);

/** What stands in the transcript for the last customer message (the graded turn, shown as <query>). */
export const LAST_TURN_TEXT = '(the message in <query> below, the one the answer replies to)';
const LAST_TURN_MARKER = `customer: ${LAST_TURN_TEXT}`;

function calls(toolCalls: readonly ToolCall[]): string {
  return toolCalls.map((call) => `${call.name}(${call.arguments})`).join('; ');
}

/** One message as a transcript line: the role as the reader knows it, tool calls and results named. */
export function transcriptLine(message: ConversationMessage): string {
  switch (message.role) {
    case 'system':
    case 'developer':
      return `system prompt: ${message.content}`;
    case 'user':
      return `customer: ${message.content}`;
    case 'assistant': {
      const said = message.content === '' ? '' : message.content;
      const called = message.toolCalls !== undefined && message.toolCalls.length > 0 ? `[called ${calls(message.toolCalls)}]` : '';
      return `assistant: ${[said, called].filter((part) => part !== '').join(' ')}`;
    }
    case 'tool':
      return `tool result${message.toolCallId === undefined ? '' : ` (${message.toolCallId})`}: ${message.content}`;
  }
}

/**
 * The conversation a judge sees with the graded answer: every message of the logged request but
 * the last user message (that one is the <query>), cut to `budgetTokens`. The newest turns matter
 * most to whether an answer fits, so the oldest go first and the system prompt (long, and the
 * same for every query) last-but-kept only when it fits. The cut is described, never silent.
 */
export function judgeContext(messages: readonly ConversationMessage[] | undefined, budgetTokens: number): JudgeContext {
  if (messages === undefined) return { text: undefined, cut: undefined };
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const lines = messages.map((message, index) => (index === lastUser ? LAST_TURN_MARKER : transcriptLine(message)));
  const contextIndexes = lines.map((_line, index) => index).filter((index) => index !== lastUser);
  if (contextIndexes.length === 0) return { text: undefined, cut: undefined };
  const isSystem = (index: number): boolean => messages[index]!.role === 'system' || messages[index]!.role === 'developer';
  const turns = contextIndexes.filter((index) => !isSystem(index));
  const systems = contextIndexes.filter(isSystem);
  const kept = new Set<number>();
  let used = tokensOf(LAST_TURN_MARKER);
  let total = used;
  for (const index of contextIndexes) total += tokensOf(lines[index]!);
  // Newest turns first, then the system prompt(s).
  for (const index of [...turns.reverse(), ...systems]) {
    const cost = tokensOf(lines[index]!);
    if (used + cost > budgetTokens) continue;
    kept.add(index);
    used += cost;
  }
  const text = lines.filter((_line, index) => index === lastUser || kept.has(index)).join('\n');
  if (kept.size === contextIndexes.length) return { text, cut: undefined };
  const droppedTurns = turns.filter((index) => !kept.has(index)).length;
  const droppedSystem = systems.some((index) => !kept.has(index));
  const what = [droppedTurns > 0 ? `${droppedTurns} oldest turn message${droppedTurns === 1 ? '' : 's'}` : '', droppedSystem ? 'the system prompt' : '']
    .filter((part) => part !== '')
    .join(' and ');
  return {
    text,
    cut: `kept ${kept.size} of ${contextIndexes.length} context messages (~${used} of ~${total} tokens, budget ${budgetTokens}); cut: ${what}`,
  };
}

/** An answer as the judge reads it: its text, and the tool calls it made spelled out. */
export function answerText(output: string, toolCalls: readonly ToolCall[] | undefined): string {
  if (toolCalls === undefined || toolCalls.length === 0) return output;
  const called = toolCalls.map((call) => `[calls tool ${call.name} with ${call.arguments}]`).join('\n');
  return output === '' ? called : `${output}\n${called}`;
}
