/**
 * Stops many in-flight attempts from a few long-lived signals (a run's, the client's) with one
 * listener per signal. One `addEventListener` and `removeEventListener` per attempt on each of the
 * two shared signals was 3% of a replay's CPU (bench/RESULTS.md, "Replay hot path"): Node's
 * EventTarget does far more per call than adding to a Set.
 */
export class AbortFanOut {
  private readonly watchers = new WeakMap<AbortSignal, Set<() => void>>();

  /**
   * Calls `stop` once if `signal` aborts before the returned function is called. A signal already
   * aborted never fires: the caller checks `signal.aborted` after watching, as with a listener.
   */
  watch(signal: AbortSignal, stop: () => void): () => void {
    let stops = this.watchers.get(signal);
    if (stops === undefined) {
      const created = new Set<() => void>();
      stops = created;
      this.watchers.set(signal, created);
      signal.addEventListener(
        'abort',
        () => {
          // Each stop is called once, even one that unwatches others or itself while this runs.
          const pending = [...created];
          created.clear();
          for (const each of pending) each();
        },
        { once: true },
      );
    }
    stops.add(stop);
    const set = stops;
    return () => {
      set.delete(stop);
    };
  }
}
