/**
 * The parts of promptfoo's provider and assertion contracts that hybrid-eval uses, as promptfoo
 * 0.121 defines them (ProviderResponse, CallApiContextParams, GradingResult in its index.d.ts;
 * site/docs/providers/custom-api.md; configuration/expected-outputs/javascript.md). Declared here
 * so type-checking the project does not load promptfoo's 1.3 MB declaration file, and so the
 * contract we rely on is visible in one place.
 */

/** What promptfoo passes to a custom provider's constructor: the provider entry of the suite. */
export interface PromptfooProviderOptions {
  id?: string;
  label?: string;
  /** promptfoo adds `basePath` (the suite's directory). */
  config?: unknown;
  /** The provider's `env:` block merged over the suite's. */
  env?: Record<string, string | undefined>;
}

export interface PromptfooCallContext {
  vars?: Record<string, unknown>;
  prompt?: { raw?: string; label?: string };
}

export interface PromptfooCallOptions {
  abortSignal?: AbortSignal;
}

/** A count left out is unknown; promptfoo sums what is there. */
export interface PromptfooTokenUsage {
  total?: number;
  prompt?: number;
  completion?: number;
  /** Endpoint calls behind the answer (2 when the fallback served). */
  numRequests?: number;
}

export interface PromptfooProviderResponse {
  output?: string;
  error?: string;
  tokenUsage?: PromptfooTokenUsage;
  cost?: number;
  latencyMs?: number;
  metadata?: Record<string, unknown>;
}

/** The second argument of a `javascript` assertion loaded from a file. */
export interface PromptfooAssertionContext {
  prompt?: string;
  vars?: Record<string, unknown>;
  /** The assertion's own `config:` block. */
  config?: unknown;
  /** The provider response's metadata (promptfoo copies it here). */
  metadata?: Record<string, unknown>;
}

export interface PromptfooGradingResult {
  pass: boolean;
  /** promptfoo's scale: 0 to 1. */
  score: number;
  reason: string;
  namedScores?: Record<string, number>;
  metadata?: Record<string, unknown>;
}
