import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.ts';
import { TIERS, type Tier } from '../../core/tier.ts';
import { domainProfile, type DomainReference } from '../domain-shift.ts';
import { evaluateRouter, type LabelledText, type RouterEvaluation } from '../evaluate.ts';
import { loadRouter } from '../load-router.ts';
import { writeModelCard } from './model-card.ts';

const SCRIPT = join(import.meta.dirname, 'train_router.py');
/** The smallest class a router can be trained on: a validation split needs a few of each. */
export const MIN_PER_CLASS = 20;

export interface TrainRouterOptions {
  items: readonly LabelledText[];
  /** The model folder to write; replaced only when training succeeds. */
  out: string;
  /** Router folder to fine-tune; undefined with scratch. */
  base: string | undefined;
  scratch: boolean;
  epochs: number | undefined;
  seed: number;
  python: string;
  /** Named in the card and the log. */
  dataFile: string;
  /** Progress lines from the trainer. */
  log?: (line: string) => void;
}

export interface TrainedRouter {
  out: string;
  routerVersion: string;
  start: 'fine-tune' | 'scratch';
  baseVersion: string | undefined;
  trainingExamples: number;
  validationExamples: number;
  bestEpoch: number;
  epochs: number;
  seconds: number;
  /** onnxruntime on the validation split, with the default thresholds. */
  validation: RouterEvaluation;
  domainReference: DomainReference;
}

interface PythonLog {
  start: 'fine-tune' | 'scratch';
  epochs: number;
  lr: number;
  torch: string;
  training_examples: number;
  validation_examples: number;
  class_counts: { training: Record<Tier, number>; validation: Record<Tier, number> };
  loss_weights: number[];
  best_epoch: number;
  calibration: { temperature: number; offset: number[]; validation_nll_before: number; validation_nll_after: number };
  history: unknown[];
  training_texts?: string[];
  validation_texts?: string[];
  seconds: number;
  [key: string]: unknown;
}

/**
 * Trains in a staging folder beside `out` and moves it into place only when everything worked, so a
 * failed or interrupted training leaves `out` as it was (absent, or the previous router).
 */
export async function trainRouter(options: TrainRouterOptions): Promise<TrainedRouter> {
  checkClasses(options.items, options.dataFile);
  const out = resolve(options.out);
  if (existsSync(out)) {
    const entries = await readdir(out);
    if (entries.length > 0 && !entries.includes('model.onnx')) {
      throw new UsageError(`${options.out}: exists and is not a router folder (no model.onnx); give a new or an existing router folder`);
    }
  }
  // Beside `out`, so publishing is a rename on one file system.
  await mkdir(dirname(out), { recursive: true });
  const staging = await mkdtemp(join(dirname(out), `.${basename(out)}.training-`));
  try {
    const dataPath = join(staging, 'labels.jsonl');
    await writeFile(dataPath, options.items.map((item) => JSON.stringify({ text: item.text, label: item.label })).join('\n') + '\n');
    const modelDir = join(staging, 'model');
    const args = [SCRIPT, '--data', dataPath, '--out', modelDir, '--seed', String(options.seed), '--threads', '1'];
    if (options.scratch) args.push('--scratch');
    else args.push('--base', resolve(options.base ?? 'models/router'));
    if (options.epochs !== undefined) args.push('--epochs', String(options.epochs));
    await runPython(options.python, args, options.log);
    await rm(dataPath);

    const logPath = join(modelDir, 'training-log.json');
    const pythonLog = JSON.parse(await readFile(logPath, 'utf8')) as PythonLog;
    // The split's texts are the team's data: they are used here and never kept in the folder.
    const trainingTexts = new Set(pythonLog.training_texts ?? []);
    const validationTexts = new Set(pythonLog.validation_texts ?? []);
    delete pythonLog.training_texts;
    delete pythonLog.validation_texts;

    const router = await loadRouter(modelDir);
    let validation: RouterEvaluation;
    let domainReference: DomainReference;
    let baseVersion: string | undefined;
    try {
      const validationItems = dedupe(options.items.filter((item) => validationTexts.has(item.text)));
      validation = await evaluateRouter(router, validationItems, { latencySamples: 50 });
      const trainingItems = dedupe(options.items.filter((item) => trainingTexts.has(item.text)));
      const profile = domainProfile(await router.classifyBatch(trainingItems.map((item) => item.text)));
      domainReference = { ...profile, data: `the ${trainingItems.length} distinct training queries of ${basename(options.dataFile)}` };
    } finally {
      await router.close();
    }
    if (!options.scratch) {
      const base = await loadRouter(resolve(options.base ?? 'models/router'));
      baseVersion = base.version;
      await base.close();
    }
    const trainingLog = {
      ...pythonLog,
      data_file: options.dataFile,
      labelled_queries: options.items.length,
      base_version: baseVersion ?? null,
      validation_onnx: validation,
      domain_reference: domainReference,
    };
    await writeFile(logPath, JSON.stringify(trainingLog, null, 2) + '\n');
    const result: TrainedRouter = {
      out: options.out,
      routerVersion: validation.router_version,
      start: pythonLog.start,
      baseVersion,
      trainingExamples: pythonLog.training_examples,
      validationExamples: pythonLog.validation_examples,
      bestEpoch: pythonLog.best_epoch,
      epochs: pythonLog.epochs,
      seconds: pythonLog.seconds,
      validation,
      domainReference,
    };
    await writeModelCard(join(modelDir, 'README.md'), {
      result,
      classCounts: pythonLog.class_counts,
      calibration: pythonLog.calibration,
      lossWeights: pythonLog.loss_weights,
      torch: pythonLog.torch,
      lr: pythonLog.lr,
      seed: options.seed,
      dataFile: options.dataFile,
      labelled: options.items.length,
    });
    await publish(modelDir, out, staging);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Empty, one-class, or a class below MIN_PER_CLASS: the whole file is unusable (exit 2). */
export function checkClasses(items: readonly LabelledText[], file: string): void {
  if (items.length === 0) throw new UsageError(`${file}: no labelled query to train on`);
  const counts = Object.fromEntries(TIERS.map((tier) => [tier, 0])) as Record<Tier, number>;
  for (const item of items) counts[item.label]++;
  const present = TIERS.filter((tier) => counts[tier] > 0);
  const summary = TIERS.map((tier) => `${tier} ${counts[tier]}`).join(', ');
  if (present.length === 1) throw new UsageError(`${file}: every label is ${present[0]}; a router needs labelled queries of all three tiers (${summary})`);
  const short = TIERS.filter((tier) => counts[tier] < MIN_PER_CLASS);
  if (short.length > 0) {
    throw new UsageError(`${file}: too few labelled queries for ${short.join(', ')} (${summary}); each tier needs at least ${MIN_PER_CLASS}`);
  }
}

function dedupe(items: readonly LabelledText[]): LabelledText[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.text) && seen.add(item.text));
}

/** Swaps the new folder in; an older router folder at `out` is moved aside first and removed after. */
async function publish(modelDir: string, out: string, staging: string): Promise<void> {
  if (existsSync(out)) {
    const previous = join(staging, 'previous');
    await rename(out, previous);
    try {
      await rename(modelDir, out);
    } catch (error) {
      await rename(previous, out);
      throw error;
    }
  } else {
    await rename(modelDir, out);
  }
}

function runPython(python: string, args: string[], log: ((line: string) => void) | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONHASHSEED: '0' } });
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) log?.(line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    // Ctrl-C reaches the child through the process group; the staging folder is removed by the caller.
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (pending !== '') log?.(pending);
      if (code === 0) return resolvePromise();
      const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
      reject(new Error(`router training failed (${signal ?? `exit ${code}`}): ${last}`));
    });
  });
}
