import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { sensitivityPolicyFromConfig } from '../privacy/config-schema.ts';
import { querySensitivity } from '../privacy/customer-text.ts';
import { preflight } from '../replay/preflight.ts';
import { referenceKeyFor } from '../sim/conversation.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { quadraticWeightedKappa } from '../spotcheck/kappa.ts';
import { openOnpremJudgeTables, type CrosscheckRow, type OnpremAgreementRow, type OnpremJudgeTables } from '../store/onprem-judge-tables.ts';
import { openStore } from '../store/store.ts';
import { judgeClient, resolveJudgeSetup, storedConfig } from './judge-setup.ts';
import { singleWork } from './judge-work.ts';
import { llmJudge } from './llm-judge.ts';

export interface OnpremAgreementOptions {
  runId: string;
  db: string;
  /** Judge with the in-process sim (the run was replayed against it). */
  sim?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  now?: () => Date;
}

/** Agreement of two judges over the same answers: the on-prem one against the main (reference) one. */
export interface JudgeAgreement {
  n: number;
  weightedKappa: number | undefined;
  /** Mean of (on-prem score - main score): positive, the on-prem judge is more lenient. */
  meanBias: number | undefined;
  exact: number | undefined;
  withinOne: number | undefined;
}

const SCALE = [1, 2, 3, 4, 5];

/** Weighted kappa (the spot-check's, on the 1-5 scale) and mean bias over (on-prem, main) score pairs. */
export function judgeAgreement(pairs: ReadonlyArray<readonly [onprem: number, main: number]>): JudgeAgreement {
  const n = pairs.length;
  if (n === 0) return { n, weightedKappa: undefined, meanBias: undefined, exact: undefined, withinOne: undefined };
  const onprem = pairs.map(([score]) => score);
  const main = pairs.map(([, score]) => score);
  return {
    n,
    weightedKappa: quadraticWeightedKappa(onprem, main, SCALE),
    meanBias: pairs.reduce((sum, [a, b]) => sum + (a - b), 0) / n,
    exact: pairs.filter(([a, b]) => a === b).length / n,
    withinOne: pairs.filter(([a, b]) => Math.abs(a - b) <= 1).length / n,
  };
}

/** Deterministic per query id (FNV-1a), so a resumed or re-run stage samples the same queries. */
export function sampledQuery(queryId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  let hash = 0x811c9dc5;
  for (let index = 0; index < queryId.length; index++) {
    hash ^= queryId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 1_000_000) / 1_000_000 < rate;
}

export type OnpremAgreementSummary = OnpremAgreementRow;

/** A separate on-prem judge is configured and the sample is not switched off. */
export function onpremJudgeToMeasure(config: Config): boolean {
  const endpoint = config.privacy.sensitive.judge;
  return endpoint !== undefined && endpoint !== config.judge.endpoint && config.privacy.sensitive.agreement_sample > 0;
}

/**
 * After a replay: the on-prem judge (privacy.sensitive.judge) grades a sample of the run's
 * NON-sensitive answers that the main judge scored, and the agreement of the two is stored. The
 * sensitive answers it judged alone are trusted as far as this measures. Nothing to do (undefined)
 * when no separate on-prem judge is configured. Answers already cross-checked are not judged again.
 */
export async function measureOnpremJudge(options: OnpremAgreementOptions): Promise<OnpremAgreementSummary | undefined> {
  const store = await openStore(options.db, { mustExist: true });
  let tables: OnpremJudgeTables | undefined;
  let sim: SimServer | undefined;
  let client: EndpointClient | undefined;
  try {
    const run = await store.getRun(options.runId);
    if (run === undefined) throw new UsageError(`run not found: ${options.runId} (in ${options.db})`);
    const config = storedConfig(run);
    const endpoint = config.privacy.sensitive.judge;
    if (endpoint === undefined || !onpremJudgeToMeasure(config)) return undefined;
    const rate = config.privacy.sensitive.agreement_sample;
    const setup = resolveJudgeSetup(run, { judge: endpoint, kind: 'single', ...(options.env ? { env: options.env } : {}) }, options.sim ?? false);
    // The main judge stores its verdicts under the rubric's own name (judge-setup.ts).
    const referenceName = setup.rubric.name;
    const [queries, responses] = await Promise.all([store.readQueries(run.run_id), store.readResponses(run.run_id)]);
    const main = await store.all<{ query_id: string; role: string; score: number }>(
      `SELECT query_id, role, score FROM current_judgments WHERE run_id = ? AND status = 'scored' AND judge_name = ?`,
      [run.run_id, referenceName],
    );
    const mainScore = new Map(main.map((row) => [`${row.query_id}\u0000${row.role}`, Number(row.score)]));
    const policy = sensitivityPolicyFromConfig(config.privacy);
    const eligible = queries.filter((query) => sampledQuery(query.queryId, rate) && !querySensitivity(query, policy).sensitive);
    const done = await store.all<{ query_id: string; role: string }>(`SELECT query_id, role FROM judge_crosschecks WHERE run_id = ? AND judge_name = ?`, [run.run_id, setup.judgeName]);
    const already = new Set(done.map((row) => `${row.query_id}\u0000${row.role}`));
    const work = singleWork(eligible, responses).filter((item) => {
      const key = `${item.queryId}\u0000${item.role}`;
      return mainScore.has(key) && !already.has(key);
    });

    if (work.length > 0) {
      if (options.sim) {
        sim = await startSim({ port: 0, timeScale: 0 });
        for (const query of eligible) if (query.reference !== undefined) sim.addReference(referenceKeyFor(query), query.reference, query.label);
      }
      client = judgeClient(setup, sim);
      await preflight([client.settings]);
    }
    tables = await openOnpremJudgeTables(store);
    const now = options.now ?? (() => new Date());
    if (client !== undefined) {
      // The on-prem judge sees the text as stored: it runs on the premises, like the answers it grades.
      const judge = llmJudge({ rubric: setup.rubric, client, name: setup.judgeName });
      let pending: CrosscheckRow[] = [];
      const flush = async (): Promise<void> => {
        const rows = pending;
        pending = [];
        await tables!.writeCrosschecks(rows);
      };
      await Promise.all(
        work.map(async (item) => {
          if (options.signal?.aborted) return;
          const { verdict } = await judge.grade(item.input, options.signal);
          if (options.signal?.aborted && verdict.status === 'error') return;
          pending.push({
            runId: run.run_id,
            queryId: item.queryId,
            role: item.role,
            judgeName: setup.judgeName,
            judgeEndpoint: setup.endpoint,
            judgeModel: judge.spec.model,
            status: verdict.status,
            score: verdict.status === 'scored' ? verdict.score : undefined,
            reason: verdict.status === 'scored' ? verdict.reasoning : verdict.reason,
            referenceJudgeName: referenceName,
            referenceScore: mainScore.get(`${item.queryId}\u0000${item.role}`)!,
            createdAt: now(),
          });
          if (pending.length >= 100) await flush();
        }),
      );
      await flush();
    }

    const checked = await store.all<{ score: number | null; reference_score: number; judge_model: string }>(
      `SELECT score, reference_score, judge_model FROM judge_crosschecks WHERE run_id = ? AND judge_name = ?`,
      [run.run_id, setup.judgeName],
    );
    const pairs = checked.filter((row) => row.score !== null).map((row) => [Number(row.score), Number(row.reference_score)] as const);
    const agreement = judgeAgreement(pairs);
    const summary: OnpremAgreementRow = {
      runId: run.run_id,
      judgeName: setup.judgeName,
      judgeEndpoint: setup.endpoint,
      judgeModel: checked[0]?.judge_model ?? config.endpoints[setup.endpoint]!.model,
      referenceJudgeName: referenceName,
      referenceModel: config.endpoints[config.judge.endpoint]?.model,
      sampleRate: rate,
      nSampled: checked.length,
      n: agreement.n,
      weightedKappa: agreement.weightedKappa,
      meanBias: agreement.meanBias,
      exact: agreement.exact,
      withinOne: agreement.withinOne,
      computedAt: now(),
    };
    await tables.replaceAgreement(summary);
    return summary;
  } finally {
    client?.close?.();
    await tables?.close();
    await store.close();
    await sim?.close();
  }
}
