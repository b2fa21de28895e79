import type { Config } from '../config/schema.ts';
import type { Query } from '../core/query.ts';
import { fixedPolicy, oraclePolicy, type RouteBatchPolicy, type RoutePolicy } from './policy.ts';

type PolicyName = Config['routing']['policy'];

/** A routing policy made from the config, and what to release when the run is over (a loaded model). */
export interface PolicyHandle {
  route: RoutePolicy;
  /** Where the policy gains from routing queries in groups (the router's batched ONNX runs): how, and how many at a time. */
  routeAhead?: { size: number; route: RouteBatchPolicy };
  /** Shown in logs and stored with the run. */
  describe: string;
  close?: () => Promise<void>;
}

/** One factory per policy the config can name; exhaustive, so a new policy fails type-checking until it has one. */
const POLICIES = {
  router: async (config) => {
    // onnxruntime is heavy: load it only when the router is the policy.
    const [{ loadRouter }, { routerBatchPolicy, routerPolicy }, { routerText }] = await Promise.all([
      import('./load-router.ts'),
      import('./router-policy.ts'),
      import('./router-input.ts'),
    ]);
    const settings = config.routing.router;
    const router = await loadRouter(settings.model, {
      maxBatch: settings.max_batch,
      maxWaitMs: settings.max_wait_ms,
      thresholds: settings.thresholds,
      threads: settings.threads,
    });
    const context = { context: settings.context, contextMessages: settings.context_messages };
    const input = (query: Query): string => routerText(query, context, router.maxLength);
    return {
      route: routerPolicy(router, input),
      // A larger group than one ONNX run: sorted by length, its runs need less padding (bench/RESULTS.md).
      routeAhead: { size: settings.route_ahead, route: routerBatchPolicy(router, input) },
      describe: `router ${settings.model} (version ${router.version})`,
      close: () => router.close(),
    };
  },
  oracle: (config) => ({ route: oraclePolicy(config.routing.unlabeled_tier), describe: 'oracle (human labels)' }),
  fixed: (config) => ({ route: fixedPolicy(config.routing.fixed_tier!), describe: `fixed (${config.routing.fixed_tier})` }),
} satisfies Record<PolicyName, (config: Config) => PolicyHandle | Promise<PolicyHandle>>;

export async function routePolicyFor(config: Config): Promise<PolicyHandle> {
  return POLICIES[config.routing.policy](config);
}
