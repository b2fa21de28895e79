import autocannon from 'autocannon';
import { judgeMessages } from '../../src/judge/llm-judge.ts';
import { loadRubric } from '../../src/judge/rubric.ts';

export interface Capacity {
  requestsPerSecond: number;
  total: number;
  failures: number;
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer EMPTY' };

async function fire(url: string, seconds: number, connections: number, requests: Array<{ body: string }>): Promise<Capacity> {
  const result = await autocannon({
    url: `${url}/chat/completions`,
    method: 'POST',
    headers: HEADERS,
    connections,
    duration: seconds,
    requests: requests.map((request) => ({ method: 'POST', headers: HEADERS, body: request.body })),
  });
  return { requestsPerSecond: result.requests.total / result.duration, total: result.requests.total, failures: result.non2xx + result.errors + result.timeouts };
}

/** The limit: POST /v1/chat/completions, non-streaming, a small body. */
export function smallBodyCapacity(url: string, seconds: number, connections: number): Promise<Capacity> {
  const body = JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'What are your opening hours?' }] });
  return fire(url, seconds, connections, [{ body }]);
}

/**
 * The same sim answering the replay's own four requests for one query (candidate and baseline
 * streamed with the 7.8 KB system prompt, two judge calls with the rubric), in turn: the sim's
 * capacity for this work, which is below its small-body figure.
 */
export function replayMixCapacity(
  url: string,
  seconds: number,
  connections: number,
  sample: { query: string; reference: string },
  systemPrompt: string,
): Promise<Capacity> {
  const chat = (model: string) =>
    JSON.stringify({
      model,
      messages: [{ role: 'system', content: systemPrompt }, { role: 'user', content: sample.query }],
      stream: true,
      stream_options: { include_usage: true },
    });
  const rubric = loadRubric('judges/support-single.yaml');
  const judge = JSON.stringify({
    model: 'gpt-4',
    messages: judgeMessages(rubric, { query: sample.query, answer: sample.reference, reference: sample.reference }),
    temperature: 0,
    max_tokens: 300,
    response_format: { type: 'json_schema', json_schema: { name: 'judge_verdict', schema: { type: 'object' } } },
  });
  return fire(url, seconds, connections, [{ body: chat('meta-llama/Meta-Llama-3-70B-Instruct') }, { body: chat('gpt-4') }, { body: judge }, { body: judge }]);
}
