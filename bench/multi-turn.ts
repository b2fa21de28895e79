/**
 * Replay throughput and memory on multi-turn requests against single-turn ones, in the same run.
 *
 *   npx node bench/multi-turn.ts [--n 5000] [--concurrency 64] [--rounds 2]
 *
 * Both logs hold the same N generated queries (seed 8). The single-turn log is the usual JSONL
 * (`query`, the config's 7.8 KB system prompt goes first). The multi-turn log has each query as the
 * last turn of an OpenAI chat-completions request with five earlier messages (about 2 KB: the
 * customer naming an order, a tool call, its result, two assistant turns), the order tool and
 * logged parameters; no system message of its own, so the same system prompt goes first and the
 * only difference is the conversation. The sim runs in its own process at time scale 0; each
 * replay is the real CLI (bin/hybrid-eval.js replay) into a fresh database: router + candidate +
 * baseline + judge + privacy + store. Rounds alternate single and multi so load drift hits both.
 * The last line is `ratio_multi_vs_single=X`.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { writeDataset } from '../src/datasets/write-dataset.ts';
import { measure } from './lib/child.ts';
import { describeMachine } from './lib/machine.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { writeStackConfig } from './lib/stack-config.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/hybrid-eval.js');

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

async function writeMultiTurn(single: string, path: string): Promise<void> {
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

const { values } = parseArgs({ options: { n: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '64' }, rounds: { type: 'string', default: '2' } } });
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'bench-multi-turn-'));
try {
  process.stdout.write(`${describeMachine()}\n`);
  const single = join(dir, 'single.jsonl');
  const multi = join(dir, 'multi.jsonl');
  await writeDataset(single, { n, seed: 8 });
  await writeMultiTurn(single, multi);
  const sim = await startSimProcess({ referenceFiles: [single] });
  const figures: Record<'single' | 'multi', number[]> = { single: [], multi: [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of ['single', 'multi'] as const) {
        const database = join(dir, `${kind}-${round}.duckdb`);
        const config = join(dir, `${kind}-${round}.yaml`);
        writeStackConfig(config, { simUrl: sim.url, database, concurrency });
        const run = await measure(BIN, ['replay', '-c', config, '--dataset', kind === 'single' ? single : multi], { cwd: ROOT });
        if (run.code !== 0) throw new Error(`${kind} replay exited ${run.code}: ${run.stderr.slice(-400)}`);
        const qps = n / (run.wallMs / 1000);
        figures[kind].push(qps);
        process.stdout.write(`round ${round} ${kind}-turn ${n} requests: ${qps.toFixed(1)} requests/s, peak RSS ${run.peakRssMb?.toFixed(0) ?? '?'} MB (wall ${(run.wallMs / 1000).toFixed(1)} s)\n`);
      }
    }
  } finally {
    await sim.stop();
  }
  const mean = (list: number[]): number => list.reduce((sum, value) => sum + value, 0) / list.length;
  process.stdout.write(`ratio_multi_vs_single=${(mean(figures.multi) / mean(figures.single)).toFixed(2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
