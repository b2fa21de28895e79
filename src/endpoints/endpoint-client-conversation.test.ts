import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpointClient } from './endpoint-client.ts';
import type { ChatMessage, EndpointSettings } from './types.ts';
import { toWireMessages } from '../core/wire-messages.ts';
import type { ConversationMessage, ToolDefinition } from '../core/conversation.ts';

// Multi-turn requests against a loopback server that records the raw bytes it received.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function server(reply: (res: ServerResponse, body: Record<string, unknown>) => void): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      bodies.push(raw);
      reply(res, JSON.parse(raw) as Record<string, unknown>);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => {
    http.closeAllConnections();
    http.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`, bodies };
}

function settings(url: string, overrides: Partial<EndpointSettings> = {}): EndpointSettings {
  return { name: 'llama', baseUrl: url, model: 'llama-3-70b', apiKey: undefined, timeoutMs: 5000, retries: 0, maxConcurrency: 2, pricing: { kind: 'fixed', monthlyUsd: 1, perQueryUsd: 0 }, stream: false, ...overrides };
}

const tools: ToolDefinition[] = [
  { type: 'function', function: { name: 'lookup_order', description: 'Order status by number', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } } },
];
const conversation: ConversationMessage[] = [
  { role: 'developer', content: 'You are the Northwind support assistant.' },
  { role: 'user', content: 'My order NW-553201 has not arrived.' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"NW-553201"}' }] },
  { role: 'tool', content: '{"status":"shipped","eta":"2026-12-08"}', toolCallId: 'call_1' },
  { role: 'assistant', content: 'It shipped and should arrive on 8 December.' },
  { role: 'user', content: 'Can you check again? It is the 9th.', name: 'maria' },
];

const sse = (events: object[]): string => events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('') + 'data: [DONE]\n\n';

describe('endpoint client: logged conversations', () => {
  it('sends every message, the tools and the logged parameters with only the model swapped, and drops what the endpoint cannot take', async () => {
    const { url, bodies } = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 90, completion_tokens: 1 } }));
    });
    const client = createEndpointClient(settings(url, { unsupportedParams: ['parallel_tool_calls'] }));
    const result = await client.chat(toWireMessages(conversation), {
      tools,
      parameters: { temperature: 0.3, top_p: 0.9, max_tokens: 200, stop: ['\n\n'], seed: 7, response_format: { type: 'text' }, tool_choice: 'auto', parallel_tool_calls: true },
    });
    client.close?.();
    expect(result.status).toBe('ok');
    expect(result.droppedParams).toEqual(['parallel_tool_calls']);
    const body = JSON.parse(bodies[0]!) as Record<string, unknown>;
    expect(body).toEqual({
      model: 'llama-3-70b',
      messages: [
        { role: 'developer', content: 'You are the Northwind support assistant.' },
        { role: 'user', content: 'My order NW-553201 has not arrived.' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"NW-553201"}' } }] },
        { role: 'tool', content: '{"status":"shipped","eta":"2026-12-08"}', tool_call_id: 'call_1' },
        { role: 'assistant', content: 'It shipped and should arrive on 8 December.' },
        { role: 'user', content: 'Can you check again? It is the 9th.', name: 'maria' },
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 200,
      stop: ['\n\n'],
      seed: 7,
      response_format: { type: 'text' },
      tool_choice: 'auto',
      tools,
    });
  });

  it('sends a logged max_tokens as max_completion_tokens to an endpoint that takes only that', async () => {
    const { url, bodies } = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { content: 'ok' }, finish_reason: 'stop' }] }));
    });
    const client = createEndpointClient(settings(url, { model: 'o3-mini', maxTokensParam: 'max_completion_tokens', unsupportedParams: ['temperature'] }));
    const result = await client.chat(toWireMessages(conversation), { parameters: { temperature: 0.2, max_tokens: 120 } });
    client.close?.();
    const body = JSON.parse(bodies[0]!) as Record<string, unknown>;
    expect(body.max_tokens).toBeUndefined();
    expect(body.temperature).toBeUndefined();
    expect(body.max_completion_tokens).toBe(120);
    expect(result.droppedParams).toEqual(['temperature']);
  });

  it('reads tool calls from a non-streamed answer', async () => {
    const { url } = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id": "NW-553201"}' } }] }, finish_reason: 'tool_calls' }], usage: { prompt_tokens: 80, completion_tokens: 12 } }));
    });
    const client = createEndpointClient(settings(url));
    const result = await client.chat(toWireMessages(conversation), { tools });
    client.close?.();
    expect(result.status).toBe('ok');
    expect(result.output).toBe('');
    expect(result.toolCalls).toEqual([{ id: 'call_9', name: 'lookup_order', arguments: '{"order_id": "NW-553201"}' }]);
  });

  it('joins streamed tool-call fragments by index, and keeps reading plain text deltas', async () => {
    const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'llama-3-70b' };
    const { url } = await server((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        sse([
          { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { content: 'Checking ' }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { content: 'now.' }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'open_ticket', arguments: '' } }] }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'lookup_order', arguments: '{"order' } }] }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '_id":"NW-1"}' } }] }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, logprobs: null, finish_reason: null }] },
          { ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }] },
          { ...head, choices: [], usage: { prompt_tokens: 50, completion_tokens: 20 } },
        ]),
      );
    });
    const client = createEndpointClient(settings(url, { stream: true }));
    const result = await client.chat(toWireMessages(conversation), { tools });
    client.close?.();
    expect(result.status).toBe('ok');
    expect(result.output).toBe('Checking now.');
    expect(result.toolCalls).toEqual([
      { id: 'call_a', name: 'lookup_order', arguments: '{"order_id":"NW-1"}' },
      { id: 'call_b', name: 'open_ticket', arguments: '{}' },
    ]);
    expect(result.completionTokens).toBe(20);
  });

  it('does not send a request larger than context_tokens: it fails with its size, nothing truncated', async () => {
    const { url, bodies } = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { content: 'ok' }, finish_reason: 'stop' }] }));
    });
    const client = createEndpointClient(settings(url, { contextTokens: 1000 }));
    const long: ChatMessage[] = [{ role: 'system', content: 'policy '.repeat(700) }, { role: 'user', content: 'hello' }];
    const result = await client.chat(long, { parameters: { max_tokens: 100 } });
    const small = await client.chat([{ role: 'user', content: 'hello' }], { parameters: { max_tokens: 100 } });
    client.close?.();
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(0);
    expect(result.errorKind).toBe('context');
    // 4,900 + 5 characters: 1,227 tokens + 4 per message, plus the 100 requested.
    expect(result.error).toBe('request too large for llama: about 1235 prompt tokens (4905 characters / 4, 2 messages) + 100 completion tokens requested > context_tokens 1000; not sent, not truncated');
    expect(small.status).toBe('ok');
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ messages: [{ role: 'user', content: 'hello' }] });
  });
});
