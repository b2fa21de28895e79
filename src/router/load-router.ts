import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { loadOnnxRuntime, type OnnxRuntime } from './onnxruntime.ts';
import { createMicroBatcher, type MicroBatcherStats } from './micro-batcher.ts';
import { readModelFolder } from './model-folder.ts';
import { planRuns } from './plan-runs.ts';
import { createTextEncoder, type EncodedText } from './text-encoder.ts';
import { argmaxTier, DEFAULT_THRESHOLDS, routeTier, type RouterThresholds } from './thresholds.ts';

export interface RouterResult {
  /** The routed tier, after the conservative thresholds. */
  tier: Tier;
  /** The most probable tier (argmax), before thresholds. */
  rawTier: Tier;
  probabilities: Record<Tier, number>;
  /**
   * The router's own cost for this query: classify: tokenising it plus its share of the ONNX run
   * it was batched into (time spent queued behind other work on the event loop is not the
   * router's); classifyBatch: the batch's wall time divided by its size (amortised).
   */
  latencyUs: number;
  /** The query had more tokens than the model's max length; only the start was classified. */
  truncated: boolean;
}

export interface Router {
  /** First 12 hex digits of SHA-256 over model.onnx, tokenizer.json and config.json. */
  version: string;
  maxLength: number;
  /** Largest group per ONNX run (classify's micro-batches and classifyBatch's chunks). */
  maxBatch: number;
  thresholds: RouterThresholds;
  /** Goes through the micro-batcher: concurrent calls share one ONNX run. */
  classify(text: string): Promise<RouterResult>;
  /**
   * Sorted by token count and cut into runs of at most maxBatch texts, split further where padding
   * would cost more than another run (plan-runs.ts).
   */
  classifyBatch(texts: readonly string[]): Promise<RouterResult[]>;
  /** ONNX runs and queries so far (classify and classifyBatch together). */
  stats(): MicroBatcherStats;
  close(): Promise<void>;
}

export interface LoadRouterOptions {
  /** Largest group of concurrent classify calls per ONNX run. Default 32. */
  maxBatch?: number;
  /** How long the first call of a group waits for others; 0 = the next event-loop turn. Default 0. */
  maxWaitMs?: number;
  thresholds?: Partial<RouterThresholds>;
  /** Labels config.json id2label must hold (any order). Default: simple, medium, complex. */
  expectedLabels?: readonly string[];
  /**
   * onnxruntime intra-op threads. Default 1: with more, onnxruntime's pool threads spin while they
   * wait for work, and in a replay they take CPU from the HTTP and DuckDB work beside them (a
   * 20,000-query replay on 2 cores ran at 900 queries/s with 2 threads, 1,340 with 1). On an idle
   * machine 2 threads make a batch of 32 about 10% faster (bench/RESULTS.md).
   */
  threads?: number;
  /**
   * classifyBatch: the fixed cost of one ONNX run, in padded tokens, when it decides whether to
   * split a batch by length (see plan-runs.ts). Default 64.
   */
  runOverheadTokens?: number;
}

/** Measured on the shipped model on 2 cores: a run costs about as much as 64 padded tokens. */
const DEFAULT_RUN_OVERHEAD_TOKENS = 64;

export async function loadRouter(dir: string, options: LoadRouterOptions = {}): Promise<Router> {
  const thresholds = checkThresholds({ ...DEFAULT_THRESHOLDS, ...options.thresholds });
  const folder = await readModelFolder(dir);
  const labelColumns = mapLabels(dir, folder.labels, options.expectedLabels ?? TIERS);

  // Heavy native and tokenizer modules load only when a router is actually used.
  const [ort, { Tokenizer }] = await Promise.all([loadOnnxRuntime(), import('@huggingface/tokenizers')]);
  let tokenizer;
  try {
    tokenizer = new Tokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  } catch (error) {
    throw new UsageError(`router model folder ${dir}: tokenizer.json cannot be loaded (${(error as Error).message})`, { cause: error });
  }
  const encoder = createTextEncoder(tokenizer, folder.maxLength, dir);

  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(folder.modelBytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      intraOpNumThreads: options.threads ?? 1,
    });
  } catch (error) {
    throw new UsageError(`router model folder ${dir}: model.onnx cannot be loaded (${(error as Error).message})`, { cause: error });
  }
  const inputs = checkInputs(dir, session);
  if (!session.outputNames.includes('logits')) {
    throw new UsageError(`router model folder ${dir}: model.onnx must have an output named logits, it has: ${session.outputNames.join(', ')}`);
  }

  let runs = 0;
  let queries = 0;
  let largestBatch = 0;

  const infer = async (encoded: readonly EncodedText[]): Promise<Record<Tier, number>[]> => {
    runs += 1;
    queries += encoded.length;
    largestBatch = Math.max(largestBatch, encoded.length);
    const feeds = buildFeeds(ort, encoded, encoder.padId, inputs);
    const output = await session.run(feeds, ['logits']);
    return readProbabilities(dir, output['logits'] as Tensor, encoded.length, folder.labels.length, labelColumns);
  };

  // A first run proves the output shape matches id2label before any query depends on it, and
  // warms the tokenizer and onnxruntime so the first real query is not the slow one.
  await infer([encoder.encode(''), encoder.encode('Where is my order? It has not arrived yet.')]);
  runs = 0;
  queries = 0;
  largestBatch = 0;

  const toResult = (probabilities: Record<Tier, number>, encoded: EncodedText, latencyUs: number): RouterResult => ({
    tier: routeTier(probabilities, thresholds),
    rawTier: argmaxTier(probabilities),
    probabilities,
    latencyUs,
    truncated: encoded.truncated,
  });

  const maxBatch = options.maxBatch ?? 32;
  const runOverheadTokens = options.runOverheadTokens ?? DEFAULT_RUN_OVERHEAD_TOKENS;
  // Each item learns its share of the ONNX run it rode in: the router's own cost, apart from the
  // time it queued behind the replay's other work on the event loop.
  const batcher = createMicroBatcher<EncodedText, { probabilities: Record<Tier, number>; sharedRunUs: number }>(
    async (items) => {
      const started = process.hrtime.bigint();
      const probabilities = await infer(items);
      const sharedRunUs = Number(process.hrtime.bigint() - started) / 1000 / items.length;
      return probabilities.map((item) => ({ probabilities: item, sharedRunUs }));
    },
    {
      maxBatch,
      maxWaitMs: options.maxWaitMs ?? 0,
    },
  );
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new Error('router is closed');
  };

  return {
    version: folder.version,
    maxLength: folder.maxLength,
    maxBatch,
    thresholds,
    async classify(text) {
      assertOpen();
      const started = process.hrtime.bigint();
      const encoded = encoder.encode(text);
      const tokenizeUs = Number(process.hrtime.bigint() - started) / 1000;
      const { probabilities, sharedRunUs } = await batcher.submit(encoded);
      return toResult(probabilities, encoded, tokenizeUs + sharedRunUs);
    },
    async classifyBatch(texts) {
      assertOpen();
      if (texts.length === 0) return [];
      const started = process.hrtime.bigint();
      const encoded = texts.map((text) => encoder.encode(text));
      const order = encoded.map((_, index) => index).sort((a, b) => encoded[a]!.ids.length - encoded[b]!.ids.length);
      const plan = planRuns(
        order.map((index) => encoded[index]!.ids.length),
        maxBatch,
        runOverheadTokens,
      );
      const probabilities: Record<Tier, number>[] = new Array(texts.length);
      for (const [start, end] of plan) {
        const indices = order.slice(start, end);
        const chunk = await infer(indices.map((index) => encoded[index]!));
        indices.forEach((index, k) => (probabilities[index] = chunk[k]!));
      }
      const latencyUs = Number(process.hrtime.bigint() - started) / 1000 / texts.length;
      return encoded.map((item, index) => toResult(probabilities[index]!, item, latencyUs));
    },
    stats: () => ({ runs, items: queries, largestBatch }),
    async close() {
      if (closed) return;
      closed = true;
      await batcher.drain();
      await session.release();
    },
  };
}

function checkThresholds(thresholds: RouterThresholds): RouterThresholds {
  for (const tier of ['simple', 'medium'] as const) {
    const value = thresholds[tier];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1.01) {
      throw new UsageError(`router threshold for ${tier} must be a number between 0 and 1, got ${String(value)}`);
    }
  }
  return thresholds;
}

/** Output column of each tier; the folder may order its labels any way. */
function mapLabels(dir: string, labels: readonly string[], expected: readonly string[]): Record<Tier, number> {
  const normalized = labels.map((label) => label.trim().toLowerCase());
  const wanted = [...expected].map((label) => label.toLowerCase()).sort();
  const have = [...normalized].sort();
  if (have.length !== wanted.length || have.some((label, index) => label !== wanted[index])) {
    throw new UsageError(
      `router model folder ${dir}: config.json id2label is [${labels.join(', ')}], the routing policy needs exactly [${expected.join(', ')}]`,
    );
  }
  const columns = {} as Record<Tier, number>;
  for (const tier of TIERS) {
    const column = normalized.indexOf(tier);
    if (column < 0) {
      throw new UsageError(`router model folder ${dir}: config.json id2label has no "${tier}" label`);
    }
    columns[tier] = column;
  }
  return columns;
}

interface InputLayout {
  tokenTypeIds: boolean;
  int32: boolean;
}

function checkInputs(dir: string, session: InferenceSession): InputLayout {
  const names = session.inputNames;
  const allowed = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
  const missing = ['input_ids', 'attention_mask'].filter((name) => !names.includes(name));
  const unexpected = names.filter((name) => !allowed.has(name));
  if (missing.length > 0 || unexpected.length > 0) {
    throw new UsageError(
      `router model folder ${dir}: model.onnx inputs are [${names.join(', ')}], expected input_ids and attention_mask (token_type_ids optional)`,
    );
  }
  const idsMetadata = session.inputMetadata.find((meta) => meta.name === 'input_ids');
  const int32 = idsMetadata !== undefined && idsMetadata.isTensor && idsMetadata.type === 'int32';
  return { tokenTypeIds: names.includes('token_type_ids'), int32 };
}

function buildFeeds(ort: OnnxRuntime, encoded: readonly EncodedText[], padId: number, layout: InputLayout): Record<string, Tensor> {
  const width = Math.max(...encoded.map((item) => item.ids.length));
  const dims = [encoded.length, width];
  const ids = new Int32Array(encoded.length * width).fill(padId);
  const mask = new Int32Array(encoded.length * width);
  encoded.forEach((item, row) => {
    ids.set(item.ids, row * width);
    mask.fill(1, row * width, row * width + item.ids.length);
  });
  const tensor = (values: Int32Array) =>
    layout.int32
      ? new ort.Tensor('int32', values, dims)
      : new ort.Tensor('int64', BigInt64Array.from(values, (value) => BigInt(value)), dims);
  const feeds: Record<string, Tensor> = { input_ids: tensor(ids), attention_mask: tensor(mask) };
  // Single-segment queries: all zeros, as a tokenizer would produce.
  if (layout.tokenTypeIds) feeds['token_type_ids'] = tensor(new Int32Array(encoded.length * width));
  return feeds;
}

function readProbabilities(
  dir: string,
  logits: Tensor,
  rows: number,
  labelCount: number,
  columns: Record<Tier, number>,
): Record<Tier, number>[] {
  if (logits.dims.length !== 2 || logits.dims[0] !== rows || logits.dims[1] !== labelCount) {
    throw new UsageError(
      `router model folder ${dir}: model.onnx logits have shape [${logits.dims.join(', ')}], expected [${rows}, ${labelCount}] (one column per id2label entry)`,
    );
  }
  const data = logits.data as Float32Array;
  const results: Record<Tier, number>[] = [];
  for (let row = 0; row < rows; row += 1) {
    const offset = row * labelCount;
    let max = -Infinity;
    for (let k = 0; k < labelCount; k += 1) max = Math.max(max, data[offset + k]!);
    let sum = 0;
    const exps: number[] = [];
    for (let k = 0; k < labelCount; k += 1) {
      const value = Math.exp(data[offset + k]! - max);
      exps.push(value);
      sum += value;
    }
    results.push({
      simple: exps[columns.simple]! / sum,
      medium: exps[columns.medium]! / sum,
      complex: exps[columns.complex]! / sum,
    });
  }
  return results;
}
