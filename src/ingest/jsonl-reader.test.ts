import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openJsonl } from './jsonl-reader.ts';
import { openLog } from './open-log.ts';
import { resolveMapping } from './field-mapping.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('jsonl');
afterAll(() => temp.cleanup());

function write(name: string, content: string | Buffer): string {
  const path = temp.path(name);
  writeFileSync(path, content);
  return path;
}

describe('JSONL logs', () => {
  it('turns good lines into queries and bad ones into rejects with their line numbers', async () => {
    const path = write(
      'mixed.jsonl',
      [
        JSON.stringify({ query_id: 'q1', query: '  What are your opening hours? ', tier: 'Simple', timestamp: '2024-05-01T10:00:00Z', channel: 'chat', conversation_id: 'c1', reference: 'Open 9-5.' }),
        '{"query_id": "q2", "query": "broken',
        JSON.stringify({ query_id: 'q3', text: 'no query key' }),
        JSON.stringify({ query_id: 'q4', query: 'My router keeps dropping', tier: 'urgent' }),
        '',
        JSON.stringify({ query_id: 'q1', query: 'same id again' }),
        JSON.stringify({ query_id: 7, query: 'numeric id', tier: 'complex', timestamp: 1714557600 }),
        JSON.stringify({ query: '   ' }),
        JSON.stringify({ query: 42 }),
        '[1, 2]',
        JSON.stringify({ query: 'nul \u0000 inside' }),
        JSON.stringify({ query: 'no id here', tier: null }),
      ].join('\n') + '\n',
    );
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));

    expect(queries).toEqual([
      {
        queryId: 'q1',
        text: 'What are your opening hours?',
        timestamp: '2024-05-01T10:00:00Z',
        conversationId: 'c1',
        channel: 'chat',
        label: 'simple',
        reference: 'Open 9-5.',
        source: { file: path, line: 1 },
      },
      { queryId: '7', text: 'numeric id', timestamp: '2024-05-01T10:00:00Z', label: 'complex', source: { file: path, line: 7 } },
      { queryId: 'L12', text: 'no id here', source: { file: path, line: 12 } },
    ]);
    expect(rejects.map(({ line, reason }) => [line, reason])).toEqual([
      [2, expect.stringMatching(/^invalid JSON: /)],
      [3, 'query: missing'],
      [4, 'label: "urgent" is not a tier (simple, medium, complex)'],
      [6, 'duplicate query id q1 (first at line 1)'],
      [8, 'query: empty'],
      [9, 'query: expected a string, got number'],
      [10, 'not a JSON object'],
      [11, 'query: contains a NUL byte'],
    ]);
    expect(rejects[0]).toMatchObject({ file: path, raw: '{"query_id": "q2", "query": "broken' });
  });

  it('maps custom keys, including the logged answer', async () => {
    const path = write('custom.jsonl', JSON.stringify({ id: 'a', instruction: 'Reset my password', response: 'Click "Forgot password".' }) + '\n');
    const { queries } = await collect(await openLog({ path, mapping: { id: 'id', query: 'instruction', answer: 'response' } }));
    expect(queries).toEqual([{ queryId: 'a', text: 'Reset my password', loggedAnswer: 'Click "Forgot password".', source: { file: path, line: 1 } }]);
  });

  it('strips a BOM, handles CRLF and a last line without newline', async () => {
    const path = write('bom.ndjson', '\uFEFF{"query":"first"}\r\n\r\n{"query":"second"}\r\n{"query":"third"}');
    const reader = await openLog({ path, mapping: {} });
    expect(reader.format).toBe('jsonl');
    expect(reader.columns).toBeUndefined();
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(queries.map((query) => [query.queryId, query.text])).toEqual([
      ['L1', 'first'],
      ['L3', 'second'],
      ['L4', 'third'],
    ]);
  });

  it('keeps line numbers right across multi-byte characters split between chunks', async () => {
    const lines = Array.from({ length: 3000 }, (_, index) => JSON.stringify({ query: `Ünïcödé ✓ ${index} ${'é'.repeat(index % 50)}` }));
    const path = write('unicode.jsonl', lines.join('\n'));
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
    expect(rejects).toEqual([]);
    expect(queries).toHaveLength(3000);
    expect(queries[2999]).toMatchObject({ queryId: 'L3000', text: `Ünïcödé ✓ 2999 ${'é'.repeat(2999 % 50)}` });
  });

  it('rejects a line over the size limit without losing the lines after it', async () => {
    const giant = JSON.stringify({ query: 'x'.repeat(300_000) });
    const path = write('giant.jsonl', [JSON.stringify({ query: 'before' }), giant, JSON.stringify({ query: 'after' })].join('\n'));
    const reader = openJsonl(path, resolveMapping({}), { maxLineBytes: 100_000 });
    const { queries, rejects } = await collect(reader);
    expect(queries.map((query) => [query.source.line, query.text])).toEqual([
      [1, 'before'],
      [3, 'after'],
    ]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 2, reason: `line longer than 100000 bytes (${giant.length} bytes)` });
    expect(rejects[0]!.raw).toHaveLength(200);
  });
});
