import type { Query } from '../core/query.ts';
import type { Tier } from '../core/tier.ts';

export interface RouteDecision {
  policy: string;
  tier: Tier;
  probabilities: Record<Tier, number> | undefined;
  latencyUs: number | undefined;
  routerVersion: string | undefined;
}

/** A routing policy: the BERT router, or a stand-in for it. */
export type RoutePolicy = (query: Query) => Promise<RouteDecision>;

/** Decisions for a group of queries at once, in their order (a router that batches its model runs). */
export type RouteBatchPolicy = (queries: readonly Query[]) => Promise<RouteDecision[]>;

/** The log's human label ("oracle"): an upper bound for any router. Unlabelled queries go to `unlabeled`. */
export function oraclePolicy(unlabeled: Tier): RoutePolicy {
  return async (query) => ({
    policy: 'oracle',
    tier: query.label ?? unlabeled,
    probabilities: undefined,
    latencyUs: undefined,
    routerVersion: undefined,
  });
}

/** Every query to one tier: e.g. "all Llama" to measure the candidate alone. */
export function fixedPolicy(tier: Tier): RoutePolicy {
  return async () => ({ policy: 'fixed', tier, probabilities: undefined, latencyUs: undefined, routerVersion: undefined });
}
