/**
 * Groups concurrent single requests into batches: one `run` per group of up to `maxBatch` items.
 * A group is sent when it is full, when `maxWaitMs` has passed since its first item, or (with
 * maxWaitMs 0) on the next turn of the event loop, so calls made together still share a run.
 * Runs never overlap: on two cores a second concurrent ONNX run only competes for the same
 * threads, and items that arrive meanwhile form the next, fuller group.
 */
export interface MicroBatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
}

export interface MicroBatcherStats {
  /** Calls of `run` so far. */
  runs: number;
  /** Items processed so far. */
  items: number;
  /** Size of the largest group so far. */
  largestBatch: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface MicroBatcher<I, O> {
  submit(item: I): Promise<O>;
  stats(): MicroBatcherStats;
  /** Resolves once queued and running work is done. */
  drain(): Promise<void>;
}

export function createMicroBatcher<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: MicroBatcherOptions,
): MicroBatcher<I, O> {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
    throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  }
  if (!(options.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be >= 0, got ${options.maxWaitMs}`);

  const queue: Pending<I, O>[] = [];
  const stats: MicroBatcherStats = { runs: 0, items: 0, largestBatch: 0 };
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  const clearTimer = () => {
    if (timer === undefined) return;
    if (options.maxWaitMs === 0) clearImmediate(timer as NodeJS.Immediate);
    else clearTimeout(timer as NodeJS.Timeout);
    timer = undefined;
  };

  const schedule = () => {
    if (timer !== undefined || running !== undefined) return;
    timer = options.maxWaitMs === 0 ? setImmediate(flush) : setTimeout(flush, options.maxWaitMs);
  };

  function flush(): void {
    clearTimer();
    if (running !== undefined || queue.length === 0) return;
    const group = queue.splice(0, options.maxBatch);
    stats.runs += 1;
    stats.items += group.length;
    stats.largestBatch = Math.max(stats.largestBatch, group.length);
    running = (async () => {
      try {
        // Deferred, so even a synchronous throw in `run` settles after `running` is assigned.
        const outputs = await Promise.resolve().then(() => run(group.map((pending) => pending.item)));
        if (outputs.length !== group.length) {
          throw new Error(`batch run returned ${outputs.length} results for ${group.length} items`);
        }
        group.forEach((pending, index) => pending.resolve(outputs[index] as O));
      } catch (error) {
        for (const pending of group) pending.reject(error);
      } finally {
        running = undefined;
        // What queued during the run has already waited at least one run: send it now.
        if (queue.length > 0) flush();
      }
    })();
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= options.maxBatch && running === undefined) flush();
        else schedule();
      });
    },
    stats: () => ({ ...stats }),
    async drain() {
      while (running !== undefined || queue.length > 0) {
        if (running !== undefined) await running;
        else flush();
      }
    },
  };
}
