import type { Config } from '../config/schema.ts';
import { resolveApiKeys } from '../config/endpoints-in-use.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import type { JudgeCache } from '../judge/judge-cache.ts';
import { redactOptionsFromConfig, sensitivityPolicyFromConfig } from '../privacy/config-schema.ts';
import { endpointSettings } from '../replay/endpoint-settings.ts';
import { simModelFor } from '../replay/sim-models.ts';
import { llmValidator } from './llm-validator.ts';
import type { CascadeStage, TierValidator } from './validate-stage.ts';
import { loadValidatorRubric } from './validator-rubric.ts';
import type { TierCascade } from './config-schema.ts';

/** The default sim skill of a validator (see src/sim/validator.ts). */
export const DEFAULT_SIM_SKILL = 0.8;

export interface CascadeSetupOptions {
  env: NodeJS.ProcessEnv;
  sim: { url: string } | undefined;
  cache?: JudgeCache;
  /** Stored as validator_name instead of rubric@endpoint (e.g. to keep a second validator's verdicts apart). */
  name?: string;
  /** Only these tiers (default: every tier with a cascade). */
  tiers?: readonly Tier[];
}

export interface CascadeSetup {
  stage: CascadeStage;
  clients: EndpointClient[];
  /** Configured validator endpoints, for preflight and key checks. */
  endpoints: string[];
}

/** The validator stage for config.cascade: one client per validator endpoint (non-streaming, its own limiter, as the judge's). undefined without a cascade. */
export function cascadeSetup(config: Config, options: CascadeSetupOptions): CascadeSetup | undefined {
  const cascade = config.cascade;
  if (cascade === undefined) return undefined;
  const wanted = (options.tiers ?? TIERS).filter((tier) => cascade[tier] !== undefined);
  if (wanted.length === 0) return undefined;
  const endpoints = [...new Set(wanted.map((tier) => cascade[tier]!.validator.endpoint))];
  const keys = options.sim ? new Map<string, string | undefined>() : resolveApiKeys(config, endpoints, options.env);
  const clients = new Map<string, EndpointClient>();
  const tiers: Partial<Record<Tier, TierValidator>> = {};
  for (const tier of wanted) {
    const entry: TierCascade = cascade[tier]!;
    const endpoint = entry.validator.endpoint;
    let client = clients.get(endpoint);
    if (client === undefined) {
      const settings = endpointSettings(config, endpoint, keys.get(endpoint), options.sim);
      client = createEndpointClient({ ...settings, name: `${endpoint} (validator)`, stream: false });
      clients.set(endpoint, client);
    }
    const rubric = loadValidatorRubric(entry.validator.rubric);
    tiers[tier] = {
      validator: llmValidator({ rubric, client, ...(options.cache ? { cache: options.cache } : {}), name: options.name ?? `${rubric.name}@${endpoint}` }),
      endpoint,
      escalateTo: entry.escalate_to,
      external: config.endpoints[endpoint]?.on_prem !== true,
    };
  }
  return {
    stage: { tiers, redact: redactOptionsFromConfig(config.privacy), redactExternal: config.privacy.redact_external, policy: sensitivityPolicyFromConfig(config.privacy), contextTokens: config.judge.context_tokens },
    clients: [...clients.values()],
    endpoints,
  };
}

/**
 * Under --sim: the simulated validator's skill per simulated model, from cascade.<tier>.validator.sim_skill.
 * The sim tells validators apart by the model they ask for, so two tiers validated by the same model share one skill.
 */
export function simValidatorSkills(config: Config, override?: number): Record<string, number> {
  const skills: Record<string, number> = {};
  for (const tier of TIERS) {
    const entry = config.cascade?.[tier];
    if (entry === undefined) continue;
    const endpoint = config.endpoints[entry.validator.endpoint];
    if (endpoint === undefined) continue;
    skills[simModelFor(endpoint)] = override ?? entry.validator.sim_skill ?? DEFAULT_SIM_SKILL;
  }
  return skills;
}
