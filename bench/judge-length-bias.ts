// Length bias of the judge on real support data: Bitext's detailed and terse answers to the same
// utterances, each graded 1-5 (no reference exists for them) and compared pairwise in both orders.
// Measures the judge it is pointed at; by default the sim's, which is a heuristic, not GPT-4.
//
//   npx node bench/judge-length-bias.ts [--n 500] [--data ../shared/data/bitext]
//   OPENAI_API_KEY=... npx node bench/judge-length-bias.ts --n 200 --base-url https://api.openai.com/v1 --model gpt-4
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEndpointClient } from '../src/endpoints/endpoint-client.ts';
import { lengthBiasStudy, readBitextPairs } from '../src/judge/length-bias-study.ts';
import { formatCorrelation, type LengthBias } from '../src/judge/length-bias.ts';
import { llmJudge } from '../src/judge/llm-judge.ts';
import { pairwiseJudge } from '../src/judge/pairwise-judge.ts';
import { loadRubric } from '../src/judge/rubric.ts';
import { startSim } from '../src/sim/server.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '500' },
    data: { type: 'string', default: '../shared/data/bitext' },
    'base-url': { type: 'string' },
    model: { type: 'string', default: 'gpt-4' },
    'key-env': { type: 'string', default: 'OPENAI_API_KEY' },
  },
});
const dir = resolve(values.data);
if (!existsSync(resolve(dir, 'responses-detailed.csv'))) {
  process.stderr.write(`no Bitext data at ${dir} (responses-detailed.csv); pass --data DIR\n`);
  process.exit(2);
}

const pairs = readBitextPairs(dir, Number(values.n));
const real = values['base-url'];
const sim = real === undefined ? await startSim({ timeScale: 0 }) : undefined;
try {
  const client = createEndpointClient({
    name: real === undefined ? 'sim-judge' : 'judge',
    baseUrl: real ?? sim!.url,
    model: values.model,
    apiKey: real === undefined ? undefined : process.env[values['key-env']],
    timeoutMs: 60_000,
    retries: real === undefined ? 0 : 3,
    maxConcurrency: real === undefined ? 16 : 8,
    pricing: { kind: 'per_token', inputPerMillion: 30, outputPerMillion: 60 },
    stream: false,
  });
  const started = performance.now();
  const study = await lengthBiasStudy(pairs, {
    judge: llmJudge({ rubric: loadRubric('judges/support-single.yaml'), client }),
    pairwise: pairwiseJudge({ rubric: loadRubric('judges/support-pairwise.yaml'), client }),
  });
  const seconds = (performance.now() - started) / 1000;
  const fixed = (value: number | undefined, digits = 2) => (value === undefined ? 'n/a' : value.toFixed(digits));
  const bias = (value: LengthBias) => `Pearson ${formatCorrelation(value.pearson)}, Spearman ${formatCorrelation(value.spearman)} (n=${value.n})`;
  const { single, pairwise } = study;
  const lines = [
    `Judge length bias on Bitext (${dir}), judge: ${real === undefined ? "the sim's (gpt-4 stand-in)" : `${values.model} at ${real}`}, ${new Date().toISOString().slice(0, 10)}`,
    `${study.pairs} shared utterances; mean answer length ${fixed(study.meanWords.long, 0)} words (detailed) vs ${fixed(study.meanWords.short, 0)} (terse)`,
    `single 1-5, no reference: mean ${fixed(single.meanLong)} detailed vs ${fixed(single.meanShort)} terse; mean difference ${fixed(single.meanDifference)} over ${single.paired} pairs` +
      ` (detailed higher ${single.longHigher}, equal ${single.equal}, terse higher ${single.shortHigher}; ${single.unscored} unscored)`,
    `score vs length in words, both kinds pooled: ${bias(single.pooled)}`,
    `  within detailed answers: ${bias(single.withinLong)}`,
    `  within terse answers:    ${bias(single.withinShort)}`,
  ];
  if (pairwise) {
    const consistency = pairwise.positionConsistency === undefined ? 'n/a' : `${(100 * pairwise.positionConsistency).toFixed(1)}%`;
    lines.push(
      `pairwise (both orders): detailed wins ${pairwise.candidateWins}, terse wins ${pairwise.baselineWins}, ties ${pairwise.ties} of ${pairwise.compared}; position consistency ${consistency}`,
    );
  }
  lines.push(`(${seconds.toFixed(1)} s)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  client.close?.();
} finally {
  await sim?.close();
}
