import { BatchScheduler, type ScheduledRequest } from './batch-scheduler.ts';
import type { LoadModelParams } from './load-model.ts';

export interface EngineHandlers {
  /** `count` new tokens (the first call is the first token); `done` with the last ones. */
  onTokens(count: number, done: boolean): void;
}

export interface BatchEngine {
  /** Queues a request; the returned function cancels it (idempotent). */
  submit(request: ScheduledRequest, handlers: EngineHandlers): () => void;
  stats(): { running: number; waiting: number; kvUsage: number };
  close(): void;
}

/**
 * Runs a BatchScheduler against the wall clock: a step of d model-milliseconds lasts d x timeScale.
 * Steps are laid end to end in time rather than chained by timers, so a late timer (a busy event
 * loop) catches up by running several steps at once instead of stretching every step, and each
 * request gets one write per wake-up however many steps it covered.
 */
export function createBatchEngine(params: LoadModelParams, timeScale: number, now: () => number = () => performance.now()): BatchEngine {
  if (!(timeScale > 0)) throw new RangeError('the load model needs a timeScale > 0');
  const scheduler = new BatchScheduler(params);
  const handlers = new Map<number, EngineHandlers>();
  let stepEnd: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function startStep(at: number): void {
    const length = scheduler.planStep();
    stepEnd = length === undefined ? undefined : at + length * timeScale;
  }

  function pump(): void {
    timer = undefined;
    const current = now();
    const pending = new Map<number, number>();
    const done = new Set<number>();
    while (stepEnd !== undefined && stepEnd <= current) {
      const result = scheduler.completeStep();
      for (const [id, count] of result.emitted) pending.set(id, (pending.get(id) ?? 0) + count);
      for (const id of result.finished) done.add(id);
      startStep(stepEnd);
    }
    for (const [id, count] of pending) {
      const handler = handlers.get(id);
      const finished = done.has(id);
      if (finished) handlers.delete(id);
      handler?.onTokens(count, finished);
    }
    arm();
  }

  function arm(): void {
    if (closed || timer !== undefined || stepEnd === undefined) return;
    timer = setTimeout(pump, Math.max(0, stepEnd - now()));
  }

  return {
    submit(request, handler) {
      const id = scheduler.submit(request);
      handlers.set(id, handler);
      // An idle engine starts a step at once; a busy one picks the request up at its next step.
      if (stepEnd === undefined) {
        startStep(now());
        arm();
      }
      let cancelled = false;
      return () => {
        if (cancelled) return;
        cancelled = true;
        handlers.delete(id);
        scheduler.cancel(id);
      };
    },
    stats: () => scheduler.stats(),
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
