import type { ConversationMessage, LoggedResponse } from '../core/conversation.ts';
import type { IngestItem } from '../core/query.ts';
import { checkConversation, contentText, parseWireMessage } from './chat-messages.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import { PathMiss } from './field-path.ts';
import { describeValue, FieldProblem } from './field-problem.ts';
import type { PrepareHandler, RecordHandler, SourceRecord } from './record-handler.ts';
import { createRecordConverter, rejectItem, type ReadColumn } from './record-to-item.ts';
import { SeenIds } from './seen-ids.ts';

/**
 * Turn tables: one row per message (`conversation_id`, `turn`, `role`, `content`, and optionally
 * `tool_calls` as JSON text and `tool_call_id`), in CSV, Parquet, DuckDB or JSON rows. Streamed: a
 * conversation is complete when its id changes or the file ends, so the rows MUST be grouped by
 * conversation and ordered by turn within it. Checked: a conversation that reappears after another
 * one, or a turn number that does not increase, rejects that conversation (naming the row's line).
 *
 * Replay points are assistant rows: `last` (default) the last assistant turn of each conversation,
 * `all` every assistant turn. The history sent is the logged one (teacher-forced), and the logged
 * assistant message at that turn is the logged answer. Other mapped fields (label, reference,
 * timestamp, channel, id) are read from the assistant row, else from the user row before it.
 */

export const TURN_MODES = ['last', 'all'] as const;
export type TurnMode = (typeof TURN_MODES)[number];

interface Row {
  line: number;
  raw: string;
  read: ReadColumn;
  turn: number;
  message: ConversationMessage;
}

interface Open {
  id: string;
  firstLine: number;
  rows: Row[];
  /** Set when the conversation is already rejected: its remaining rows are absorbed. */
  broken: boolean;
}

function field(read: ReadColumn, mapping: ResolvedMapping, name: 'conversation_id' | 'turn' | 'role' | 'content' | 'tool_calls' | 'tool_call_id'): unknown {
  const column = mapping.columns[name];
  if (column === undefined) return undefined;
  const value = read(column);
  if (value instanceof PathMiss) throw new FieldProblem(`${name}: ${column}: ${value.why}`);
  return value;
}

function turnNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw new FieldProblem(`turn: expected a number, got ${typeof value === 'string' ? JSON.stringify(value) : describeValue(value)}`);
}

/** One row's message, through the same checks as a chat-completions message. */
function rowMessage(read: ReadColumn, mapping: ResolvedMapping): ConversationMessage {
  const role = field(read, mapping, 'role');
  let toolCalls = field(read, mapping, 'tool_calls');
  if (typeof toolCalls === 'string') {
    if (toolCalls.trim() === '') toolCalls = undefined;
    else {
      try {
        toolCalls = JSON.parse(toolCalls) as unknown;
      } catch (error) {
        throw new FieldProblem(`tool_calls: invalid JSON: ${(error as Error).message}`);
      }
    }
  }
  // Rows may hold tool calls as {id, name, arguments} or in the API's {id, type, function} shape.
  if (Array.isArray(toolCalls)) {
    toolCalls = toolCalls.map((call: unknown) =>
      typeof call === 'object' && call !== null && !('function' in call) ? { id: (call as Record<string, unknown>)['id'], type: 'function', function: { name: (call as Record<string, unknown>)['name'], arguments: (call as Record<string, unknown>)['arguments'] } } : call,
    );
  }
  const toolCallId = field(read, mapping, 'tool_call_id');
  const wire: Record<string, unknown> = { role, content: contentOf(field(read, mapping, 'content')) };
  if (toolCalls !== undefined && toolCalls !== null) wire['tool_calls'] = toolCalls;
  if (typeof toolCallId === 'string' && toolCallId.trim() !== '') wire['tool_call_id'] = toolCallId.trim();
  try {
    return parseWireMessage(wire, 'row');
  } catch (error) {
    // Named by the row's own columns: `role: ...`, `content[1]: ...`.
    if (error instanceof FieldProblem) throw new FieldProblem(error.message.replace(/^row\.?/, ''));
    throw error;
  }
}

/** A content cell may hold a JSON array of parts (exported from a chat log); plain text stays text. */
function contentOf(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('[{')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (Array.isArray(parsed)) {
        contentText(parsed, 'content');
        return parsed;
      }
    } catch (error) {
      if (error instanceof FieldProblem) throw error;
    }
  }
  return value;
}

export function turnsHandler(file: string, mapping: ResolvedMapping, mode: TurnMode): PrepareHandler {
  return () => (): RecordHandler => {
    const convert = createRecordConverter(file, mapping);
    const seen = new SeenIds();
    let open: Open | undefined;

    function* close(conversation: Open): Generator<IngestItem> {
      if (conversation.broken) return;
      const { rows, id } = conversation;
      const messages = rows.map((row) => row.message);
      const answers = rows.map((row, index) => (row.message.role === 'assistant' ? index : -1)).filter((index) => index > 0);
      if (answers.length === 0) {
        yield rejectItem(file, conversation.firstLine, `conversation ${id}: no assistant turn after a user turn, so nothing to replay`, rows[0]?.raw);
        return;
      }
      for (const index of mode === 'last' ? answers.slice(-1) : answers) {
        const row = rows[index]!;
        const history = messages.slice(0, index);
        let userRead: ReadColumn | undefined;
        for (let back = index - 1; back >= 0 && userRead === undefined; back--) if (rows[back]!.message.role === 'user') userRead = rows[back]!.read;
        const read: ReadColumn = (column) => {
          const value = row.read(column);
          return (value === undefined || value === null || value === '' || value instanceof PathMiss) && userRead !== undefined ? userRead(column) : value;
        };
        const response: LoggedResponse = { content: row.message.content };
        if (row.message.toolCalls !== undefined) response.toolCalls = row.message.toolCalls;
        yield convert(read, row.line, row.raw, {
          chat: () => {
            checkConversation(history, `conversation ${id} before turn ${row.turn}`);
            return { request: { messages: history, parameters: {} }, response, turnIndex: index, logId: `${id}:${row.turn}`, conversationId: id };
          },
        });
      }
    }

    return {
      *take(record: SourceRecord): Generator<IngestItem> {
        let id: string;
        let turn: number;
        let message: ConversationMessage;
        try {
          const rawId = field(record.read, mapping, 'conversation_id');
          if (rawId === undefined || rawId === null || String(rawId).trim() === '') throw new FieldProblem('conversation_id: missing');
          if (typeof rawId !== 'string' && typeof rawId !== 'number' && typeof rawId !== 'bigint') throw new FieldProblem(`conversation_id: expected a string or number, got ${describeValue(rawId)}`);
          id = String(rawId).trim();
          turn = turnNumber(field(record.read, mapping, 'turn'));
          message = rowMessage(record.read, mapping);
        } catch (error) {
          if (!(error instanceof FieldProblem)) throw error;
          // A row that cannot be read breaks its conversation (when its id is known): half a history is not the logged one.
          const rawId = mapping.columns.conversation_id === undefined ? undefined : record.read(mapping.columns.conversation_id);
          const knownId = typeof rawId === 'string' || typeof rawId === 'number' || typeof rawId === 'bigint' ? String(rawId).trim() : '';
          if (knownId === '') {
            yield rejectItem(file, record.line, error.message, record.raw);
            return;
          }
          if (open !== undefined && open.id !== knownId) {
            yield* close(open);
            open = undefined;
          }
          if (open === undefined) {
            seen.add(knownId, record.line);
            open = { id: knownId, firstLine: record.line, rows: [], broken: false };
          }
          if (!open.broken) yield rejectItem(file, record.line, `conversation ${knownId}: ${error.message}`, record.raw);
          open.broken = true;
          open.rows = [];
          return;
        }
        if (open !== undefined && open.id !== id) {
          yield* close(open);
          open = undefined;
        }
        if (open === undefined) {
          const first = seen.add(id, record.line);
          if (first !== undefined) {
            yield rejectItem(
              file,
              record.line,
              `conversation ${id} reappears (first at line ${first}): rows must be grouped by conversation and ordered by turn`,
              record.raw,
            );
            open = { id, firstLine: record.line, rows: [], broken: true };
            return;
          }
          open = { id, firstLine: record.line, rows: [], broken: false };
        }
        if (open.broken) return;
        const previous = open.rows[open.rows.length - 1];
        if (previous !== undefined && turn <= previous.turn) {
          yield rejectItem(
            file,
            record.line,
            `conversation ${id}: turn ${turn} does not come after turn ${previous.turn} (line ${previous.line}); rows must be ordered by turn`,
            record.raw,
          );
          open.broken = true;
          open.rows = [];
          return;
        }
        open.rows.push({ line: record.line, raw: record.raw, read: record.read, turn, message });
      },
      *finish(): Generator<IngestItem> {
        if (open !== undefined) yield* close(open);
        open = undefined;
      },
    };
  };
}
