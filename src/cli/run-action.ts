import { UsageError } from '../core/errors.ts';
import { checkRunId } from '../core/run-id.ts';
import { scrubUrlsInText } from '../core/secrets.ts';
import { parseFaultSpec } from '../sim/fault-spec.ts';

/** Exit status for user errors (flags, config, dataset, mapping). 0/1/3 belong to the gate. */
export const USAGE_EXIT = 2;

/**
 * Wraps a command action: a UsageError (the user can fix it) is one line on stderr and exit 2;
 * anything else is a failure of ours or of the environment, printed with its stack, exit 1.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await run(...args);
      process.exitCode = code ?? 0;
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`hybrid-eval: ${scrubUrlsInText(error.message)}\n`);
        process.exitCode = USAGE_EXIT;
        return;
      }
      // The last line of defence for a credential in a URL that some message still carries.
      process.stderr.write(`hybrid-eval: unexpected error: ${scrubUrlsInText(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
      process.exitCode = 1;
    }
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new UsageError(`${name} must be a positive integer, got "${value}"`);
    return parsed;
  };
}

export function nonNegativeNumber(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new UsageError(`${name} must be a number >= 0, got "${value}"`);
    return parsed;
  };
}

export function integer(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw new UsageError(`${name} must be an integer, got "${value}"`);
    return parsed;
  };
}

/** A new run's id, checked when the flag is parsed: one line and exit 2 before anything starts. */
export function runIdOption(name: string): (value: string) => string {
  return (value) => checkRunId(value, name);
}

/** A fault spec, checked when the flag is parsed (the command still gets the text). */
export function faultSpecOption(name: string): (value: string) => string {
  return (value) => {
    try {
      parseFaultSpec(value);
    } catch (error) {
      throw new UsageError(`${name}: ${(error as Error).message}`, { cause: error });
    }
    return value;
  };
}
