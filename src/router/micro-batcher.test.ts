import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMicroBatcher } from './micro-batcher.ts';

function recorder() {
  const groups: number[][] = [];
  const run = async (items: number[]) => {
    groups.push(items);
    await sleep(5);
    return items.map((item) => item * 10);
  };
  return { groups, run };
}

describe('createMicroBatcher', () => {
  it('sends calls made together as one group, in order', async () => {
    const { groups, run } = recorder();
    const batcher = createMicroBatcher(run, { maxBatch: 32, maxWaitMs: 0 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([[1, 2, 3, 4, 5]]);
    expect(batcher.stats()).toEqual({ runs: 1, items: 5, largestBatch: 5 });
  });

  it('splits at maxBatch and never overlaps runs', async () => {
    const { groups, run } = recorder();
    let active = 0;
    let most = 0;
    const batcher = createMicroBatcher(
      async (items: number[]) => {
        active += 1;
        most = Math.max(most, active);
        const out = await run(items);
        active -= 1;
        return out;
      },
      { maxBatch: 4, maxWaitMs: 0 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(groups.map((group) => group.length)).toEqual([4, 4, 2]);
    expect(most).toBe(1);
  });

  it('waits up to maxWaitMs to fill a group', async () => {
    const { groups, run } = recorder();
    const batcher = createMicroBatcher(run, { maxBatch: 32, maxWaitMs: 50 });
    const first = batcher.submit(1);
    await sleep(10);
    const second = batcher.submit(2);
    await Promise.all([first, second]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('groups what arrives while a run is in flight', async () => {
    const { groups, run } = recorder();
    const batcher = createMicroBatcher(run, { maxBatch: 32, maxWaitMs: 0 });
    const first = batcher.submit(1);
    await sleep(1);
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every call of a failed group and keeps serving', async () => {
    let fail = true;
    const batcher = createMicroBatcher(
      async (items: number[]) => {
        if (fail) throw new Error('boom');
        return items;
      },
      { maxBatch: 8, maxWaitMs: 0 },
    );
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.submit(3)).resolves.toBe(3);
  });

  it('survives a run that throws synchronously', async () => {
    const batcher = createMicroBatcher(
      (items: number[]) => {
        if (items[0] === 0) throw new Error('sync');
        return Promise.resolve(items);
      },
      { maxBatch: 8, maxWaitMs: 0 },
    );
    await expect(batcher.submit(0)).rejects.toThrow('sync');
    await expect(batcher.submit(5)).resolves.toBe(5);
  });

  it('refuses bad options', () => {
    expect(() => createMicroBatcher(async (x: number[]) => x, { maxBatch: 0, maxWaitMs: 0 })).toThrow(RangeError);
    expect(() => createMicroBatcher(async (x: number[]) => x, { maxBatch: 1, maxWaitMs: -1 })).toThrow(RangeError);
  });
});
