import { UsageError } from '../core/errors.ts';
import type { Query } from '../core/query.ts';
import { createRandom } from '../datasets/random.ts';
import type { ChatMessage } from '../endpoints/types.ts';
import { openLog, type LogSource } from '../ingest/open-log.ts';

/** One request a load test sends: what production sent (or what the replay would), and its max_tokens. */
export interface LoadRequest {
  queryId: string;
  messages: ChatMessage[];
  maxTokens: number;
}

/** At most this many logged queries are kept: a sweep cycles through them. */
export const WORKLOAD_LIMIT = 5000;

/**
 * The messages a logged query is sent with: the logged request's own (history and system prompt,
 * tool messages left out: the load test does not run tools), else the replay's single turn.
 */
export function loadRequestFor(query: Query, systemPrompt: string, defaultMaxTokens: number): LoadRequest {
  const logged = query.request;
  const messages: ChatMessage[] = [];
  if (logged !== undefined) {
    for (const message of logged.messages) {
      if (message.role === 'tool' || (message.role === 'assistant' && message.content === '')) continue;
      messages.push({ role: message.role === 'developer' ? 'system' : message.role, content: message.content });
    }
  } else {
    if (systemPrompt !== '') messages.push({ role: 'system', content: systemPrompt });
    messages.push({ role: 'user', content: query.text });
  }
  const maxTokens = logged?.parameters.max_completion_tokens ?? logged?.parameters.max_tokens ?? defaultMaxTokens;
  return { queryId: query.queryId, messages, maxTokens };
}

/** Reads up to WORKLOAD_LIMIT queries of the log and shuffles them with the seed. */
export async function readWorkload(source: LogSource, systemPrompt: string, defaultMaxTokens: number, seed: number): Promise<{ requests: LoadRequest[]; rejects: number }> {
  const reader = await openLog(source);
  const requests: LoadRequest[] = [];
  let rejects = 0;
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'reject') {
        rejects++;
        continue;
      }
      requests.push(loadRequestFor(item.query, systemPrompt, defaultMaxTokens));
      if (requests.length >= WORKLOAD_LIMIT) break;
    }
  } finally {
    await reader.close();
  }
  if (requests.length === 0) throw new UsageError(`${source.path}: no valid query to load-test with (${rejects} rejected lines)`);
  const random = createRandom(seed);
  for (let index = requests.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [requests[index], requests[other]] = [requests[other]!, requests[index]!];
  }
  return { requests, rejects };
}
