/**
 * The model card's figures: evaluateRouter on the project's test set and on the Bitext held-out split.
 *
 *   npx node bench/router/eval-sets.ts [--model models/router] [--bitext ../shared/data/bitext] [--json]
 *   npx node bench/router/eval-sets.ts --write-bitext /tmp/bitext-held-out.jsonl   # for `router eval --data`
 *
 * The Bitext split is rebuilt from ../shared/data (never copied into the repository).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { TIERS } from '../../src/core/tier.ts';
import { readBitext } from '../../src/router/bitext-holdout.ts';
import { evaluateRouter, type LabelledText, type RouterEvaluation } from '../../src/router/evaluate.ts';
import { loadRouter } from '../../src/router/load-router.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/router' },
    data: { type: 'string', default: 'datasets/router-test.jsonl' },
    bitext: { type: 'string', default: '../shared/data/bitext' },
    'write-bitext': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

if (values['write-bitext'] !== undefined) {
  const items = await readBitext(values.bitext);
  const lines = items.map((item, index) => JSON.stringify({ query_id: `bitext-${index + 1}`, query: item.text, tier: item.label }));
  await writeFile(values['write-bitext'], lines.join('\n') + '\n');
  console.log(`wrote ${items.length} held-out Bitext utterances to ${values['write-bitext']}`);
  process.exit(0);
}

async function readJsonl(file: string): Promise<LabelledText[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => {
    const record = JSON.parse(line) as { query: string; tier: LabelledText['label'] };
    return { text: record.query, label: record.tier };
  });
}

function summary(name: string, result: RouterEvaluation): string {
  const pct = (value: number | undefined) => (value === undefined ? 'n/a' : (100 * value).toFixed(1) + '%');
  const lines = [
    `## ${name} (n=${result.n}, router ${result.router_version}, thresholds simple ${result.thresholds.simple} / medium ${result.thresholds.medium})`,
    `accuracy ${pct(result.accuracy)} (argmax ${pct(result.accuracy_argmax)}), ECE ${result.ece.toFixed(4)}, misroute cost ${result.misroute_cost.mean.toFixed(3)}/query`,
    ...TIERS.map((tier) => {
      const c = result.per_class[tier];
      return `${tier.padEnd(8)} precision ${pct(c.precision)} recall ${pct(c.recall)} F1 ${pct(c.f1)} support ${c.support}`;
    }),
    `confusion (rows true, columns routed): ${TIERS.map((tier) => `${tier} ${TIERS.map((p) => result.confusion[tier][p]).join('/')}`).join(', ')}`,
    `latency p50 ${result.latency_us.p50.toFixed(0)} us, p99 ${result.latency_us.p99.toFixed(0)} us; batch ${result.throughput.batch_size}: ${result.throughput.us_per_query.toFixed(1)} us/query`,
  ];
  return lines.join('\n');
}

const router = await loadRouter(values.model);
const sets: [string, LabelledText[]][] = [[values.data, await readJsonl(values.data)]];
if (existsSync(values.bitext)) sets.push(['Bitext held-out split', await readBitext(values.bitext)]);
else console.warn(`${values.bitext} is absent: Bitext figures skipped`);
const results: Record<string, RouterEvaluation> = {};
for (const [name, items] of sets) {
  results[name] = await evaluateRouter(router, items);
  if (!values.json) console.log(summary(name, results[name]) + '\n');
}
if (values.json) console.log(JSON.stringify(results, null, 2));
await router.close();
