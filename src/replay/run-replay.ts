import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { loadConfig } from '../config/load.ts';
import { configForStorage, configSecrets } from '../config/secrets.ts';
import { endpointsInUse, resolveApiKeys } from '../config/endpoints-in-use.ts';
import { UsageError } from '../core/errors.ts';
import { checkRunId } from '../core/run-id.ts';
import type { AnswerSource, IngestItem } from '../core/query.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { openLog, type LogFormat, type LogReader } from '../ingest/open-log.ts';
import { logSourceFor } from '../ingest/log-source.ts';
import type { TurnMode } from '../ingest/turns-reader.ts';
import { mergeFieldMappings } from './mapping.ts';
import { llmJudge } from '../judge/llm-judge.ts';
import { pairwiseJudge } from '../judge/pairwise-judge.ts';
import { readPairwiseSummary, type ReplayPairwiseSummary } from './pairwise-summary.ts';
import { measureOnpremJudge, onpremJudgeToMeasure, type OnpremAgreementSummary } from '../judge/onprem-agreement.ts';
import { loadRubric } from '../judge/rubric.ts';
import { routePolicyFor, type PolicyHandle } from '../router/policy-for-config.ts';
import { startSim, parseFaultSpec, type SimServer } from '../sim/server.ts';
import { referenceKeyFor } from '../sim/conversation.ts';
import { openStore, type Store } from '../store/store.ts';
import { endpointSettings, pricingOf } from './endpoint-settings.ts';
import { replay } from './engine.ts';
import { preflight } from './preflight.ts';
import { checkResumeFingerprint, saveNewRunFingerprint } from './resume-fingerprint.ts';
import { runFingerprint, type RunFingerprint } from './run-fingerprint.ts';
import { parseShard } from './shard.ts';
import { createProgress } from './progress.ts';
import type { ReplaySummary } from './types.ts';
import { cascadeSetup, simValidatorSkills, type CascadeSetup } from '../cascade/cascade-setup.ts';
import { privacySettingsFromConfig, redactOptionsFromConfig, sensitivityPolicyFromConfig } from '../privacy/config-schema.ts';

export interface ReplayCommandOptions {
  config: string;
  dataset?: string;
  fields?: string[];
  /** Override dataset.format / dataset.batch_output / dataset.turns (ingest's options, passed through). */
  format?: LogFormat;
  batchOutput?: string;
  turns?: TurnMode;
  /** Who wrote the logged answers (overrides dataset.answer_source; default baseline). */
  answerSource?: AnswerSource;
  runId?: string;
  limit?: number;
  /** A consistent copy of the database for analysts, rewritten every `snapshotEvery` batches and at the end. */
  snapshot?: string;
  snapshotEvery?: number;
  /** e.g. "2/4": this process replays one of four shards into its own database. */
  shard?: string;
  resume?: boolean;
  /** Resume even though the config defines a different run; the change is recorded on the run. Implies resume. */
  forceResume?: boolean;
  db?: string;
  sim?: boolean;
  simTimeScale?: number;
  simFaults?: string;
  /** Send multi-turn requests without their history; the run's notes say so. */
  stripHistory?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Progress goes here (stderr in the CLI). */
  progressOutput: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
}

export interface ReplayCommandResult extends ReplaySummary {
  database: string;
  config: Config;
  /** When the config names a pairwise rubric: the run's comparisons of the served answers with the baseline. */
  pairwise: ReplayPairwiseSummary | undefined;
  /** The on-prem judge's measured agreement with the main judge (privacy.sensitive.judge set), else undefined. */
  onpremJudge: OnpremAgreementSummary | undefined;
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * The replay command: validate everything that can be validated before the first write
 * (config, keys, dataset, mapping, endpoints reachable), then create or resume the run.
 */
export async function runReplayCommand(options: ReplayCommandOptions): Promise<ReplayCommandResult> {
  const env = options.env ?? process.env;
  const signal = options.signal ?? new AbortController().signal;
  // Flags first, before the config or the dataset is read: a bad id or fault spec is one line, nothing started.
  if (options.runId !== undefined) checkRunId(options.runId, '--run-id');
  if (options.simFaults !== undefined && !options.sim) throw new UsageError('--sim-faults needs --sim (the faults are the simulator\'s)');
  const faults = options.simFaults === undefined ? undefined : parseFaultSpec(options.simFaults);
  const config = loadConfig(options.config, { env });
  const datasetPath = options.dataset ?? config.dataset.path;
  const mapping = mergeFieldMappings(config.dataset.fields, options.fields ?? []);
  const answerSource: AnswerSource = options.answerSource ?? config.dataset.answer_source ?? 'baseline';
  // A human agent's reply is never the baseline: the baseline model is then called as if no answer were logged.
  const baselineFromLog = Boolean(mapping.answer) && answerSource === 'baseline';
  const names = endpointsInUse(config, { baselineFromLog });
  const keys = options.sim ? new Map<string, string | undefined>() : resolveApiKeys(config, names, env);
  const rubric = loadRubric(config.judge.rubric);
  const pairwiseRubric = config.judge.pairwise_rubric === undefined ? undefined : loadRubric(config.judge.pairwise_rubric, 'pairwise');
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);

  // The results database is never a source: user SQL (dataset.sql) must not reach it, not even to read.
  if (sameFile(datasetPath, options.db ?? config.database)) throw new UsageError(`dataset ${datasetPath} is the results database: replay a log, not the results`);
  const reader = await openLog(logSourceFor(config.dataset, { path: datasetPath, mapping, format: options.format, batchOutput: options.batchOutput, turns: options.turns }));
  let sim: SimServer | undefined;
  let store: Store | undefined;
  let policy: PolicyHandle | undefined;
  let judgeClient: EndpointClient | undefined;
  let cascade: CascadeSetup | undefined;
  const clients = new Map<string, EndpointClient>();
  try {
    const items = await primed(reader, datasetPath);
    if (options.sim) {
      sim = await startSim({
        port: 0,
        timeScale: options.simTimeScale ?? 1,
        ...(faults === undefined ? {} : { faults }),
        validatorSkills: simValidatorSkills(config),
      });
    }
    for (const name of names) clients.set(name, createEndpointClient(endpointSettings(config, name, keys.get(name), sim)));
    const judgeSettings = endpointSettings(config, config.judge.endpoint, keys.get(config.judge.endpoint), sim);
    // The judge gets its own client so grading never waits behind generation in one limiter.
    judgeClient = createEndpointClient({
      ...judgeSettings,
      name: `${config.judge.endpoint} (judge)`,
      stream: false,
      maxConcurrency: config.judge.max_concurrency ?? judgeSettings.maxConcurrency,
    });
    const sensitiveJudgeName = config.privacy.sensitive.judge;
    const sensitiveJudge =
      sensitiveJudgeName === undefined || sensitiveJudgeName === config.judge.endpoint
        ? undefined
        : llmJudge({
            rubric,
            client: createEndpointClient({ ...endpointSettings(config, sensitiveJudgeName, keys.get(sensitiveJudgeName), sim), name: `${sensitiveJudgeName} (judge)`, stream: false }),
          });
    cascade = cascadeSetup(config, { env, sim });
    await preflight([...clients.values(), ...(cascade?.clients ?? [])].map((client) => client.settings));
    // A router folder with a missing file or the wrong labels is a start-up error: before the run exists.
    policy = await routePolicyFor(config);

    store = await openStore(options.db ?? config.database);
    await store.setMemoryLimit(config.replay.database_memory_limit);
    if (config.replay.checkpoint_threshold !== undefined) await store.setCheckpointThreshold(config.replay.checkpoint_threshold);
    const fingerprint = runFingerprint({ config, dataset: datasetPath, mapping, answerSource, policy: policy.describe, endpoints: names, sim: Boolean(options.sim), shard: options.shard });
    const runId = await startOrResumeRun(store, options, config, datasetPath, mapping, answerSource, fingerprint);
    const route = policy.route;
    const progress = createProgress({ output: options.progressOutput, total: options.limit });
    const activeSim = sim;
    let summary: ReplaySummary;
    try {
      summary = await replay(
        {
          items,
          limit: options.limit,
          shard,
          maxInFlight: config.replay.max_in_flight,
          batchSize: config.replay.batch_size,
          afterCommit:
            options.snapshot === undefined
              ? undefined
              : async (batches) => {
                  if (batches % (options.snapshotEvery ?? 10) === 0) await writeSnapshot(store!, options.snapshot!, options.progressOutput);
                },
          routeAhead: policy.routeAhead,
          observe: activeSim === undefined ? undefined : (query) => query.reference !== undefined && activeSim.addReference(referenceKeyFor(query), query.reference, query.label),
        },
        {
          runId,
          systemPrompt: config.system_prompt,
          route,
          tiers: config.routing.tiers,
          baseline: config.baseline,
          answerSource,
          baselinePricing: pricingOf(config.endpoints[config.baseline]!),
          fallback: config.routing.fallback,
          clients,
          onPrem: new Set(Object.entries(config.endpoints).filter(([, endpoint]) => endpoint.on_prem).map(([name]) => name)),
          judge: llmJudge({ rubric, client: judgeClient }),
          // Same client as the single judge: one limiter (judge.max_concurrency) for every judge call.
          ...(pairwiseRubric === undefined ? {} : { pairwiseJudge: pairwiseJudge({ rubric: pairwiseRubric, client: judgeClient }) }),
          judgeEndpoint: config.judge.endpoint,
          sensitiveJudge,
          privacy: {
            redact: redactOptionsFromConfig(config.privacy),
            policy: sensitivityPolicyFromConfig(config.privacy),
            settings: privacySettingsFromConfig(config.privacy),
            endpoints: Object.fromEntries(Object.entries(config.endpoints).map(([name, endpoint]) => [name, { onPrem: endpoint.on_prem }])),
          },
          judgeContextTokens: config.judge.context_tokens,
          stripHistory: options.stripHistory === true,
          ...(cascade === undefined ? {} : { cascade: cascade.stage }),
          now: () => new Date(),
          signal,
        },
        store,
        progress,
      );
    } catch (error) {
      progress.stop();
      await store.setRunStatus(runId, 'failed');
      throw error;
    }
    progress.stop();
    const skipped = reader.skipped?.();
    if (skipped !== undefined && skipped.count > 0) options.progressOutput.write(`${skipped.count} ${skipped.what} skipped in ${datasetPath}\n`);
    const counts = { queryCount: summary.storedQueries, rejectCount: summary.rejects };
    // Pairwise comparisons were made and stored with each query (issue 21): nothing waits for them here.
    // The on-prem judge's agreement with the main judge, measured on non-sensitive answers (issue 15).
    const agreementStage = summary.status === 'complete' && onpremJudgeToMeasure(config);
    await store.setRunStatus(runId, agreementStage ? 'running' : summary.status, counts);
    let onpremJudge: OnpremAgreementSummary | undefined;
    if (agreementStage) {
      try {
        onpremJudge = await measureOnpremJudge({ runId, db: store.path, ...(options.sim ? { sim: true } : {}), env, signal });
      } catch (error) {
        await store.setRunStatus(runId, 'failed', counts);
        throw error;
      }
      if (signal.aborted) summary = { ...summary, status: 'interrupted' };
      await store.setRunStatus(runId, summary.status, counts);
    }
    const pairwise = pairwiseRubric === undefined ? undefined : await readPairwiseSummary(store, runId, pairwiseRubric.name);
    if (options.snapshot !== undefined) await writeSnapshot(store, options.snapshot, options.progressOutput);
    return { ...summary, database: store.path, config, pairwise, onpremJudge };
  } finally {
    for (const client of clients.values()) client.close?.();
    judgeClient?.close?.();
    for (const client of cascade?.clients ?? []) client.close?.();
    await policy?.close?.();
    await reader.close();
    await store?.close();
    await sim?.close();
  }
}

async function startOrResumeRun(
  store: Store,
  options: ReplayCommandOptions,
  config: Config,
  dataset: string,
  mapping: Record<string, string | undefined>,
  answerSource: AnswerSource,
  fingerprint: RunFingerprint,
): Promise<string> {
  if (options.resume || options.forceResume) {
    const run = options.runId === undefined ? await store.latestRun() : await store.getRun(options.runId);
    if (run === undefined) throw new UsageError(options.runId === undefined ? 'no run to resume in this database' : `run not found: ${options.runId}`);
    if (run.dataset !== dataset) throw new UsageError(`run ${run.run_id} replayed ${run.dataset}, not ${dataset}: resume with the same dataset`);
    await checkResumeFingerprint(store, run.run_id, fingerprint, Boolean(options.forceResume), new Date());
    await store.setRunStatus(run.run_id, 'running');
    return run.run_id;
  }
  const runId = options.runId ?? newRunId();
  if ((await store.getRun(runId)) !== undefined) throw new UsageError(`run ${runId} already exists: add --resume to continue it`);
  await store.createRun({
    runId,
    mode: 'shadow',
    dataset,
    policy: config.routing.policy,
    // No key value and no credential from a base URL is stored (runs.config_json is exported and shared).
    // answer_source as replayed (flag or config): a re-judge or an analyst reads who wrote the logged answers here.
    config: configForStorage({ ...config, dataset: { ...config.dataset, path: dataset, fields: mapping, answer_source: answerSource } }, configSecrets(config, options.env ?? process.env)),
    notes: runNotes(options),
  });
  await saveNewRunFingerprint(store, runId, fingerprint, new Date());
  return runId;
}

function runNotes(options: ReplayCommandOptions): string | undefined {
  const notes = [
    options.sim ? 'simulated endpoints (sim): scores are a simulation' : undefined,
    options.stripHistory ? 'history stripped (--strip-history): multi-turn requests were sent with only their system and last user message' : undefined,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/**
 * Reads up to the first valid query before anything is written, so an empty dataset or one with
 * only bad lines is a clear error with no run left behind. Then yields everything in order.
 */
async function primed(reader: LogReader, path: string): Promise<AsyncIterable<IngestItem>> {
  const iterator = reader.items()[Symbol.asyncIterator]();
  const head: IngestItem[] = [];
  let finished = false;
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      finished = true;
      break;
    }
    head.push(next.value);
    if (next.value.kind === 'query') break;
  }
  if (!head.some((item) => item.kind === 'query')) {
    const rejects = head.filter((item) => item.kind === 'reject');
    const first = rejects[0];
    throw new UsageError(
      rejects.length === 0
        ? `dataset is empty: ${path}`
        : `dataset has no valid query: all ${rejects.length} records of ${path} were rejected (first: line ${first?.kind === 'reject' ? `${first.reject.line}: ${first.reject.reason}` : '?'})`,
    );
  }
  return {
    async *[Symbol.asyncIterator]() {
      yield* head;
      if (finished) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
}

/** A snapshot is a convenience for readers, not the record: a failure is a warning and the replay goes on. */
async function writeSnapshot(store: Store, path: string, output: NodeJS.WritableStream): Promise<void> {
  try {
    await store.snapshot(path);
  } catch (error) {
    output.write(`hybrid-eval: warning: snapshot to ${path} failed: ${(error as Error).message.split('\n')[0]}\n`);
  }
}

function sameFile(a: string, b: string): boolean {
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return real(a) === real(b);
}
