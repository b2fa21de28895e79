// Re-exports for code outside src/endpoints. Inside the module, import the file itself.
export * from './types.ts';
export { callCost } from './pricing.ts';
export { createEndpointClient, KEYLESS_PLACEHOLDER } from './endpoint-client.ts';
export { backoffDelayMs, retryAfterMs, isRetryableStatus, BACKOFF_BASE_MS, BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS } from './retry-policy.ts';
export { scrubSecret } from './call-error.ts';
