import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.ts';
import { TIERS, isTier, type Tier } from '../core/tier.ts';
import { parseChatRequest } from '../ingest/chat-request.ts';
import { FieldProblem } from '../ingest/field-problem.ts';

/** One promptfoo test case (the fields this generator writes). */
export interface ConversationTestCase {
  description: string;
  vars: {
    query_id: string;
    conversation_id: string | undefined;
    /** The last customer message: what the router classifies, the import stores as the query's text. */
    query: string;
    tier: Tier;
    reference: string | undefined;
    /** The logged chat-completions request body, whole (messages, tools, parameters); the suite's prompt renders it. */
    request: Record<string, unknown>;
  };
  metadata: { scenario: string | undefined; messages: number; tools: boolean };
}

/** Keys of a logged line that are the response or bookkeeping, not the request production sent. */
const NOT_REQUEST = new Set(['response', 'latency_ms', 'metadata']);

/**
 * promptfoo test cases from a chat-completions log (datasets/conversations-sample.jsonl's shape:
 * the request body, `response`, and `metadata` with query_id, conversation_id, tier, reference,
 * scenario): `perTier` requests of each tier, each carrying its whole logged request so the
 * provider sends every earlier turn, the tools and the parameters, as a replay does. Within a tier
 * the kinds of conversation take turns (scenario, and whether the history holds a tool result), so
 * a small suite still has the order lookups and their results; file order within a kind.
 */
export function conversationTests(file: string | URL, options: { perTier: number }): ConversationTestCase[] {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  const kinds = new Map<string, ConversationTestCase[]>();
  const lines = readFileSync(path, 'utf8').split('\n');
  const order = new Map<ConversationTestCase, number>();
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const test = testOf(line, path, index + 1);
    const toolResult = test.vars.request['messages'] !== undefined && (test.vars.request['messages'] as { role?: unknown }[]).some((message) => message.role === 'tool');
    const kind = `${test.vars.tier}|${test.metadata.scenario ?? ''}|${toolResult}`;
    kinds.set(kind, [...(kinds.get(kind) ?? []), test]);
    order.set(test, index);
  }
  const chosen: ConversationTestCase[] = [];
  for (const tier of TIERS) {
    const queues = [...kinds].filter(([kind]) => kind.startsWith(`${tier}|`)).map(([, tests]) => [...tests]);
    let taken = 0;
    while (taken < options.perTier && queues.some((queue) => queue.length > 0)) {
      for (const queue of queues) {
        const next = queue.shift();
        if (next === undefined || taken >= options.perTier) continue;
        chosen.push(next);
        taken++;
      }
    }
  }
  return chosen.sort((a, b) => order.get(a)! - order.get(b)!);
}

function testOf(line: string, path: string, lineNumber: number): ConversationTestCase {
  const where = (field?: string) => ({ file: path, line: lineNumber, ...(field === undefined ? {} : { field }) });
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`not JSON: ${(error as Error).message}`, where());
  }
  const metadata = (record['metadata'] ?? {}) as Record<string, unknown>;
  const tier = metadata['tier'];
  if (!isTier(tier)) throw new InputError(`expected one of ${TIERS.join(', ')}, got ${JSON.stringify(tier)}`, where('metadata.tier'));
  const queryId = metadata['query_id'];
  if (typeof queryId !== 'string' || queryId === '') throw new InputError('expected a non-empty string', where('metadata.query_id'));
  const request = Object.fromEntries(Object.entries(record).filter(([key]) => !NOT_REQUEST.has(key)));
  let messages;
  try {
    messages = parseChatRequest(request).messages;
  } catch (error) {
    if (error instanceof FieldProblem) throw new InputError(error.message, where());
    throw error;
  }
  const query = messages.findLast((message) => message.role === 'user')!.content;
  const scenario = typeof metadata['scenario'] === 'string' ? metadata['scenario'] : undefined;
  const conversationId = typeof metadata['conversation_id'] === 'string' ? metadata['conversation_id'] : undefined;
  const reference = typeof metadata['reference'] === 'string' && metadata['reference'] !== '' ? metadata['reference'] : undefined;
  return {
    description: `${tier}/${scenario ?? 'conversation'} ${queryId}: ${messages.length} messages${request['tools'] === undefined ? '' : ', tools offered'}`,
    vars: { query_id: queryId, conversation_id: conversationId, query, tier, reference, request },
    metadata: { scenario, messages: messages.length, tools: request['tools'] !== undefined },
  };
}
