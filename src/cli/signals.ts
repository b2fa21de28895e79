import { constants } from 'node:os';

/**
 * First SIGINT/SIGTERM: stop taking new queries, let calls in flight finish, commit, mark the run
 * interrupted. A second one exits at once (the database stays consistent: uncommitted batches are
 * lost and --resume redoes them). The exit status is the shell's 128 + the first signal's number
 * (130 for Ctrl-C, 143 for SIGTERM).
 */
export function shutdownSignal(stderr: NodeJS.WritableStream): { signal: AbortSignal; exitCode(): number; dispose(): void } {
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const exitCode = (): number => 128 + (first === undefined ? constants.signals.SIGINT : constants.signals[first]);
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(exitCode());
    first = name;
    stderr.write(`\nhybrid-eval: ${name}: finishing calls in flight and saving; press again to quit at once\n`);
    controller.abort(new Error(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    exitCode,
    dispose() {
      // Once stopping, keep the handler until the process exits: a second signal that lands between
      // here and the exit must still quit with the first signal's status, not die by the default action.
      if (controller.signal.aborted) return;
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
