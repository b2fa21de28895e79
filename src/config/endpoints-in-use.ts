import { sensitiveEndpointFor } from '../privacy/plan.ts';
import { UsageError } from '../core/errors.ts';
import type { Config } from './schema.ts';

/** The endpoints a replay will call: routed tiers, fallback, baseline and judge. */
export function endpointsInUse(config: Config, options: { baselineFromLog?: boolean } = {}): string[] {
  const names = new Set<string>();
  const { routing } = config;
  const tiers = routing.policy === 'fixed' && routing.fixed_tier !== undefined ? [routing.fixed_tier] : (['simple', 'medium', 'complex'] as const);
  for (const tier of tiers) names.add(routing.tiers[tier]);
  if (routing.fallback !== undefined) names.add(routing.fallback);
  if (!options.baselineFromLog) names.add(config.baseline);
  names.add(config.judge.endpoint);
  // Where sensitive queries go instead: their clients, keys and preflight must exist too.
  const { sensitive } = config.privacy;
  const placement = Object.fromEntries(Object.entries(config.endpoints).map(([name, endpoint]) => [name, { onPrem: endpoint.on_prem }]));
  const onPremTarget = sensitiveEndpointFor([routing.tiers.simple, routing.tiers.medium, routing.tiers.complex], placement, sensitive.endpoint);
  if (onPremTarget !== undefined) names.add(onPremTarget);
  if (sensitive.judge !== undefined) names.add(sensitive.judge);
  return [...names];
}

/**
 * Reads each API key from the environment. A missing variable for an endpoint that will be called
 * is an error before any call is made. The key itself is returned, never logged or stored.
 */
export function resolveApiKeys(config: Config, names: string[], env: NodeJS.ProcessEnv): Map<string, string | undefined> {
  const keys = new Map<string, string | undefined>();
  const missing = new Map<string, string[]>();
  for (const name of names) {
    const variable = config.endpoints[name]?.api_key_env;
    if (variable === undefined) {
      keys.set(name, undefined);
      continue;
    }
    const value = env[variable];
    if (value === undefined || value === '') missing.set(variable, [...(missing.get(variable) ?? []), name]);
    keys.set(name, value);
  }
  if (missing.size > 0) {
    const list = [...missing].map(([variable, endpoints]) => `${variable} (needed by ${endpoints.join(', ')})`);
    throw new UsageError(`missing API key environment variable${missing.size > 1 ? 's' : ''}: ${list.join('; ')}`);
  }
  return keys;
}
