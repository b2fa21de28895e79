import { setTimeout as sleepFor } from 'node:timers/promises';
import OpenAI, { toFile } from 'openai';
import { z } from 'zod';
import { addKnown } from '../core/add-known.ts';
import { UsageError } from '../core/errors.ts';
import { scrubUrl, scrubUrlsInText, scrubValues, urlCredentials } from '../core/secrets.ts';
import { KEYLESS_PLACEHOLDER } from '../endpoints/endpoint-client.ts';
import type { CallOptions, ChatMessage, EndpointClient } from '../endpoints/types.ts';
import type { JudgeBatchIdentity, JudgeTables } from '../store/judge-tables.ts';
import { repairCall, type Parsed, type StructuredResult } from './structured-call.ts';

/** One judge request that goes into the batch file. */
export interface BatchRequest {
  customId: string;
  messages: ChatMessage[];
  options: Required<Pick<CallOptions, 'responseFormat' | 'temperature' | 'maxTokens'>>;
  parse(text: string | undefined): Parsed<unknown>;
  repairInstruction: string;
}

export interface BatchJudgeOptions {
  identity: JudgeBatchIdentity;
  /** Requests not answered by the cache. May be empty when resuming a batch submitted earlier. */
  requests: readonly BatchRequest[];
  /** Batch API client (the openai SDK) for the judge endpoint. */
  sdk: OpenAI;
  model: string;
  /** The judge's chat client, for the one repair request of a reply that does not parse. */
  repairClient: EndpointClient;
  tables: JudgeTables;
  /** First wait between polls; grows 1.5x per poll up to pollMaxMs. */
  pollIntervalMs: number;
  pollMaxMs: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (line: string) => void;
}

export interface BatchJudgeResult {
  /** undefined when nothing needed judging and no batch was pending. */
  batchId: string | undefined;
  resumed: boolean;
  /** The Batch API's last status. */
  status: string | undefined;
  /** Interrupted while polling: the batch runs on; rerun the same command to collect it. */
  pending: boolean;
  results: Map<string, BatchResult>;
}

/**
 * A batch request's result, with the tokens its output line (and a live repair) reported: a judge
 * does not need them, a validator does (the cascade pays for every validator call). undefined when
 * a line or the repair reported no usage.
 */
export interface BatchResult extends StructuredResult<unknown> {
  promptTokens: number | undefined;
  completionTokens: number | undefined;
}

export const TERMINAL_BATCH_STATUSES = ['completed', 'failed', 'expired', 'cancelled'] as const;

const outputLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

/** A batch input line in OpenAI's format; the body is what the chat client would send (no streaming). */
export function batchLine(request: BatchRequest, model: string): string {
  return JSON.stringify({
    custom_id: request.customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model,
      messages: request.messages,
      temperature: request.options.temperature,
      max_tokens: request.options.maxTokens,
      response_format: request.options.responseFormat,
    },
  });
}

type LineOutcome = { ok: true; content: string | undefined; promptTokens: number | undefined; completionTokens: number | undefined } | { ok: false; reason: string };

/** Reads OpenAI batch output (or error) JSONL into custom_id -> the reply content or why there is none. */
export function parseBatchOutput(text: string): Map<string, LineOutcome> {
  const outcomes = new Map<string, LineOutcome>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`batch output line ${index + 1} is not JSON: ${line.slice(0, 80)}`);
    }
    const parsed = outputLineSchema.safeParse(json);
    if (!parsed.success) throw new Error(`batch output line ${index + 1}: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`);
    const { custom_id: id, response, error } = parsed.data;
    if (error) {
      outcomes.set(id, { ok: false, reason: `batch request failed: ${error.code ?? ''} ${error.message ?? ''}`.trim() });
    } else if (!response) {
      outcomes.set(id, { ok: false, reason: 'batch output line has neither response nor error' });
    } else if (response.status_code !== 200) {
      const message = (response.body as { error?: { message?: string } } | undefined)?.error?.message ?? 'no message';
      outcomes.set(id, { ok: false, reason: `${response.status_code} ${message}` });
    } else {
      const completion = completionSchema.safeParse(response.body);
      if (!completion.success) {
        outcomes.set(id, { ok: false, reason: 'batch response has no choices' });
        continue;
      }
      const { choices, usage } = completion.data;
      outcomes.set(id, { ok: true, content: choices[0]!.message.content ?? undefined, promptTokens: usage?.prompt_tokens ?? undefined, completionTokens: usage?.completion_tokens ?? undefined });
    }
  }
  return outcomes;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, signal ? { signal } : {});

/**
 * OpenAI Batch API mode: write the JSONL, upload it (purpose 'batch'), create the batch, record its
 * id in judge_batches before the first poll, poll with backoff, download the output and error files,
 * join on custom_id. A batch of the same judge and run that was recorded but never joined is resumed
 * (polled) instead of submitting a new one. The caller stores the results, then marks the batch joined.
 */
export async function runJudgeBatch(options: BatchJudgeOptions): Promise<BatchJudgeResult> {
  const { sdk, tables, identity } = options;
  const log = options.log ?? (() => undefined);
  const sleep = options.sleep ?? defaultSleep;
  const results = new Map<string, BatchResult>();

  let batchId: string;
  let resumed = false;
  let batch: OpenAI.Batches.Batch | undefined;
  const unfinished = await tables.unfinishedBatch(identity);
  if (unfinished !== undefined) {
    batch = await retrieveKnown(sdk, unfinished.batchId);
    if (batch === undefined) {
      // Gone (a restarted sim, another account): nothing to collect, so close it and submit anew.
      await tables.updateBatch(unfinished.batchId, { status: 'not_found', joined: true });
      log(`batch ${unfinished.batchId} no longer exists at the endpoint; submitting a new one`);
    }
  }
  if (unfinished !== undefined && batch !== undefined) {
    batchId = unfinished.batchId;
    resumed = true;
    log(`resuming batch ${batchId} (submitted ${unfinished.submittedAt}, last seen ${unfinished.status})`);
  } else if (options.requests.length === 0) {
    return { batchId: undefined, resumed, status: undefined, pending: false, results };
  } else {
    const jsonl = `${options.requests.map((request) => batchLine(request, options.model)).join('\n')}\n`;
    const submitted = await refusedAsUsage(sdk, async () => {
      const file = await sdk.files.create({ file: await toFile(Buffer.from(jsonl, 'utf8'), `${identity.runId}-${identity.judgeName}.jsonl`), purpose: 'batch' });
      const created = await sdk.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { run_id: identity.runId.slice(0, 500), judge: identity.judgeName.slice(0, 500), tool: 'hybrid-eval' },
      });
      return { file, batch: created };
    });
    const file = submitted.file;
    batchId = submitted.batch.id;
    batch = submitted.batch;
    // Recorded before the first poll: from here on, a killed process is resumed, not resubmitted.
    await tables.recordBatch({ ...identity, batchId, inputFileId: file.id, requestCount: options.requests.length, status: submitted.batch.status });
    log(`submitted batch ${batchId}: ${options.requests.length} requests (file ${file.id})`);
  }

  let interval = options.pollIntervalMs;
  let lastStatus: string | undefined;
  for (;;) {
    batch = await sdk.batches.retrieve(batchId);
    if (batch.status !== lastStatus) {
      lastStatus = batch.status;
      await tables.updateBatch(batchId, { status: batch.status, outputFileId: batch.output_file_id ?? undefined, errorFileId: batch.error_file_id ?? undefined });
      const counts = batch.request_counts;
      log(`batch ${batchId}: ${batch.status}${counts ? ` (${counts.completed}/${counts.total} done, ${counts.failed} failed)` : ''}`);
    }
    if ((TERMINAL_BATCH_STATUSES as readonly string[]).includes(batch.status)) break;
    try {
      if (options.signal?.aborted) throw new Error('aborted');
      await sleep(interval, options.signal);
    } catch {
      return { batchId, resumed, status: batch.status, pending: true, results };
    }
    interval = Math.min(options.pollMaxMs, Math.round(interval * 1.5));
  }

  const lines = new Map<string, LineOutcome>();
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    const text = await (await sdk.files.content(fileId)).text();
    for (const [id, outcome] of parseBatchOutput(text)) lines.set(id, outcome);
  }
  const batchFailure = batch.errors?.data?.map((error) => error.message).filter(Boolean).join('; ');
  for (const request of options.requests) {
    const line = lines.get(request.customId);
    if (line === undefined) {
      const reason = batchFailure ? `batch ${batch.status}: ${batchFailure}` : `not in the output of batch ${batchId} (${batch.status})`;
      results.set(request.customId, { outcome: { status: 'error', reason }, latencyMs: undefined, calls: 0, promptTokens: undefined, completionTokens: undefined });
    } else if (!line.ok) {
      results.set(request.customId, { outcome: { status: 'error', reason: line.reason }, latencyMs: undefined, calls: 1, promptTokens: undefined, completionTokens: undefined });
    } else {
      results.set(request.customId, await withRepair(request, line, options));
    }
  }
  return { batchId, resumed, status: batch.status, pending: false, results };
}

/** An endpoint without the Batch API (vLLM), or one that refuses the upload, is the user's to fix: one line. */
async function refusedAsUsage<T>(sdk: OpenAI, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    // Providers echo (masked) keys in auth errors; never let the key itself into a message.
    // A gateway's key may sit in the base URL itself (user part or query): shown without it.
    const scrub = (text: string): string => scrubValues(scrubUrlsInText(sdk.apiKey ? text.replaceAll(sdk.apiKey, '***') : text), urlCredentials(sdk.baseURL));
    const at = scrubUrl(sdk.baseURL);
    if (error instanceof OpenAI.APIConnectionError) throw new UsageError(`Batch API at ${at} unreachable: ${scrub(error.message)}`);
    if (error instanceof OpenAI.APIError && error.status !== undefined && error.status < 500) {
      throw new UsageError(`Batch API at ${at} refused the batch (HTTP ${error.status}): ${scrub(error.message)}; use live judging (no --batch) for endpoints without it`);
    }
    throw error;
  }
}

async function retrieveKnown(sdk: OpenAI, batchId: string): Promise<OpenAI.Batches.Batch | undefined> {
  try {
    return await sdk.batches.retrieve(batchId);
  } catch (error) {
    if (error instanceof OpenAI.NotFoundError) return undefined;
    throw error;
  }
}

/** A batch reply that does not parse gets the same one repair as a live call, sent live. */
async function withRepair(request: BatchRequest, line: Extract<LineOutcome, { ok: true }>, options: BatchJudgeOptions): Promise<BatchResult> {
  const parsed = request.parse(line.content);
  // Batch latency is queueing, not the judge's: unknown, not the hours the batch took.
  const first = { latencyMs: undefined, promptTokens: line.promptTokens, completionTokens: line.completionTokens };
  if (parsed.ok) return { outcome: { status: 'scored', value: parsed.value }, calls: 1, ...first };
  const repaired = await repairCall(options.repairClient, request.messages, line.content, request.repairInstruction, {
    ...request.options,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const both = { latencyMs: undefined, promptTokens: addKnown(line.promptTokens, repaired.promptTokens), completionTokens: addKnown(line.completionTokens, repaired.completionTokens) };
  if (repaired.status === 'failed' || repaired.status === 'interrupted') {
    return { outcome: { status: 'error', reason: repaired.error ?? repaired.status }, calls: 2, ...both };
  }
  const second = request.parse(repaired.output);
  if (second.ok) return { outcome: { status: 'scored', value: second.value }, calls: 2, ...both };
  return { outcome: { status: 'unscored', reason: `after one repair: ${second.reason}` }, calls: 2, ...both };
}

/** The openai SDK for the Batch API on the judge endpoint (files and batches). */
export function batchSdk(client: EndpointClient): OpenAI {
  const { settings } = client;
  return new OpenAI({
    apiKey: settings.apiKey ?? KEYLESS_PLACEHOLDER,
    baseURL: settings.baseUrl,
    timeout: settings.timeoutMs,
    maxRetries: settings.retries,
  });
}
