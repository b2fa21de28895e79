import type { Router } from './load-router.ts';
import type { RouteBatchPolicy, RoutePolicy } from './policy.ts';

/** The BERT router as a routing policy: every decision carries probabilities, latency and model version. */
export function routerPolicy(router: Router): RoutePolicy {
  return async (query) => {
    const result = await router.classify(query.text);
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
export function routerBatchPolicy(router: Router): RouteBatchPolicy {
  return async (queries) => {
    const results = await router.classifyBatch(queries.map((query) => query.text));
    return results.map((result) => ({
      policy: 'router',
      tier: result.tier,
      probabilities: result.probabilities,
      latencyUs: result.latencyUs,
      routerVersion: router.version,
    }));
  };
}
