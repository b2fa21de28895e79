import { configSchema } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { projectCost, type CostProjection } from './cost.ts';
import { decide, type GateResult } from './decide.ts';
import { computeMetrics, type GateStore, type RunMetrics } from './metrics.ts';
import type { GatePlan } from './plan.ts';

export interface GateRunStore extends GateStore {
  getRun(runId: string): Promise<{ run_id: string; status: string; config_json: string; dataset: string; policy: string; created_at: string } | undefined>;
  writeGateDecision(row: { runId: string; plan: string; step: string; decision: string; reasons: unknown; metrics: unknown }): Promise<void>;
}

export interface GateOutcome extends GateResult {
  runId: string;
  runStatus: string;
  plan: string;
  dataset: string;
  policy: string;
  metrics: RunMetrics;
  cost: CostProjection;
  decidedAt: string;
}

/** Gates a stored run. The run's own config (stored with it) gives prices and volume. */
export async function gateRun(store: GateRunStore, runId: string, plan: GatePlan, now: () => Date = () => new Date()): Promise<GateOutcome> {
  const run = await store.getRun(runId);
  if (run === undefined) throw new UsageError(`run not found: ${runId}`);
  const config = configSchema.parse(JSON.parse(run.config_json));
  const metrics = await computeMetrics(store, runId);
  const cost = await projectCost(store, runId, config);
  const result = decide(metrics, cost, plan.thresholds);
  // A run still being written (or interrupted) is not evidence for a rollout yet.
  if (run.status !== 'complete' && result.decision === 'go') {
    result.decision = 'hold';
    result.checks.push({
      metric: 'run_complete',
      outcome: 'hold',
      value: undefined,
      interval: undefined,
      threshold: 'status = complete',
      n: metrics.queries,
      detail: `run status is "${run.status}": finish it with --resume`,
    });
  }
  const outcome: GateOutcome = {
    ...result,
    runId,
    runStatus: run.status,
    plan: plan.name,
    dataset: run.dataset,
    policy: run.policy,
    metrics,
    cost,
    decidedAt: now().toISOString(),
  };
  await store.writeGateDecision({ runId, plan: plan.name, step: 'default', decision: outcome.decision, reasons: result.checks, metrics: { metrics, cost } });
  return outcome;
}

export const EXIT_CODES = { go: 0, 'no-go': 1, hold: 3 } as const;
