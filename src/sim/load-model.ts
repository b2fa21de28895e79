import type { SimModel } from './models.ts';

/**
 * How a vLLM replica behaves under load, in milliseconds of the endpoint's own time (the sim
 * multiplies them by its timeScale). One engine step decodes one token for every running request
 * and prefills up to the token budget's remainder of prompts; its length grows with both.
 */
export interface LoadModelParams {
  /** vLLM's --max-num-seqs: requests in the running batch at once; the rest wait. */
  maxNumSeqs: number;
  /** vLLM's --max-num-batched-tokens: tokens (decodes + prefill chunks) one step may process. */
  maxNumBatchedTokens: number;
  /** KV-cache capacity in tokens ("GPU KV cache size: N tokens" in vLLM's start-up log). */
  kvCacheTokens: number;
  /** A decode step with one running request (weights read once: memory-bandwidth bound). */
  stepBaseMs: number;
  /** Extra step time per running request (its KV cache read, its share of the matmuls). */
  stepPerSeqMs: number;
  /** Prefill time per uncached prompt token (compute bound). */
  prefillPerTokenMs: number;
  /** vLLM's automatic prefix caching: a repeated first (system) message is not prefilled again. */
  prefixCaching: boolean;
}

/**
 * Llama-3-70B, BF16, on one 8x A100-80GB node with tensor parallel 8 (the plan's Phase 2 server).
 * Sources and arithmetic (README "the sim's load model"): weights 140 GB read per step over 8 x
 * 2 TB/s HBM gives ~9 ms at full bandwidth, ~20 ms with TP all-reduces and kernel overheads, in line
 * with the ~20-30 ms inter-token latencies published for 70B on 8x A100 (LambdaLabs vllm-benchmark,
 * vLLM's v0.6 performance post); ~32 ms per token at batch 16 and ~1,500 output tok/s at 64
 * concurrent give stepPerSeqMs ~0.35. Prefill at ~18,000 tok/s (2 x 70e9 FLOP a token against
 * 8 x 312 TFLOPS at ~50% utilisation) is 0.055 ms a token. KV cache: 80 layers x 8 KV heads x
 * 128 x 2 x 2 bytes = 320 KB a token; 8 x 80 GB x 0.9 utilisation - 140 GB weights - activations
 * leaves ~400 GB, ~1.2M tokens; 1M is kept as the round, cautious figure. max_num_seqs 256 and
 * max_num_batched_tokens 8192 are vLLM's OpenAI-server defaults on 80 GB GPUs (check your
 * version's EngineArgs; the scheduler's own class default is 128 / 2048).
 */
export const LLAMA_70B_8XA100: LoadModelParams = {
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  kvCacheTokens: 1_000_000,
  stepBaseMs: 22,
  stepPerSeqMs: 0.35,
  prefillPerTokenMs: 0.055,
  prefixCaching: true,
};

/**
 * Which simulated models saturate like a vLLM replica. The API models keep their latency profiles:
 * OpenAI's capacity is not ours to plan.
 */
export const LOAD_MODELS: Readonly<Record<SimModel, LoadModelParams | undefined>> = {
  'llama-3-70b': LLAMA_70B_8XA100,
  'gpt-3.5-turbo': undefined,
  'gpt-4': undefined,
};

/** The load model for a sim model, with any overrides; undefined for models without one. */
export function loadModelFor(model: SimModel, overrides: Partial<LoadModelParams> = {}): LoadModelParams | undefined {
  const base = LOAD_MODELS[model];
  if (base === undefined) return undefined;
  const params = { ...base, ...overrides };
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`load model ${key} must be a number >= 0, got ${value}`);
  }
  if (params.maxNumSeqs < 1 || params.maxNumBatchedTokens < 1 || params.kvCacheTokens < 1) {
    throw new RangeError('load model maxNumSeqs, maxNumBatchedTokens and kvCacheTokens must be >= 1');
  }
  return params;
}
