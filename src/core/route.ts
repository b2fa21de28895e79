import type { Tier } from './tier.ts';

/** The routing decision for one query. */
export interface RouteRecord {
  runId: string;
  queryId: string;
  /** 'oracle' (the log's human label), 'fixed', or 'router'. */
  policy: string;
  tier: Tier;
  endpoint: string;
  label: Tier | undefined;
  probabilities: Record<Tier, number> | undefined;
  latencyUs: number | undefined;
  routerVersion: string | undefined;
}
