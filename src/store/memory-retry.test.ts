import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { memoryRetry } from './memory-retry.ts';

const OUT_OF_MEMORY = 'Out of Memory Error: failed to allocate data of size 32.0 KiB (122.0 MiB/122.0 MiB used)\n\nPossible solutions: ...';

/** A store that only records its limit, and the retrying phase runner over it. */
function setup(limit: string | undefined) {
  const limits: string[] = [];
  const store = {
    memoryLimitSize: limit,
    async setMemoryLimit(size: string) {
      limits.push(size);
      store.memoryLimitSize = size;
    },
  };
  const lines: string[] = [];
  const read = memoryRetry(store, { output: { write: (text: string) => lines.push(text) }, command: 'gate', setting: '--database-memory' });
  return { store, limits, lines, read };
}

/** A task that runs out of memory while the limit is under `megabytes`, recording the limit of each call. */
const needing = (store: { memoryLimitSize: string | undefined }, megabytes: number, calls: string[]) => async (): Promise<string> => {
  calls.push(store.memoryLimitSize ?? 'none');
  if (Number.parseInt(store.memoryLimitSize ?? '0', 10) < megabytes) throw new Error(OUT_OF_MEMORY);
  return 'done';
};

describe('memoryRetry', () => {
  it('runs a phase again from the start once at the same limit, then at 2x, then 4x, saying so each time', async () => {
    const { store, limits, lines, read } = setup('128MB');
    const calls: string[] = [];
    await expect(read('reading run r1', needing(store, 400, calls))).resolves.toBe('done');
    expect(calls).toEqual(['128MB', '128MB', '256MB', '512MB']);
    expect(limits).toEqual(['256MB', '512MB']);
    expect(lines).toEqual([
      'gate: DuckDB ran out of memory at 128MB in reading run r1; trying once more at 128MB (raise --database-memory to avoid this)\n',
      'gate: DuckDB ran out of memory at 128MB in reading run r1; retrying at 256MB (raise --database-memory to avoid this)\n',
      'gate: DuckDB ran out of memory at 256MB in reading run r1; retrying at 512MB (raise --database-memory to avoid this)\n',
    ]);
  });

  it('keeps the limit when the same attempt fits the second time (DuckDB ran out only once)', async () => {
    const { store, limits, lines, read } = setup('128MB');
    let attempts = 0;
    const once = async (): Promise<string> => {
      attempts += 1;
      if (attempts === 1) throw new Error(OUT_OF_MEMORY);
      return 'done';
    };
    await expect(read('reading run r1', once)).resolves.toBe('done');
    expect(attempts).toBe(2);
    expect(limits).toEqual([]);
    expect(store.memoryLimitSize).toBe('128MB');
    expect(lines).toHaveLength(1);
  });

  it('counts raises over the whole command: a later phase starts at the raised limit and cannot go past 4x', async () => {
    const { store, read } = setup('128MB');
    const first: string[] = [];
    await read('first', needing(store, 200, first));
    // The one attempt at the same limit is the command's, not each phase's.
    expect(first).toEqual(['128MB', '128MB', '256MB']);
    const calls: string[] = [];
    await expect(read('second', needing(store, 300, calls))).resolves.toBe('done');
    expect(calls).toEqual(['256MB', '512MB']);
    const error = await read('third', needing(store, 600, [])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'DuckDB ran out of memory in third at 512MB (4x --database-memory 128MB): raise --database-memory (e.g. --database-memory 1024MB). DuckDB said: Out of Memory Error: failed to allocate data of size 32.0 KiB (122.0 MiB/122.0 MiB used)',
    );
    expect(store.memoryLimitSize).toBe('512MB');
  });

  it('rethrows as it is: without a limit the command set, and any error but out of memory', async () => {
    const unset = setup(undefined);
    const calls: string[] = [];
    await expect(unset.read('reading', needing(unset.store, 1, calls))).rejects.toThrow(/^Out of Memory Error/);
    expect(calls).toEqual(['none']);
    expect(unset.limits).toEqual([]);
    const set = setup('128MB');
    let attempts = 0;
    await expect(
      set.read('reading', async () => {
        attempts += 1;
        throw new Error('Binder Error: no such column');
      }),
    ).rejects.toThrow('Binder Error');
    expect(attempts).toBe(1);
    expect(set.lines).toEqual([]);
  });
});
