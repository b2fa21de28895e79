import type { BatchRequest } from '../judge/batch-judge.ts';
import type { JudgeTables } from '../store/judge-tables.ts';
import type { ValidatorInput, ValidatorResult } from './llm-validator.ts';
import type { TierValidator } from './validate-stage.ts';

/** One candidate answer to validate, with what its tier's validator is shown. */
export interface BatchItem {
  queryId: string;
  entry: TierValidator;
  input: ValidatorInput;
}

/** One Batch API job: a validator's requests that the cache did not answer. */
export interface ValidatorBatch {
  validator: string;
  batchId: string | undefined;
  resumed: boolean;
  /** The Batch API's last status. */
  status: string | undefined;
  /** Interrupted while polling: the batch runs on; rerunning the same command collects it. */
  pending: boolean;
}

export interface BatchValidationOutcome {
  /** Results of the items whose batch finished, and of those the cache answered. */
  results: Array<{ item: BatchItem; result: ValidatorResult }>;
  batches: ValidatorBatch[];
  /** Items left out because their batch is still pending. */
  pendingItems: number;
}

export interface BatchValidationOptions {
  runId: string;
  tables: JudgeTables;
  pollIntervalMs: number;
  pollMaxMs: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * `validate --batch`: the cache first, then one OpenAI Batch API job per validator (a validator is
 * one endpoint, model and rubric, so one batch file), through the judge's batch runner: the batch
 * is recorded in judge_batches under the validator's name before the first poll, so a killed
 * process resumes it instead of submitting it again. A reply that does not parse gets its one
 * repair live. Batch latency is queueing, not the validator's: the results carry no latency.
 * The caller stores the results, then marks each finished batch joined (markJoined).
 */
export async function validateInBatches(items: readonly BatchItem[], options: BatchValidationOptions): Promise<BatchValidationOutcome> {
  const results: BatchValidationOutcome['results'] = [];
  const byValidator = new Map<string, BatchItem[]>();
  for (const item of items) {
    const hit = await item.entry.validator.batching.cached(item.input);
    if (hit !== undefined) {
      results.push({ item, result: hit });
      continue;
    }
    const name = item.entry.validator.spec.name;
    const group = byValidator.get(name);
    if (group === undefined) byValidator.set(name, [item]);
    else group.push(item);
  }
  // Loaded here, not at start-up: the openai SDK is only for the Batch API.
  const { batchSdk, runJudgeBatch } = await import('../judge/batch-judge.ts');
  const batches: ValidatorBatch[] = [];
  let pendingItems = 0;
  for (const [name, group] of byValidator) {
    const { validator } = group[0]!.entry;
    const { client } = validator.batching;
    const requests: BatchRequest[] = group.map((item) => validator.batching.request(item.input, item.queryId));
    const outcome = await runJudgeBatch({
      identity: { runId: options.runId, kind: 'single', judgeName: name, promptHash: validator.spec.promptHash, judgeModel: validator.spec.model },
      requests,
      sdk: batchSdk(client),
      model: client.settings.model,
      repairClient: client,
      tables: options.tables,
      pollIntervalMs: options.pollIntervalMs,
      pollMaxMs: options.pollMaxMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    batches.push({ validator: name, batchId: outcome.batchId, resumed: outcome.resumed, status: outcome.status, pending: outcome.pending });
    if (outcome.pending) {
      pendingItems += group.length;
      continue;
    }
    for (const item of group) {
      const result = outcome.results.get(item.queryId);
      // runJudgeBatch answers every request it was given; a missing one is a bug, not a verdict.
      if (result === undefined) throw new Error(`batch ${outcome.batchId ?? '(none)'} returned no result for query ${item.queryId}`);
      results.push({ item, result: validator.batching.settle(item.input, result) });
    }
  }
  return { results, batches, pendingItems };
}

/** After the results are stored: a finished batch is joined, so the next run submits anew instead of resuming it. */
export async function markJoined(tables: JudgeTables, batches: readonly ValidatorBatch[]): Promise<void> {
  for (const batch of batches) {
    if (batch.batchId !== undefined && !batch.pending) await tables.updateBatch(batch.batchId, { status: batch.status ?? 'completed', joined: true });
  }
}
