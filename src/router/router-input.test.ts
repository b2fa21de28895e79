import { describe, expect, it } from 'vitest';
import type { Query } from '../core/query.ts';
import { routerText } from './router-input.ts';

const query: Query = {
  queryId: 'q',
  text: 'when will it arrive?',
  source: { file: 'f', line: 1 },
  request: {
    parameters: {},
    messages: [
      { role: 'system', content: 'You are the Northwind assistant. '.repeat(20) },
      { role: 'user', content: 'My sofa order NW-123456 was charged twice.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'order_lookup', arguments: '{}' }] },
      { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'c' },
      { role: 'assistant', content: 'It shipped yesterday.' },
      { role: 'user', content: 'when will it arrive?' },
    ],
  },
};

describe('routerText', () => {
  it('last_user: the last user message, as for a single-turn query', () => {
    expect(routerText(query, { context: 'last_user', contextMessages: 4 }, 128)).toBe('when will it arrive?');
    expect(routerText({ text: 'hello' }, { context: 'last_k', contextMessages: 4 }, 128)).toBe('hello');
  });

  it('last_k: recent user and assistant messages, oldest first, without the system prompt, tool calls or tool results', () => {
    expect(routerText(query, { context: 'last_k', contextMessages: 4 }, 128)).toBe('My sofa order NW-123456 was charged twice.\nIt shipped yesterday.\nwhen will it arrive?');
    expect(routerText(query, { context: 'last_k', contextMessages: 2 }, 128)).toBe('It shipped yesterday.\nwhen will it arrive?');
  });

  it("last_k keeps only what fits the router's max_length (3 characters a token), newest first; the last message always", () => {
    // (16 - 2) * 3 = 42 characters: the last message (20) and "It shipped yesterday." (21 + 1) fit, the first does not.
    expect(routerText(query, { context: 'last_k', contextMessages: 4 }, 16)).toBe('It shipped yesterday.\nwhen will it arrive?');
    expect(routerText(query, { context: 'last_k', contextMessages: 4 }, 3)).toBe('when will it arrive?');
  });
});
