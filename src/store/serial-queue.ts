/**
 * Runs async tasks one at a time, in call order. A DuckDB connection carries one transaction, so two
 * interleaved writeBatch calls on it would otherwise share (and break) each other's BEGIN/COMMIT.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
