import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { conversationKey } from './conversation.ts';
import { createReferenceStore, loadReferenceFile, looseKey } from './reference-store.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hybrid-eval-sim-refs-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('reference store', () => {
  it('matches ignoring case and whitespace, and redacted PII', () => {
    const store = createReferenceStore();
    store.add({ query: 'Where is order NW-123456? Email me at jane.doe@example.com', reference: 'Track it.', tier: 'simple' });
    expect(store.lookup('where is order  NW-123456?   email me at jane.doe@example.com')).toEqual({ reference: 'Track it.', tier: 'simple' });
    expect(store.lookup('Where is order [ORDER_ID]? Email me at <EMAIL_1>')?.reference).toBe('Track it.');
    expect(store.lookup('Something else entirely')).toBeUndefined();
    expect(looseKey('Call (503) 555-0142 or {{PHONE}}')).toBe('call or');
  });

  it('never answers one customer with another customer\'s reference when only their numbers tell them apart', () => {
    const store = createReferenceStore();
    store.add({ query: 'Charged twice on order NW-111111: $72.14. Fix it', reference: 'Refund of $72.14 on NW-111111.' });
    store.add({ query: 'Charged twice on order NW-222222: $1399.75. Fix it', reference: 'Refund of $1399.75 on NW-222222.' });
    // Redacted order numbers: the amount that survives redaction picks the right one.
    expect(store.lookup('Charged twice on order [ORDER_1]: $1399.75. Fix it')?.reference).toBe('Refund of $1399.75 on NW-222222.');
    // Nothing that tells them apart: no answer rather than the first customer's.
    expect(store.lookup('Charged twice on order [ORDER_1]: [AMOUNT]. Fix it')).toBeUndefined();
  });

  it('loads JSONL, skipping lines without a reference, and names the file and line of bad JSON', async () => {
    const good = join(directory, 'refs.jsonl');
    await writeFile(good, [
      JSON.stringify({ query: 'Q one', reference: 'R one', tier: 'medium' }),
      '',
      JSON.stringify({ query: 'Q two' }),
      JSON.stringify({ query: 'Q three', reference: 'R three', tier: 'bogus' }),
    ].join('\n'));
    const store = createReferenceStore();
    expect(await loadReferenceFile(good, store)).toBe(2);
    expect(store.lookup('q one')).toEqual({ reference: 'R one', tier: 'medium' });
    expect(store.lookup('q three')).toEqual({ reference: 'R three', tier: undefined });

    // Logged chat-completions requests: the reference goes under the conversation's customer messages.
    const chat = join(directory, 'chat.jsonl');
    const messages = [
      { role: 'system', content: 'You are Northwind support.' },
      { role: 'user', content: 'My order NW-123456 has not arrived.' },
      { role: 'assistant', content: 'Sorry to hear that. Let me check.' },
      { role: 'user', content: 'When will it come?' },
    ];
    await writeFile(chat, [
      JSON.stringify({ model: 'gpt-4', messages, metadata: { reference: 'It ships Friday.', tier: 'medium' } }),
      JSON.stringify({ request: { model: 'gpt-4', messages: [{ role: 'user', content: 'Hours on Sunday?' }] }, reference: 'Noon to five.' }),
      JSON.stringify({ model: 'gpt-4', messages: [{ role: 'user', content: 'no reference here' }] }),
    ].join('\n'));
    const chats = createReferenceStore();
    expect(await loadReferenceFile(chat, chats)).toBe(2);
    expect(chats.lookup(conversationKey(['My order NW-123456 has not arrived.', 'When will it come?']))).toEqual({ reference: 'It ships Friday.', tier: 'medium' });
    expect(chats.lookup('Hours on Sunday?')).toEqual({ reference: 'Noon to five.', tier: undefined });
    const badChat = join(directory, 'bad-chat.jsonl');
    await writeFile(badChat, JSON.stringify({ messages: [{ role: 'wizard', content: 'x' }], reference: 'r' }));
    const chatError = await loadReferenceFile(badChat, createReferenceStore()).catch((caught: unknown) => caught);
    expect(chatError).toBeInstanceOf(InputError);
    expect((chatError as Error).message).toContain(`${badChat}:1`);

    const bad = join(directory, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify({ query: 'a', reference: 'b' })}\n{not json\n`);
    const error = await loadReferenceFile(bad, createReferenceStore()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(2);
    expect((error as Error).message).toContain(`${bad}:2`);
  });
});
