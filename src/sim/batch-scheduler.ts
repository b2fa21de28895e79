import type { LoadModelParams } from './load-model.ts';

/**
 * Continuous batching in the way vLLM's V1 scheduler does it, reduced to what sets latency under
 * load: each step first gives every decoding request one token, then spends the rest of the token
 * budget on prompt chunks (requests already prefilling first, then waiting ones in arrival order),
 * admitting a waiting request only while the batch has a free seat and the KV cache room for its
 * prompt and answer. Pure and clock-free: the driver (batch-engine.ts) turns step lengths into timers,
 * and tests run it in virtual time.
 */
export interface ScheduledRequest {
  promptTokens: number;
  /** The leading tokens shared with other requests (the system prompt), served by the prefix cache once cached. */
  prefixTokens: number;
  prefixKey: string | undefined;
  outputTokens: number;
}

export interface StepResult {
  /** Tokens each request received in this step (the first one ends its prefill). */
  emitted: Map<number, number>;
  finished: number[];
}

interface Running {
  id: number;
  request: ScheduledRequest;
  toPrefill: number;
  emitted: number;
  reserved: number;
  chunk: number;
}

const PREFIX_CACHE_ENTRIES = 64;

export class BatchScheduler {
  readonly params: LoadModelParams;
  private readonly waiting = new Map<number, ScheduledRequest>();
  private running: Running[] = [];
  private kvReserved = 0;
  private readonly prefixCache = new Map<string, number>();
  private prefixTokens = 0;
  private nextId = 0;

  constructor(params: LoadModelParams) {
    this.params = params;
  }

  submit(request: ScheduledRequest): number {
    const id = this.nextId++;
    this.waiting.set(id, request);
    return id;
  }

  /** Drops a request wherever it is (the client went away); its KV cache is freed at once. */
  cancel(id: number): void {
    if (this.waiting.delete(id)) return;
    const index = this.running.findIndex((entry) => entry.id === id);
    if (index < 0) return;
    this.kvReserved -= this.running[index]!.reserved;
    this.running.splice(index, 1);
  }

  get idle(): boolean {
    return this.waiting.size === 0 && this.running.length === 0;
  }

  stats(): { running: number; waiting: number; kvUsage: number } {
    return {
      running: this.running.length,
      waiting: this.waiting.size,
      kvUsage: Math.min(1, (this.kvReserved + this.prefixTokens) / this.params.kvCacheTokens),
    };
  }

  /** Composes the next step; returns its length in milliseconds of model time (undefined when idle). */
  planStep(): number | undefined {
    const params = this.params;
    let budget = params.maxNumBatchedTokens;
    let decodes = 0;
    let prefill = 0;
    for (const entry of this.running) {
      entry.chunk = 0;
      if (entry.toPrefill === 0) {
        decodes++;
        budget--;
      }
    }
    for (const entry of this.running) {
      if (entry.toPrefill === 0 || budget <= 0) continue;
      entry.chunk = Math.min(entry.toPrefill, budget);
      budget -= entry.chunk;
      prefill += entry.chunk;
    }
    for (const [id, request] of this.waiting) {
      if (budget <= 0 || this.running.length >= params.maxNumSeqs) break;
      const cached = params.prefixCaching && request.prefixKey !== undefined && this.prefixCache.has(request.prefixKey) ? request.prefixTokens : 0;
      const toPrefill = Math.max(1, request.promptTokens - cached);
      const reserved = toPrefill + request.outputTokens;
      // A request larger than the whole cache still runs alone rather than blocking the queue forever.
      if (this.kvReserved + this.prefixTokens + reserved > params.kvCacheTokens && this.running.length > 0) break;
      this.waiting.delete(id);
      if (cached > 0) this.touchPrefix(request.prefixKey!, request.prefixTokens);
      const chunk = Math.min(toPrefill, budget);
      budget -= chunk;
      prefill += chunk;
      this.kvReserved += reserved;
      this.running.push({ id, request, toPrefill, emitted: 0, reserved, chunk });
    }
    if (decodes === 0 && prefill === 0) return undefined;
    return params.stepBaseMs + params.stepPerSeqMs * decodes + params.prefillPerTokenMs * prefill;
  }

  /** Applies the step planned last: tokens out, finished requests leave and free their cache. */
  completeStep(): StepResult {
    const emitted = new Map<number, number>();
    const finished: number[] = [];
    const still: Running[] = [];
    for (const entry of this.running) {
      if (entry.toPrefill === 0) {
        entry.emitted++;
        emitted.set(entry.id, 1);
      } else if (entry.chunk > 0) {
        entry.toPrefill -= entry.chunk;
        if (entry.toPrefill === 0) {
          // The step that finishes a prompt also samples its first token.
          entry.emitted = 1;
          emitted.set(entry.id, 1);
          const { prefixKey, prefixTokens } = entry.request;
          if (this.params.prefixCaching && prefixKey !== undefined && prefixTokens > 0) this.touchPrefix(prefixKey, prefixTokens);
        }
      }
      entry.chunk = 0;
      if (entry.emitted >= entry.request.outputTokens) {
        finished.push(entry.id);
        this.kvReserved -= entry.reserved;
      } else {
        still.push(entry);
      }
    }
    this.running = still;
    return { emitted, finished };
  }

  private touchPrefix(key: string, tokens: number): void {
    if (this.prefixCache.has(key)) {
      this.prefixCache.delete(key);
      this.prefixCache.set(key, tokens);
      return;
    }
    this.prefixCache.set(key, tokens);
    this.prefixTokens += tokens;
    if (this.prefixCache.size > PREFIX_CACHE_ENTRIES) {
      const [oldest, oldTokens] = this.prefixCache.entries().next().value as [string, number];
      this.prefixCache.delete(oldest);
      this.prefixTokens -= oldTokens;
    }
  }
}
