/**
 * What two processes sharing a machine's cores can reach together. The zero-latency bench runs the
 * replay and the sim on the same cores, while the limit it divides by (autocannon against the sim)
 * let the sim use all of them that autocannon did not. So the replay's throughput is at most cores / (the replay's CPU a query +
 * the sim's CPU a query), however fast its event loop: that ceiling, over the limit, is the highest
 * `ratio_vs_limit` this machine allows (bench/RESULTS.md, "Replay hot path"). It assumes the two
 * processes have the cores to themselves: with other work running, the limit and the replay both
 * drop while their CPU a query does not, and the ceiling can read above 1 (a 2,000-query run beside
 * a test suite gave 1.23).
 */
export interface CpuPerQuery {
  /** CPU milliseconds a query, all threads of the process. */
  replayMs: number;
  /** The sim's CPU milliseconds a query while it served the replay. */
  simMs: number;
}

export interface SharedCoreCeiling {
  queriesPerSecond: number;
  /** The ceiling over the limit; undefined without a limit. */
  ratioVsLimit: number | undefined;
}

export function sharedCoreCeiling(cpu: CpuPerQuery, cores: number, limitQueriesPerSecond: number | undefined): SharedCoreCeiling {
  const queriesPerSecond = (cores * 1000) / (cpu.replayMs + cpu.simMs);
  return { queriesPerSecond, ratioVsLimit: limitQueriesPerSecond === undefined ? undefined : queriesPerSecond / limitQueriesPerSecond };
}

/** CPU milliseconds a query from CPU seconds over `queries`; undefined when a reading is missing. */
export function msPerQuery(cpuSeconds: number | undefined, queries: number): number | undefined {
  return cpuSeconds === undefined || queries <= 0 ? undefined : (cpuSeconds * 1000) / queries;
}
