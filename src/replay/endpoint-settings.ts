import type { Config, EndpointConfig } from '../config/schema.ts';
import type { EndpointSettings, Pricing } from '../endpoints/types.ts';
import { simModelFor } from './sim-models.ts';

export function pricingOf(endpoint: EndpointConfig): Pricing {
  return 'fixed_monthly_usd' in endpoint.pricing
    ? { kind: 'fixed', monthlyUsd: endpoint.pricing.fixed_monthly_usd, perQueryUsd: endpoint.pricing.per_query_usd }
    : { kind: 'per_token', inputPerMillion: endpoint.pricing.input_per_million, outputPerMillion: endpoint.pricing.output_per_million };
}

/**
 * Client settings for one configured endpoint. Under the sim every endpoint points at the sim and
 * asks for the simulated model that stands in for it; prices stay the configured ones.
 */
export function endpointSettings(
  config: Config,
  name: string,
  apiKey: string | undefined,
  sim: { url: string } | undefined,
): EndpointSettings {
  const endpoint = config.endpoints[name];
  if (endpoint === undefined) throw new Error(`unknown endpoint "${name}" (config was not validated)`);
  return {
    name,
    baseUrl: sim?.url ?? endpoint.base_url,
    model: sim === undefined ? endpoint.model : simModelFor(endpoint),
    apiKey: sim === undefined ? apiKey : undefined,
    timeoutMs: endpoint.timeout_ms,
    retries: endpoint.retries,
    maxConcurrency: endpoint.max_concurrency,
    pricing: pricingOf(endpoint),
    stream: endpoint.stream,
  };
}
