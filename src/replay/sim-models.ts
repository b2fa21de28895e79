import type { EndpointConfig } from '../config/schema.ts';

type SimModel = NonNullable<EndpointConfig['sim_model']>;

// Ordered: the first pattern that matches the configured model name picks the simulated model.
const GUESSES: ReadonlyArray<readonly [RegExp, SimModel]> = [
  [/llama|mistral|mixtral|qwen|vllm/i, 'llama-3-70b'],
  [/gpt-3\.5|gpt-35|gpt-4o-mini/i, 'gpt-3.5-turbo'],
  [/.*/, 'gpt-4'],
];

/** Which sim model stands in for an endpoint under --sim. */
export function simModelFor(endpoint: EndpointConfig): SimModel {
  if (endpoint.sim_model !== undefined) return endpoint.sim_model;
  return GUESSES.find(([pattern]) => pattern.test(endpoint.model))![1];
}
