/**
 * First SIGINT/SIGTERM: stop taking new queries, let calls in flight finish, commit, mark the run
 * interrupted. A second one exits at once (the database stays consistent: uncommitted batches are lost
 * and --resume redoes them).
 */
export function shutdownSignal(stderr: NodeJS.WritableStream): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    stderr.write(`\nhybrid-eval: ${name}: finishing calls in flight and saving; press again to quit at once\n`);
    controller.abort(new Error(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
