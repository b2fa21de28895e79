import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../store/test-records.ts';
import { conversationTests } from './conversation-tests.ts';

const SAMPLE = resolve(import.meta.dirname, '../../datasets/conversations-sample.jsonl');

describe('conversationTests (the nightly suite\'s tests)', () => {
  it('takes perTier requests of each tier, every kind of conversation, each with its whole logged request', () => {
    const tests = conversationTests(SAMPLE, { perTier: 12 });
    expect(tests).toHaveLength(36);
    for (const tier of ['simple', 'medium', 'complex']) expect(tests.filter((test) => test.vars.tier === tier)).toHaveLength(12);
    const messages = (test: (typeof tests)[number]) => test.vars.request['messages'] as { role: string; content: unknown }[];
    // The order lookups with their logged results are in, not only the first lines of the file.
    expect(tests.filter((test) => messages(test).some((message) => message.role === 'tool')).length).toBeGreaterThanOrEqual(3);
    expect(new Set(tests.map((test) => test.metadata.scenario))).toEqual(new Set(['return_item', 'showroom_visit', 'order_eta', 'order_lookup_call', 'troubleshoot_tried', 'double_charge']));
    for (const test of tests) {
      expect(messages(test).length).toBeGreaterThanOrEqual(4);
      // Some logged contents are arrays of text parts: the query is their text.
      const last = messages(test).findLast((message) => message.role === 'user')!.content;
      expect(test.vars.query).toBe(typeof last === 'string' ? last : (last as { text: string }[]).map((part) => part.text).join('\n'));
      // The response and bookkeeping stay out of what the provider is sent.
      expect(Object.keys(test.vars.request)).not.toEqual(expect.arrayContaining(['response']));
      expect(test.vars.request['metadata']).toBeUndefined();
      expect(test.vars.reference).toBeTruthy();
    }
  });

  it('names file, line and field of a bad line', () => {
    const dir = tempDir();
    const file = join(dir.path, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], metadata: { query_id: 'a', tier: 'simple' } })}\n${JSON.stringify({ messages: 'no', metadata: { query_id: 'b', tier: 'simple' } })}\n`);
    expect(() => conversationTests(file, { perTier: 5 })).toThrow(`${file}:2: messages: expected an array, got string`);
    writeFileSync(file, `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], metadata: { query_id: 'a', tier: 'easy' } })}\n`);
    expect(() => conversationTests(file, { perTier: 5 })).toThrow(`${file}:1 (metadata.tier): expected one of simple, medium, complex, got "easy"`);
    dir.remove();
  });
});
