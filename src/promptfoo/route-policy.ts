import type { Config } from '../config/schema.ts';
import { fixedPolicy, oraclePolicy, type RoutePolicy } from '../router/policy.ts';

type PolicyName = Config['routing']['policy'];

/** A routing policy made from the config, and what to release when the eval is over (a loaded model). */
export interface PolicyHandle {
  route: RoutePolicy;
  close?: () => Promise<void>;
}

/**
 * One factory per routing policy the config can name. Exhaustive on purpose: when the config gains a
 * policy (the BERT router), type-checking fails here until it has a factory, e.g.
 *   router: async (config) => { const router = await loadRouter(<model folder from config>); return { route: routerPolicy(router), close: () => router.close() }; },
 */
const POLICIES = {
  oracle: (config) => ({ route: oraclePolicy(config.routing.unlabeled_tier) }),
  fixed: (config) => ({ route: fixedPolicy(config.routing.fixed_tier!) }),
} satisfies Record<PolicyName, (config: Config) => PolicyHandle | Promise<PolicyHandle>>;

export async function routePolicyFor(config: Config): Promise<PolicyHandle> {
  return POLICIES[config.routing.policy](config);
}
