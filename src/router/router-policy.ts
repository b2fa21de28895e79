import type { Router } from './load-router.ts';
import type { RoutePolicy } from './policy.ts';

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
