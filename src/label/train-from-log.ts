import { InputError, UsageError } from '../core/errors.ts';
import { parseFieldFlags } from '../ingest/field-mapping.ts';
import { openLog } from '../ingest/open-log.ts';
import type { LabelledText } from '../router/evaluate.ts';
import { findTrainingPython } from '../router/train/python-runtime.ts';
import { trainRouter, type TrainedRouter } from '../router/train/train-router.ts';

/**
 * Every record of a training file must be a query with a tier: a bad or missing label is a mistake
 * in the team's labels, not noise to skip, so the first one stops the command (exit 2) with its
 * file, line and field, before anything is written.
 */
export async function readTrainingLabels(path: string, fields: readonly string[]): Promise<LabelledText[]> {
  const reader = await openLog({ path, mapping: parseFieldFlags(fields) });
  const items: LabelledText[] = [];
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'reject') {
        const { reject } = item;
        const field = /^(\w+):/.exec(reject.reason)?.[1];
        throw new InputError(field === undefined ? reject.reason : reject.reason.slice(field.length + 1).trim(), { file: reject.file, line: reject.line, ...(field === undefined ? {} : { field }) });
      }
      const { query } = item;
      if (query.label === undefined) {
        throw new InputError('no label: every training query needs simple, medium or complex (map the column with --field label=COLUMN)', { file: query.source.file, line: query.source.line, field: 'label' });
      }
      items.push({ text: query.text, label: query.label });
    }
  } finally {
    await reader.close();
  }
  return items;
}

export interface RouterTrainOptions {
  data: string;
  fields: readonly string[];
  out: string;
  base: string;
  scratch: boolean;
  epochs: number | undefined;
  seed: number;
  log?: (line: string) => void;
}

/** `router train`: PyTorch checked first, then the labels, then training into a staging folder. */
export async function runRouterTrain(options: RouterTrainOptions): Promise<TrainedRouter> {
  const python = findTrainingPython();
  const items = await readTrainingLabels(options.data, options.fields);
  if (items.length === 0) throw new UsageError(`${options.data}: no labelled query to train on`);
  return trainRouter({
    items,
    out: options.out,
    base: options.scratch ? undefined : options.base,
    scratch: options.scratch,
    epochs: options.epochs,
    seed: options.seed,
    python,
    dataFile: options.data,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
