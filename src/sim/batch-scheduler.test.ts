import { describe, expect, it } from 'vitest';
import { BatchScheduler, type ScheduledRequest } from './batch-scheduler.ts';
import { LLAMA_70B_8XA100, type LoadModelParams } from './load-model.ts';

const REQUEST: ScheduledRequest = { promptTokens: 600, prefixTokens: 500, prefixKey: 'system', outputTokens: 80 };

/** A closed loop of `concurrency` clients in virtual time: throughput (requests/s) and mean TTFT (ms). */
function closedLoop(params: LoadModelParams, concurrency: number, requests = 400): { rps: number; ttftMs: number } {
  const scheduler = new BatchScheduler(params);
  const submittedAt = new Map<number, number>();
  const ttfts: number[] = [];
  let clock = 0;
  let completed = 0;
  let submitted = 0;
  const submit = (): void => {
    submittedAt.set(scheduler.submit(REQUEST), clock);
    submitted++;
  };
  for (let index = 0; index < concurrency; index++) submit();
  let firstCompletionAt: number | undefined;
  let completedAfterFirst = 0;
  while (completed < requests) {
    const step = scheduler.planStep();
    if (step === undefined) throw new Error('idle with requests outstanding');
    clock += step;
    const result = scheduler.completeStep();
    for (const [id] of result.emitted) {
      const at = submittedAt.get(id);
      if (at !== undefined) {
        ttfts.push(clock - at);
        submittedAt.delete(id);
      }
    }
    for (const _ of result.finished) {
      completed++;
      if (firstCompletionAt === undefined) firstCompletionAt = clock;
      else completedAfterFirst++;
      if (submitted < requests + concurrency) submit();
    }
  }
  const steady = ttfts.slice(Math.floor(ttfts.length / 2));
  return { rps: (completedAfterFirst / (clock - firstCompletionAt!)) * 1000, ttftMs: steady.reduce((sum, value) => sum + value, 0) / steady.length };
}

describe('BatchScheduler', () => {
  it('gives a lone request one prefill step then one token a step', () => {
    const scheduler = new BatchScheduler(LLAMA_70B_8XA100);
    const id = scheduler.submit({ promptTokens: 1000, prefixTokens: 0, prefixKey: undefined, outputTokens: 3 });
    expect(scheduler.planStep()).toBeCloseTo(22 + 0.055 * 1000);
    expect(scheduler.completeStep().emitted.get(id)).toBe(1);
    expect(scheduler.planStep()).toBeCloseTo(22 + 0.35);
    scheduler.completeStep();
    scheduler.planStep();
    expect(scheduler.completeStep().finished).toEqual([id]);
    expect(scheduler.idle).toBe(true);
    expect(scheduler.stats().kvUsage).toBe(0);
  });

  it('prefills a cached system prompt only once', () => {
    const scheduler = new BatchScheduler(LLAMA_70B_8XA100);
    scheduler.submit(REQUEST);
    const first = scheduler.planStep()!;
    scheduler.completeStep();
    scheduler.submit(REQUEST);
    const second = scheduler.planStep()!;
    expect(first).toBeCloseTo(22 + 0.055 * 600);
    expect(second).toBeCloseTo(22 + 0.35 + 0.055 * 100);
  });

  it('queues beyond max_num_seqs and beyond the KV cache', () => {
    const scheduler = new BatchScheduler({ ...LLAMA_70B_8XA100, maxNumSeqs: 4 });
    for (let index = 0; index < 10; index++) scheduler.submit(REQUEST);
    scheduler.planStep();
    expect(scheduler.stats()).toMatchObject({ running: 4, waiting: 6 });
    const small = new BatchScheduler({ ...LLAMA_70B_8XA100, kvCacheTokens: 2000, prefixCaching: false });
    for (let index = 0; index < 5; index++) small.submit(REQUEST);
    small.planStep();
    expect(small.stats()).toMatchObject({ running: 2, waiting: 3 });
    expect(small.stats().kvUsage).toBeCloseTo((2 * 680) / 2000);
  });

  it('cancelling frees the seat and the cache', () => {
    const scheduler = new BatchScheduler({ ...LLAMA_70B_8XA100, maxNumSeqs: 1 });
    const first = scheduler.submit(REQUEST);
    scheduler.submit(REQUEST);
    scheduler.planStep();
    scheduler.cancel(first);
    expect(scheduler.stats()).toMatchObject({ running: 0, waiting: 1, kvUsage: 0 });
    scheduler.planStep();
    expect(scheduler.stats().running).toBe(1);
  });

  it('shows a knee: past max_num_seqs throughput flattens and time to first token climbs', () => {
    const params = { ...LLAMA_70B_8XA100, maxNumSeqs: 16 };
    const [c4, c16, c64] = [4, 16, 64].map((concurrency) => closedLoop(params, concurrency));
    expect(c16!.rps).toBeGreaterThan(2.5 * c4!.rps);
    expect(c64!.rps).toBeLessThan(1.1 * c16!.rps);
    expect(c64!.ttftMs).toBeGreaterThan(5 * c16!.ttftMs);
  });
});
