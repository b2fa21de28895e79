import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/*
 * The benches' multi-turn log: each query of a single-turn JSONL log as the last turn of an OpenAI
 * chat-completions request with five earlier messages (about 2 KB: the customer naming an order, a
 * tool call, its result, two assistant turns), the order tool and logged parameters; no system
 * message of its own, so the config's system prompt goes first as for the single-turn log.
 */

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'order_lookup',
      description: 'Look up a Northwind Home order by its order number: status, carrier, tracking number and estimated delivery date.',
      parameters: { type: 'object', properties: { order_id: { type: 'string', description: 'The order number, e.g. NW-123456' } }, required: ['order_id'], additionalProperties: false },
    },
  },
];

/** Five earlier messages (about 2 KB with the tool) before the logged query. */
function history(index: number): object[] {
  const order = `NW-${String(300000 + index).padStart(6, '0')}`;
  return [
    { role: 'user', content: `Hi, I have a question about my order ${order}. I ordered it two weeks ago together with a few other things for the living room and I have been waiting since.` },
    { role: 'assistant', content: null, tool_calls: [{ id: `call_${index}`, type: 'function', function: { name: 'order_lookup', arguments: JSON.stringify({ order_id: order }) } }] },
    { role: 'tool', tool_call_id: `call_${index}`, content: JSON.stringify({ order_id: order, status: 'shipped', carrier: 'FedEx', tracking_number: `1309406${index}`, estimated_delivery: 'Saturday, March 8', items: ['oak side table', 'wool rug', 'linen cushion covers (2)'] }) },
    { role: 'assistant', content: `Thanks for waiting! Your order ${order} shipped with FedEx and should arrive on Saturday, March 8. The tracking number is 1309406${index}. Is there anything else I can help you with today?` },
    { role: 'user', content: 'Thanks, that is good to know. I have one more question before I let you go, it is not about the delivery though.' },
  ];
}

export async function writeMultiTurn(single: string, path: string): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  let index = 0;
  for await (const line of createInterface({ input: createReadStream(single, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as { query_id: string; query: string; tier?: string; reference?: string };
    const record = {
      model: 'gpt-4-0613',
      messages: [...history(index++), { role: 'user', content: row.query }],
      tools: TOOLS,
      tool_choice: 'auto',
      temperature: 0.3,
      max_tokens: 512,
      metadata: { query_id: row.query_id, tier: row.tier, reference: row.reference },
    };
    if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolveDrain) => out.once('drain', () => resolveDrain()));
  }
  await new Promise<void>((resolveEnd, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolveEnd())));
}

