/**
 * Router speed: this router (onnxruntime-node + @huggingface/tokenizers) against the
 * transformers.js text-classification pipeline on the same ONNX model, in the same run.
 *
 *   npx node bench/router/bench.ts [--model models/router] [--data datasets/router-test.jsonl] [--n 1000]
 *
 * Prints one line per figure. Queries are the real test queries, in file order.
 */
import { mkdtemp, readFile, rm, stat, symlink, mkdir } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRouter } from '../../src/router/load-router.ts';
import { percentile } from '../../src/router/metrics.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/router' },
    data: { type: 'string', default: 'datasets/router-test.jsonl' },
    n: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '32' },
    threads: { type: 'string' },
  },
});
const modelDir = resolve(values.model);
const batchSize = Number(values.batch);
const lines = (await readFile(values.data, 'utf8')).split('\n').filter((line) => line.trim() !== '');
const texts = lines.map((line) => String((JSON.parse(line) as { query: string }).query)).slice(0, Number(values.n));

const now = () => process.hrtime.bigint();
const micros = (since: bigint) => Number(process.hrtime.bigint() - since) / 1000;
const format = (value: number) => value.toFixed(1);

function print(figure: string, value: number, unit: string, note = ''): void {
  console.log(`${figure.padEnd(44)} ${format(value).padStart(10)} ${unit}${note ? `  (${note})` : ''}`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function timeSingle(classify: (text: string) => Promise<unknown>): Promise<number[]> {
  for (const text of texts.slice(0, 50)) await classify(text);
  const latencies: number[] = [];
  for (const text of texts) {
    const started = now();
    await classify(text);
    latencies.push(micros(started));
  }
  return latencies;
}

async function timeBatches(classifyBatch: (batch: string[]) => Promise<unknown>): Promise<number> {
  const batches = chunks(texts, batchSize);
  for (const batch of batches.slice(0, 3)) await classifyBatch(batch);
  const started = now();
  for (const batch of batches) await classifyBatch(batch);
  return micros(started) / texts.length;
}

function reportSingle(name: string, latencies: number[]): void {
  const mean = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
  print(`${name} single query p50`, percentile(latencies, 50), 'us');
  print(`${name} single query p99`, percentile(latencies, 99), 'us');
  print(`${name} single query mean`, mean, 'us', `${latencies.length} sequential calls`);
}

console.log(`# router bench: ${texts.length} queries from ${values.data}, model ${values.model}, ` +
  `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, ${new Date().toISOString()}`);
print('model.onnx size', (await stat(join(modelDir, 'model.onnx'))).size / 1e6, 'MB');

// --- this router ---
const loadStarted = now();
const router = await loadRouter(modelDir, { maxBatch: batchSize, ...(values.threads === undefined ? {} : { threads: Number(values.threads) }) });
print('hybrid-eval router load', micros(loadStarted) / 1000, 'ms');
reportSingle('hybrid-eval router', await timeSingle((text) => router.classify(text)));
const batched = await timeBatches((batch) => router.classifyBatch(batch));
print(`hybrid-eval router batch ${batchSize} amortised`, batched, 'us/query', 'classifyBatch, file order');
print(`hybrid-eval router batch ${batchSize} throughput`, 1e6 / batched, 'queries/s');
{
  // Concurrent single calls, as the replay engine makes them: the micro-batcher groups them.
  const before = router.stats();
  const started = now();
  await Promise.all(texts.map((text) => router.classify(text)));
  const elapsed = micros(started);
  const after = router.stats();
  const runs = after.runs - before.runs;
  print('hybrid-eval router concurrent classify', elapsed / texts.length, 'us/query', `${texts.length} at once, ${runs} ONNX runs`);
  print('hybrid-eval router concurrent throughput', (texts.length * 1e6) / elapsed, 'queries/s');
}
{
  // Tokenising alone, to show its share of the per-query cost.
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(
    JSON.parse(await readFile(join(modelDir, 'tokenizer.json'), 'utf8')),
    JSON.parse(await readFile(join(modelDir, 'tokenizer_config.json'), 'utf8')),
  );
  for (const text of texts.slice(0, 100)) tokenizer.encode(text);
  const started = now();
  for (const text of texts) tokenizer.encode(text);
  print('tokenizer.json encode (part of the above)', micros(started) / texts.length, 'us/query');
}
await router.close();

// --- transformers.js on the same files ---
// It reads <localModelPath>/<id>/onnx/model.onnx; a temp folder of symlinks gives it that layout.
const staging = await mkdtemp(join(tmpdir(), 'router-bench-'));
try {
  const folder = join(staging, 'router');
  await mkdir(join(folder, 'onnx'), { recursive: true });
  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    await symlink(join(modelDir, name), join(folder, name)).catch(() => undefined);
  }
  await symlink(join(modelDir, 'model.onnx'), join(folder, 'onnx', 'model.onnx'));
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = staging + '/';
  const started = now();
  const classifier = await pipeline('text-classification', 'router', { dtype: 'fp32', device: 'cpu' });
  print('transformers.js pipeline load', micros(started) / 1000, 'ms');
  reportSingle('transformers.js', await timeSingle((text) => classifier(text)));
  const tjsBatched = await timeBatches((batch) => classifier(batch));
  print(`transformers.js batch ${batchSize} amortised`, tjsBatched, 'us/query', 'pipeline(array of texts)');
  print(`transformers.js batch ${batchSize} throughput`, 1e6 / tjsBatched, 'queries/s');
  await classifier.dispose();
} finally {
  await rm(staging, { recursive: true, force: true });
}
