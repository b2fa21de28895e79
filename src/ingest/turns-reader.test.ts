import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('turns');
afterAll(() => temp.cleanup());

const HEADER = 'conversation_id,turn,role,content,tool_calls,tool_call_id,tier,reference,timestamp';
const GOOD = [
  'c1,1,system,You are Northwind support.,,,,,',
  'c1,2,user,My order is NW-1.,,,,,1740982261',
  'c1,3,assistant,Thanks! What do you need?,,,,,',
  'c1,4,user,When will it arrive?,,,medium,Friday.,1740982300',
  'c1,5,assistant,It arrives Friday.,,,,,',
  'c2,1,user,Where is NW-2?,,,,,',
  `c2,2,assistant,,"[{""id"":""call_1"",""name"":""order_lookup"",""arguments"":""{\\""order_id\\"":\\""NW-2\\""}""}]",,complex,,`,
  'c2,3,tool,"{""status"":""shipped""}",,call_1,,,',
  'c2,4,assistant,It shipped.,,,,,',
];

function csv(name: string, rows: string[]): string {
  const path = temp.path(name);
  writeFileSync(path, [HEADER, ...rows].join('\n') + '\n');
  return path;
}

describe('turn tables', () => {
  it('recognises a turn table by its columns and replays the last assistant turn of each conversation with the logged history', async () => {
    const path = csv('turns.csv', GOOD);
    const reader = await openLog({ path, mapping: {} });
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(queries.map((query) => [query.queryId, query.conversationId, query.turnIndex, query.text, query.loggedAnswer, query.source.line])).toEqual([
      ['c1:5', 'c1', 4, 'When will it arrive?', 'It arrives Friday.', 6],
      ['c2:4', 'c2', 3, 'Where is NW-2?', 'It shipped.', 10],
    ]);
    const [first, second] = queries;
    expect(first!.request!.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    // Label, reference and timestamp come from the assistant row, else the user row before it.
    expect(first).toMatchObject({ label: 'medium', reference: 'Friday.', timestamp: '2025-03-03T06:11:40Z' });
    expect(second!.request!.messages[1]).toEqual({ role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'order_lookup', arguments: '{"order_id":"NW-2"}' }] });
    expect(second!.request!.messages[2]).toEqual({ role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1' });
  });

  it('with --turns all, replays every assistant turn teacher-forced (the logged history before it)', async () => {
    const path = csv('turns-all.csv', GOOD);
    const { queries } = await collect(await openLog({ path, mapping: {}, turns: 'all' }));
    expect(queries.map((query) => [query.queryId, query.turnIndex, query.request!.messages.length, query.loggedAnswer ?? null])).toEqual([
      ['c1:3', 2, 2, 'Thanks! What do you need?'],
      ['c1:5', 4, 4, 'It arrives Friday.'],
      ['c2:2', 1, 1, ''],
      ['c2:4', 3, 3, 'It shipped.'],
    ]);
    expect(queries[2]!.loggedResponse!.toolCalls).toEqual([{ id: 'call_1', name: 'order_lookup', arguments: '{"order_id":"NW-2"}' }]);
  });

  it('rejects a conversation that reappears, a turn that goes backwards, and conversations with no user or assistant turn', async () => {
    const path = csv('bad-order.csv', [
      'a,1,user,hi,,,,,',
      'a,2,assistant,hello,,,,,',
      'b,1,user,hey,,,,,',
      'b,2,assistant,yo,,,,,',
      'a,3,user,back again,,,,,',
      'a,4,assistant,nope,,,,,',
      'c,2,user,two,,,,,',
      'c,1,assistant,one,,,,,',
      'd,1,system,only a system prompt,,,,,',
      'd,2,assistant,and an answer,,,,,',
      'e,1,user,no answer,,,,,',
      'f,1,user,ok,,,,,',
      'f,2,pirate,arr,,,,,',
      'g,x,user,bad turn,,,,,',
      'h,1,user,"[{""type"":""image_url"",""image_url"":{""url"":""x""}}]",,,,,',
      'h,2,assistant,a picture,,,,,',
      'i,1,user,good,,,,,',
      'i,2,assistant,fine,,,,,',
    ]);
    const { queries, rejects } = await collect(await openLog({ path, mapping: {}, format: 'turns' }));
    expect(queries.map((query) => query.queryId)).toEqual(['a:2', 'b:2', 'i:2']);
    expect(rejects.map((reject) => [reject.line, reject.reason])).toEqual([
      [6, 'conversation a reappears (first at line 2): rows must be grouped by conversation and ordered by turn'],
      [9, 'conversation c: turn 1 does not come after turn 2 (line 8); rows must be ordered by turn'],
      [11, 'conversation d before turn 2: no user message, so no turn to replay'],
      [12, 'conversation e: no assistant turn after a user turn, so nothing to replay'],
      [14, "conversation f: role: unknown role 'pirate' (system, developer, user, assistant, tool)"],
      [15, 'conversation g: turn: expected a number, got "x"'],
      [16, "conversation h: content[0]: a 'image_url' part cannot be replayed (only text parts can)"],
    ]);
  });

  it('reads turn rows from JSONL and Parquet with mapped column names', async () => {
    const jsonl = temp.path('turns.jsonl');
    const rows = [
      { session: 's1', seq: 0, speaker: 'user', text: 'Is the Denver showroom open on Sunday?' },
      { session: 's1', seq: 1, speaker: 'assistant', text: 'Yes, 11 to 5.' },
      { session: 's1', seq: 2, speaker: 'user', text: 'And Saturday?' },
      { session: 's1', seq: 3, speaker: 'assistant', text: '10 to 7.' },
    ];
    writeFileSync(jsonl, rows.map((row) => JSON.stringify(row)).join('\n'));
    const mapping = { conversation_id: 'session', turn: 'seq', role: 'speaker', content: 'text' };
    const fromJsonl = await collect(await openLog({ path: jsonl, mapping, format: 'turns' }));
    expect(fromJsonl.queries.map((query) => [query.queryId, query.text, query.turnIndex])).toEqual([['s1:3', 'And Saturday?', 3]]);

    const parquet = temp.path('turns.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM read_json_auto('${jsonl}')) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    // Mapping turn fields makes a table a turn table without --format.
    const fromParquet = await collect(await openLog({ path: parquet, mapping }));
    expect(fromParquet.rejects).toEqual([]);
    expect(fromParquet.queries.map((query) => [query.queryId, query.text, query.request!.messages.length])).toEqual([['s1:3', 'And Saturday?', 3]]);
  });
});

describe('turn rows in JSONL', () => {
  it('are recognised by their keys (conversation_id, turn, role, content, no query)', async () => {
    const path = temp.path('auto.jsonl');
    writeFileSync(
      path,
      [
        { conversation_id: 'k', turn: 1, role: 'user', content: 'hi' },
        { conversation_id: 'k', turn: 2, role: 'assistant', content: 'hello' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const reader = await openLog({ path, mapping: {} });
    expect(reader.format).toBe('turns');
    const { queries } = await collect(reader);
    expect(queries.map((query) => [query.queryId, query.text, query.loggedAnswer])).toEqual([['k:2', 'hi', 'hello']]);
  });
});
