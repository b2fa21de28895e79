/**
 * Active learning, measured: accuracy on a fixed test set after 500, 1,000, 2,000 and 4,000 labels
 * picked by uncertainty sampling (margin, near-duplicates skipped, as `label sample` does) or at
 * random, and how many labels each needs to reach 95%.
 *
 *   npx node bench/router/learning-curve.ts [--bitext ../shared/data/bitext] [--sizes 500,1000,2000,4000] [--seed 1]
 *
 * Data: the bank-domain set built from the real Bitext utterances (bench/router/bank-domain.ts):
 * the pool is its training side (3,939 distinct utterances), the fixed test set its held-out side
 * (1,008), which the shipped router never trained on. A size above the pool takes the whole pool.
 * Every model is fine-tuned from the shipped router by the same code as `hybrid-eval router train`
 * (same seed and defaults). Uncertainty rounds: the shipped router picks the first 500, then each
 * trained router picks the labels that take the set to the next size. Needs Debian's PyTorch.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pickDiverse, marginUncertainty } from '../../src/label/select.ts';
import { evaluateRouter, type LabelledText } from '../../src/router/evaluate.ts';
import { loadRouter } from '../../src/router/load-router.ts';
import { findTrainingPython } from '../../src/router/train/python-runtime.ts';
import { trainRouter } from '../../src/router/train/train-router.ts';
import { seededRandom, shuffle } from '../../src/spotcheck/random.ts';
import { readBankDomain } from './bank-domain.ts';

const { values } = parseArgs({
  options: {
    bitext: { type: 'string', default: '../shared/data/bitext' },
    sizes: { type: 'string', default: '500,1000,2000,4000' },
    seed: { type: 'string', default: '1' },
    base: { type: 'string', default: 'models/router' },
  },
});
if (!existsSync(join(values.bitext, 'tiers.csv'))) {
  console.log(`skipped: ${values.bitext} is absent`);
  process.exit(0);
}
const python = findTrainingPython();
const seed = Number(values.seed);
const sizes = values.sizes.split(',').map(Number);
const { training, heldOut } = await readBankDomain(values.bitext);
const pool: LabelledText[] = training.map((row) => ({ text: row.query, label: row.tier }));
const test: LabelledText[] = heldOut.map((row) => ({ text: row.query, label: row.tier }));
const work = await mkdtemp(join(tmpdir(), 'learning-curve-'));
const started = Date.now();

async function trainAndScore(labelled: LabelledText[], name: string): Promise<{ accuracy: number; complexRecall: number | undefined; dir: string; seconds: number }> {
  const dir = join(work, name);
  const result = await trainRouter({ items: labelled, out: dir, base: values.base, scratch: false, epochs: undefined, seed, python, dataFile: name });
  const router = await loadRouter(dir);
  try {
    const evaluation = await evaluateRouter(router, test, { latencySamples: 1 });
    return { accuracy: evaluation.accuracy, complexRecall: evaluation.per_class.complex.recall, dir, seconds: result.seconds };
  } finally {
    await router.close();
  }
}

async function uncertain(routerDir: string, remaining: LabelledText[], n: number): Promise<LabelledText[]> {
  const router = await loadRouter(routerDir);
  try {
    const results = await router.classifyBatch(remaining.map((item) => item.text));
    const ranked = remaining.map((item, index) => ({ item, score: marginUncertainty(results[index]!.probabilities) })).sort((a, b) => b.score - a.score);
    const picked = pickDiverse(ranked, n, (entry) => entry.item.text).map((entry) => entry.item);
    // When near-duplicate skipping leaves the round short, fill it with the next most uncertain.
    if (picked.length < n) {
      const chosen = new Set(picked);
      for (const entry of ranked) if (picked.length < n && !chosen.has(entry.item)) picked.push(entry.item);
    }
    return picked;
  } finally {
    await router.close();
  }
}

const shipped = await loadRouter(values.base);
const shippedScore = (await evaluateRouter(shipped, test, { latencySamples: 1 })).accuracy;
await shipped.close();
console.log(`test set: ${test.length} held-out bank queries; pool ${pool.length}; shipped router accuracy ${(shippedScore * 100).toFixed(1)}%`);

const curves: Record<'random' | 'uncertainty', { labels: number; accuracy: number; complexRecall: number | undefined }[]> = { random: [], uncertainty: [] };
const order = shuffle([...pool], seededRandom(`curve:${seed}`));
for (const size of sizes) {
  const labels = Math.min(size, pool.length);
  const score = await trainAndScore(order.slice(0, labels), `random-${labels}`);
  curves.random.push({ labels, accuracy: score.accuracy, complexRecall: score.complexRecall });
  console.log(`random      ${String(labels).padStart(5)} labels: accuracy ${(score.accuracy * 100).toFixed(1)}% (training ${score.seconds.toFixed(0)} s)`);
}

let labelled: LabelledText[] = [];
let current = values.base;
for (const size of sizes) {
  const labels = Math.min(size, pool.length);
  const chosen = new Set(labelled);
  const remaining = pool.filter((item) => !chosen.has(item));
  if (labels === pool.length) {
    // The whole pool: the same labels either way; the random curve's model stands for both.
    const same = curves.random.find((point) => point.labels === labels)!;
    curves.uncertainty.push(same);
    console.log(`uncertainty ${String(labels).padStart(5)} labels: the whole pool, as random: ${(same.accuracy * 100).toFixed(1)}%`);
    continue;
  }
  labelled = [...labelled, ...(await uncertain(current, remaining, labels - labelled.length))];
  const score = await trainAndScore(labelled, `uncertainty-${labels}`);
  current = score.dir;
  curves.uncertainty.push({ labels, accuracy: score.accuracy, complexRecall: score.complexRecall });
  console.log(`uncertainty ${String(labels).padStart(5)} labels: accuracy ${(score.accuracy * 100).toFixed(1)}% (training ${score.seconds.toFixed(0)} s)`);
}

for (const [name, curve] of Object.entries(curves)) {
  const reached = curve.find((point) => point.accuracy >= 0.95);
  console.log(`${name}: 95% ${reached === undefined ? `not reached by ${curve.at(-1)!.labels} labels` : `reached at ${reached.labels} labels (first measured size)`}`);
}
console.log(JSON.stringify({ shipped: shippedScore, curves, minutes: (Date.now() - started) / 60000 }));
await rm(work, { recursive: true, force: true });
