import type { Router } from './load-router.ts';
import type { Query } from '../core/query.ts';
import type { RouteBatchPolicy, RoutePolicy } from './policy.ts';

/** What the router reads of a query: by default its text (the last user message). */
export type RouterInput = (query: Query) => string;
const lastUser: RouterInput = (query) => query.text;

/** The BERT router as a routing policy: every decision carries probabilities, latency and model version. */
export function routerPolicy(router: Router, input: RouterInput = lastUser): RoutePolicy {
  return async (query) => {
    const result = await router.classify(input(query));
    return {
      policy: 'router',
      tier: result.tier,
      probabilities: result.probabilities,
      latencyUs: result.latencyUs,
      routerVersion: router.version,
    };
  };
}

/**
 * The same decisions for a group: one tokeniser pass and length-sorted ONNX runs of up to maxBatch
 * queries. latencyUs is each query's share of the group's wall time (amortised), as classifyBatch
 * measures it.
 */
export function routerBatchPolicy(router: Router, input: RouterInput = lastUser): RouteBatchPolicy {
  return async (queries) => {
    const results = await router.classifyBatch(queries.map(input));
    return results.map((result) => ({
      policy: 'router',
      tier: result.tier,
      probabilities: result.probabilities,
      latencyUs: result.latencyUs,
      routerVersion: router.version,
    }));
  };
}
