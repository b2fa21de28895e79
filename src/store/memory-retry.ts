import { collectGarbage } from '../core/collect-garbage.ts';
import { multiplySize } from '../core/duckdb-size.ts';
import { UsageError } from '../core/errors.ts';
import { isOutOfMemory } from './store.ts';

/** What the retry needs of a store: its limit, and a way to raise it. */
export interface MemoryLimitedStore {
  readonly memoryLimitSize: string | undefined;
  setMemoryLimit(size: string): Promise<void>;
}

export interface MemoryRetryOptions {
  /** Where the one line about each retry goes (stderr). */
  output: { write(text: string): unknown };
  /** The command, first word of that line ("gate"). */
  command: string;
  /** What the user sets to give DuckDB more memory ("--database-memory"). */
  setting: string;
}

/** Doublings of the limit over one command: at most 4x what the user set. */
export const MEMORY_RAISES = 2;

/** Runs a phase of the command, at a higher memory limit if the one set ran out. */
export type ReadPhase = <T>(phase: string, task: () => Promise<T>) => Promise<T>;

/**
 * For a command that set DuckDB's memory limit (the gate's 128MB): a read-only phase that runs out of
 * memory is run again from the start, once at the same limit, then at twice the limit, at most
 * MEMORY_RAISES times over the command (raised limits stay for its later phases), each time with
 * one line on `output`. DuckDB's spilling is not exact: the same query over the same run ran out
 * about once in ten at 128MB and fitted the next time, depending on how its two threads' work
 * interleaved; a doubled limit cost the gate some 150 MB more peak RSS (bench/RESULTS.md, "Gate +
 * report memory"), so the same limit is tried once first.
 *
 * `task` must only read, and must build all its state itself: it is called again from scratch (a
 * streamed read restarts into fresh columns, never feeding chunks twice). Writes stay outside.
 * Past the last raise: a UsageError naming `setting`. Not retried: errors other than out of memory,
 * and stores whose limit the command did not set (DuckDB's default, 80% of RAM, is not ours to raise).
 */
export function memoryRetry(store: MemoryLimitedStore, options: MemoryRetryOptions): ReadPhase {
  const configured = store.memoryLimitSize;
  let raises = 0;
  let triedAgain = false;
  return async <T>(phase: string, task: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await task();
      } catch (error) {
        const limit = store.memoryLimitSize;
        if (configured === undefined || limit === undefined || !isOutOfMemory(error)) throw error;
        const said = (error as Error).message.split('\n')[0];
        // What the failed attempt built (a partly filled FactTable, streamed chunks' native memory
        // waiting on their JS wrappers) goes before the next attempt builds it again.
        collectGarbage();
        if (!triedAgain) {
          triedAgain = true;
          options.output.write(`${options.command}: DuckDB ran out of memory at ${limit} in ${phase}; trying once more at ${limit} (raise ${options.setting} to avoid this)\n`);
          continue;
        }
        if (raises >= MEMORY_RAISES) {
          throw new UsageError(
            `DuckDB ran out of memory in ${phase} at ${limit} (${2 ** raises}x ${options.setting} ${configured}): raise ${options.setting} (e.g. ${options.setting} ${multiplySize(limit, 2)}). DuckDB said: ${said}`,
            { cause: error },
          );
        }
        const raised = multiplySize(limit, 2);
        options.output.write(`${options.command}: DuckDB ran out of memory at ${limit} in ${phase}; retrying at ${raised} (raise ${options.setting} to avoid this)\n`);
        raises += 1;
        await store.setMemoryLimit(raised);
      }
    }
  };
}

/** A phase run as it is: for callers that set no limit. */
export const runPhase: ReadPhase = (_phase, task) => task();
