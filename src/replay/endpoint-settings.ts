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
    ...parameterRules(endpoint),
    ...(endpoint.context_tokens === undefined ? {} : { contextTokens: endpoint.context_tokens }),
  };
}

/** OpenAI's reasoning models (o1, o3-mini, o4-mini...): a fixed temperature, and max_completion_tokens only. */
const O_SERIES = /^o\d/;
const O_SERIES_UNSUPPORTED = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'] as const;
/**
 * vLLM's OpenAI server (vllm/entrypoints/openai/protocol.py, ChatCompletionRequest) takes every
 * other logged parameter, but accepts parallel_tool_calls only to ignore it ("the model determines
 * the behavior"): dropping it records that it was not honoured instead of pretending it was.
 */
const VLLM_UNSUPPORTED = ['parallel_tool_calls'] as const;

/**
 * Which logged parameters an endpoint gets, from the config or the defaults for its kind. The
 * configured model decides, also under --sim: the sim stands in for that endpoint, and the drops
 * recorded are the ones production would see.
 */
export function parameterRules(endpoint: EndpointConfig): Pick<EndpointSettings, 'unsupportedParams' | 'maxTokensParam'> {
  const oSeries = !endpoint.on_prem && O_SERIES.test(endpoint.model);
  const unsupported = endpoint.unsupported_params ?? (endpoint.on_prem ? [...VLLM_UNSUPPORTED] : oSeries ? [...O_SERIES_UNSUPPORTED] : []);
  const maxTokensParam = endpoint.max_tokens_param ?? (oSeries ? 'max_completion_tokens' : undefined);
  return { ...(unsupported.length > 0 ? { unsupportedParams: unsupported } : {}), ...(maxTokensParam === undefined ? {} : { maxTokensParam }) };
}
