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
    const stops = this.watchers.get(signal) ?? this.listen(signal);
    stops.add(stop);
    return () => {
      stops.delete(stop);
    };
  }

  /** The one listener on `signal`, and the stops it calls. */
  private listen(signal: AbortSignal): Set<() => void> {
    const stops = new Set<() => void>();
    this.watchers.set(signal, stops);
    signal.addEventListener(
      'abort',
      () => {
        // Each stop is called once, even one that unwatches others or itself while this runs.
        const pending = [...stops];
        stops.clear();
        for (const each of pending) each();
      },
      { once: true },
    );
    return stops;
  }
}
