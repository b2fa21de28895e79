import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('openai-batch');
afterAll(() => temp.cleanup());

function write(name: string, lines: unknown[]): string {
  const path = temp.path(name);
  writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return path;
}

const input = (id: string, text: string, extra: Record<string, unknown> = {}) => ({
  custom_id: id,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: text }], temperature: 0, ...extra },
});
const output = (id: string, content: string, status = 200) => ({
  id: `batch_req_${id}`,
  custom_id: id,
  response: { status_code: status, request_id: 'r', body: { id: `chatcmpl-${id}`, object: 'chat.completion', created: 1740982261, model: 'gpt-4-0613', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } } },
  error: null,
});

describe('OpenAI Batch API files', () => {
  it('streams the input file and joins the output file by custom_id, whatever its order', async () => {
    const inputPath = write('batch-input.jsonl', [input('req-1', 'Hours?'), input('req-2', 'Returns?'), input('req-3', 'Failed one'), input('req-4', 'Not in the output')]);
    const outputPath = write('batch-output.jsonl', [
      output('req-2', 'Within 30 days.'),
      output('req-1', 'Open 9 to 5.'),
      { id: 'batch_req_3', custom_id: 'req-3', response: null, error: { code: 'server_error', message: 'boom' } },
      output('req-9', 'no input line'),
      '{"custom_id": broken',
      output('req-1', 'again'),
    ]);
    const reader = await openLog({ path: inputPath, mapping: {}, batchOutput: outputPath });
    expect(reader.format).toBe('openai-batch');
    const { queries, rejects } = await collect(reader);
    expect(queries.map((query) => [query.queryId, query.text, query.loggedAnswer])).toEqual([
      ['req-1', 'Hours?', 'Open 9 to 5.'],
      ['req-2', 'Returns?', 'Within 30 days.'],
      // A failed batch call or one missing from the output leaves the baseline unknown (called live), never empty.
      ['req-3', 'Failed one', undefined],
      ['req-4', 'Not in the output', undefined],
    ]);
    expect(queries[0]!.request).toEqual({ model: 'gpt-4', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hours?' }], parameters: { temperature: 0 } });
    expect(queries[0]!.loggedResponse).toMatchObject({ promptTokens: 20, completionTokens: 5, model: 'gpt-4-0613' });
    expect(rejects.map((reject) => [reject.file, reject.line, reject.reason])).toEqual([
      [outputPath, 5, expect.stringMatching(/^batch output: invalid JSON/)],
      [outputPath, 6, 'batch output: custom_id req-1 repeated (first at line 2)'],
    ]);
  });

  it('reads the input alone, and rejects lines that are not chat calls or lack a custom_id', async () => {
    const path = write('input-only.jsonl', [
      input('a', 'hi'),
      { custom_id: 'b', method: 'POST', url: '/v1/embeddings', body: { input: 'x' } },
      { custom_id: '', method: 'POST', url: '/v1/chat/completions', body: { messages: [] } },
      input('c', 'there', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
      input('a', 'duplicate id'),
    ]);
    const { queries, rejects } = await collect(await openLog({ path, mapping: {}, format: 'openai-batch' }));
    expect(queries.map((query) => query.queryId)).toEqual(['a']);
    expect(rejects.map((reject) => [reject.line, reject.reason])).toEqual([
      [2, 'url: /v1/embeddings is not a chat-completions call (/v1/chat/completions)'],
      [3, 'custom_id: empty'],
      [4, "body.messages[0].content[0]: a 'image_url' part cannot be replayed (only text parts can)"],
      [5, 'duplicate query id a (first at line 1)'],
    ]);
  });

  it('says so before reading when --batch-output is missing or given for another format', async () => {
    const path = write('in.jsonl', [input('a', 'hi')]);
    await expect(openLog({ path, mapping: {}, batchOutput: temp.path('nope.jsonl') })).rejects.toThrow(/batch output file not found/);
    const chat = write('chat.jsonl', [{ messages: [{ role: 'user', content: 'hi' }] }]);
    await expect(openLog({ path: chat, mapping: {}, batchOutput: path })).rejects.toThrow(/--batch-output joins an OpenAI Batch API output file/);
  });
});
