import { writeFile } from 'node:fs/promises';
import { TIERS, type Tier } from '../../core/tier.ts';
import type { TrainedRouter } from './train-router.ts';

export interface CardInput {
  result: TrainedRouter;
  classCounts: { training: Record<Tier, number>; validation: Record<Tier, number> };
  calibration: { temperature: number; offset: number[]; validation_nll_before: number; validation_nll_after: number };
  lossWeights: number[];
  torch: string;
  lr: number;
  seed: number;
  dataFile: string;
  labelled: number;
}

const pct = (value: number | undefined) => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** The model card of a router trained by `hybrid-eval router train`: data sizes, metrics, calibration. */
export async function writeModelCard(path: string, input: CardInput): Promise<void> {
  const { result } = input;
  const v = result.validation;
  const lines = [
    `# Model card: router ${result.routerVersion}`,
    '',
    `Trained by \`hybrid-eval router train\` on ${input.dataFile}. Routes a support query to **simple** (on-prem Llama),`,
    `**medium** (GPT-3.5) or **complex** (GPT-4); load it with \`routing.router.model: <this folder>\` or \`--model <this folder>\`.`,
    '',
    '## Start',
    '',
    result.start === 'fine-tune'
      ? `Fine-tuned from router ${result.baseVersion ?? 'unknown'} (its tokenizer and weights), ${result.epochs} epochs, learning rate ${input.lr}.`
      : `From scratch: a WordPiece vocabulary trained on these labels and random weights, ${result.epochs} epochs, learning rate ${input.lr}.`,
    `Best epoch on validation (accuracy + complex recall): ${result.bestEpoch}. Seed ${input.seed}, one thread, deterministic PyTorch ${input.torch}; ${result.seconds.toFixed(0)} s of training.`,
    '',
    '## Data',
    '',
    `${input.labelled} labelled queries read; distinct texts split by class: ${result.trainingExamples} for training, ${result.validationExamples} for validation (one in ten of each class, seeded; copies of a text stay on one side).`,
    '',
    '| split | ' + TIERS.join(' | ') + ' |',
    '| --- | ' + TIERS.map(() => '---:').join(' | ') + ' |',
    `| training | ${TIERS.map((tier) => input.classCounts.training[tier]).join(' | ')} |`,
    `| validation | ${TIERS.map((tier) => input.classCounts.validation[tier]).join(' | ')} |`,
    '',
    `Loss weights (balanced, complex doubled): ${input.lossWeights.map((w) => w.toFixed(2)).join(' / ')}.`,
    '',
    '## Calibration',
    '',
    `Temperature ${input.calibration.temperature.toFixed(3)} and per-class offsets ${input.calibration.offset.map((o) => o.toFixed(3)).join(' / ')} fitted on the validation logits and folded into the head (validation NLL ${input.calibration.validation_nll_before.toFixed(3)} -> ${input.calibration.validation_nll_after.toFixed(3)}).`,
    'The validation split both picks the epoch and fits the calibration, so its figures below are optimistic: score a held-out labelled set with `hybrid-eval router eval`.',
    '',
    `## Metrics (validation, onnxruntime, thresholds simple ${v.thresholds.simple} / medium ${v.thresholds.medium})`,
    '',
    `n ${v.n}, accuracy ${pct(v.accuracy)} (argmax ${pct(v.accuracy_argmax)}), complex recall ${pct(v.per_class.complex.recall)}, ECE ${v.ece.toFixed(3)}, misroute cost ${v.misroute_cost.mean.toFixed(3)} per query.`,
    '',
    '| tier | precision | recall | support |',
    '| --- | ---: | ---: | ---: |',
    ...TIERS.map((tier) => `| ${tier} | ${pct(v.per_class[tier].precision)} | ${pct(v.per_class[tier].recall)} | ${v.per_class[tier].support} |`),
    '',
    `Confusion (rows: label; columns: routed ${TIERS.join(' / ')}): ${TIERS.map((tier) => `${tier} ${TIERS.map((routed) => v.confusion[tier][routed]).join(' / ')}`).join('; ')}.`,
    '',
    '## Domain reference',
    '',
    `On its training queries ${pct(result.domainReference.low_confidence_share)} of routes are low-confidence (top probability < ${result.domainReference.low_confidence_below}); mean top probability ${result.domainReference.mean_top_probability.toFixed(3)} (n ${result.domainReference.n}).`,
    '`router eval` and the replay report compare a log against this figure (training-log.json `domain_reference`) and say when the log does not look like the training data.',
    '',
    '## Files',
    '',
    '`model.onnx` (inputs input_ids, attention_mask; output logits), `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`, `config.json` (id2label), `training-log.json` (arguments, per-epoch validation, calibration, domain reference; no query text).',
    '',
  ];
  await writeFile(path, lines.join('\n'));
}
