import { loadConfig } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import type { ResponseRecord } from '../core/response.ts';
import { storedConfig } from '../judge/judge-setup.ts';
import { storedJudgeCache } from '../judge/stored-cache.ts';
import { preflight } from '../replay/preflight.ts';
import { referenceKeyFor } from '../sim/conversation.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { replaceValidations } from '../store/cascade-tables.ts';
import { openJudgeTables, type JudgeTables } from '../store/judge-tables.ts';
import { openStore } from '../store/store.ts';
import { cascadeSetup, simValidatorSkills, type CascadeSetup } from './cascade-setup.ts';
import { resolveRun } from './evaluate.ts';
import { markJoined, validateInBatches, type BatchItem, type ValidatorBatch } from './validate-batch.ts';
import { validateCandidate, validationInput, validationRecord } from './validate-stage.ts';
import type { ValidationRecord } from './validation-record.ts';

export interface ValidateRunOptions {
  runId: string;
  db: string;
  /** A config whose cascade and endpoints replace the run's stored ones. */
  config?: string;
  /** Stored as validator_name instead of rubric@endpoint: keeps a second validator's verdicts apart. */
  name?: string;
  sim?: boolean;
  /** Sim latency multiplier (default 0). */
  simTimeScale?: number;
  /** Under --sim: every validator's skill, instead of the config's sim_skill. */
  simSkill?: number;
  noCache?: boolean;
  /** Through the OpenAI Batch API (one job per validator), resumable; verdicts carry no latency. */
  batch?: boolean;
  /** First wait between batch polls (default 5 s); grows 1.5x per poll up to pollMaxMs (default 60 s). */
  pollIntervalMs?: number;
  pollMaxMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface ValidateRunSummary {
  runId: string;
  database: string;
  validators: string[];
  /** Candidate answers on tiers with a cascade. */
  items: number;
  scored: number;
  unscored: number;
  errors: number;
  /** Not stored: cut short by Ctrl-C. */
  interrupted: number;
  cacheHits: number;
  requests: number;
  /** With --batch: each validator's Batch API job. */
  batches?: ValidatorBatch[];
  /** With --batch: answers whose batch is still running (not stored; rerun the command to collect them). */
  pending?: number;
}

/**
 * `hybrid-eval validate --run ID`: the cascade's validator over a stored run's candidate answers,
 * with the judge's rules (retries, the judge cache, the privacy policy: a sensitive query never goes
 * to an external validator, everything else goes redacted), replacing earlier verdicts by the same
 * validator. Written in chunks, so an interrupted run keeps what it did.
 */
export async function validateStoredRun(options: ValidateRunOptions): Promise<ValidateRunSummary> {
  if (options.simSkill !== undefined && !(options.simSkill >= 0 && options.simSkill <= 1)) throw new UsageError(`--sim-skill must be between 0 and 1, got ${options.simSkill}`);
  const store = await openStore(options.db, { mustExist: true });
  let tables: JudgeTables | undefined;
  let sim: SimServer | undefined;
  let setup: CascadeSetup | undefined;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  try {
    const run = await resolveRun(store, options.runId, options.db);
    const config = options.config === undefined ? storedConfig(run) : loadConfig(options.config, { env });
    if (config.cascade === undefined) throw new UsageError(`${options.config ?? `the stored config of run ${run.run_id}`} has no cascade: add cascade.<tier>.validator and escalate_to`);
    const [queries, routes, responses] = await Promise.all([store.readQueries(run.run_id), store.readRoutes(run.run_id), store.readResponses(run.run_id)]);
    if (options.sim) {
      sim = await startSim({ port: 0, timeScale: options.simTimeScale ?? 0, validatorSkills: simValidatorSkills(config, options.simSkill) });
      for (const query of queries) if (query.reference !== undefined) sim.addReference(referenceKeyFor(query), query.reference, query.label);
    }
    tables = await openJudgeTables(store, options.now ? { now: options.now } : {});
    const cache = storedJudgeCache(tables);
    const counting = { hits: 0 };
    const cacheView = options.noCache
      ? { get: async () => undefined, put: (key: string, entry: Parameters<typeof cache.put>[1]) => cache.put(key, entry) }
      : { get: async (key: string) => { const hit = await cache.get(key); if (hit !== undefined) counting.hits++; return hit; }, put: (key: string, entry: Parameters<typeof cache.put>[1]) => cache.put(key, entry) };
    setup = cascadeSetup(config, { env, sim, cache: cacheView, ...(options.name === undefined ? {} : { name: options.name }) });
    if (setup === undefined) throw new UsageError('the cascade names no tier');
    // A validator that is down would otherwise store an error for every answer.
    await preflight(setup.clients.map((client) => client.settings));

    const validators = [...new Set(Object.values(setup.stage.tiers).map((entry) => entry!.validator.spec.name))];
    const tierOf = new Map(routes.map((route) => [route.queryId, route.tier]));
    const byQuery = new Map<string, ResponseRecord[]>();
    for (const response of responses) byQuery.set(response.queryId, [...(byQuery.get(response.queryId) ?? []), response]);
    const work = queries.filter((query) => {
      const tier = tierOf.get(query.queryId);
      return tier !== undefined && setup!.stage.tiers[tier] !== undefined;
    });
    const totals = { items: 0, scored: 0, unscored: 0, errors: 0, interrupted: 0, requests: 0 };
    const tally = (records: readonly ValidationRecord[]): ValidationRecord[] => {
      const kept: ValidationRecord[] = [];
      for (const record of records) {
        totals.items++;
        totals.requests += record.calls;
        if (record.verdict.status === 'error' && options.signal?.aborted) {
          totals.interrupted++;
          continue;
        }
        if (record.verdict.status === 'scored') totals.scored++;
        else if (record.verdict.status === 'unscored') totals.unscored++;
        else totals.errors++;
        kept.push(record);
      }
      return kept;
    };
    const log = options.log ?? (() => undefined);
    if (options.batch) {
      const items: BatchItem[] = [];
      for (const query of work) {
        const item = validationInput(setup.stage, query, tierOf.get(query.queryId)!, byQuery.get(query.queryId) ?? []);
        if (item !== undefined) items.push({ queryId: query.queryId, ...item });
      }
      const outcome = await validateInBatches(items, {
        runId: run.run_id,
        tables,
        pollIntervalMs: options.pollIntervalMs ?? 5_000,
        pollMaxMs: options.pollMaxMs ?? 60_000,
        ...(options.signal ? { signal: options.signal } : {}),
        log,
      });
      const context = { runId: run.run_id, now };
      await replaceValidations(store, tally(outcome.results.map(({ item, result }) => validationRecord(context, item.queryId, item.entry, result))));
      await cache.flush();
      await markJoined(tables, outcome.batches);
      return { runId: run.run_id, database: store.path, validators, ...totals, cacheHits: counting.hits, batches: outcome.batches, pending: outcome.pendingItems };
    }
    const chunk = Math.max(50, Math.max(...setup.clients.map((client) => client.settings.maxConcurrency)) * 4);
    if (!options.noCache) await cache.prefetch([]);
    for (let start = 0; start < work.length; start += chunk) {
      const slice = work.slice(start, start + chunk);
      const results = await Promise.all(
        slice.map((query) => validateCandidate(setup!.stage, query, tierOf.get(query.queryId)!, byQuery.get(query.queryId) ?? [], { runId: run.run_id, now, ...(options.signal ? { signal: options.signal } : {}) })),
      );
      await replaceValidations(store, tally(results.flat()));
      await cache.flush();
      if (work.length > slice.length) log(`validated ${Math.min(start + slice.length, work.length)}/${work.length}`);
      if (options.signal?.aborted) break;
    }
    return { runId: run.run_id, database: store.path, validators, ...totals, cacheHits: counting.hits };
  } finally {
    for (const client of setup?.clients ?? []) client.close?.();
    await tables?.close();
    await store.close();
    await sim?.close();
  }
}
