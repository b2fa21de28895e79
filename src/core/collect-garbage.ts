import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * A full collection now. Used where a large read leaves garbage V8 would collect only later, after
 * the next large read had raised the peak on top of it (the gate over a million queries), and where
 * native memory waits on JS finalizers V8 does not see (DuckDB's streamed chunks). V8 exposes no
 * collection to code without --expose-gc: the flag is set at run time and the function taken from
 * a fresh context.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
