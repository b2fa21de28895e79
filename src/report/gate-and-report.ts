import { UsageError } from '../core/errors.ts';
import type { GatePlan } from '../gate/plan.ts';
import { loadRunData } from '../gate/metrics.ts';
import { previousComparableRun } from '../gate/previous-run.ts';
import { decideGate, recordGateDecision, type GateOutcome, type GateRunStore } from '../gate/run-gate.ts';
import type { WhatIf } from '../gate/what-if.ts';
import { memoryRetry, runPhase, type MemoryLimitedStore, type MemoryRetryOptions, type ReadPhase } from '../store/memory-retry.ts';
import { collectReportData, type ReportData } from './collect.ts';
import { collectGarbage } from '../core/collect-garbage.ts';
import { writeReport, type WrittenReport } from './write.ts';

export interface GateAndReportOptions {
  /** A run id, or "latest" for the newest complete run. */
  run: string;
  step?: string;
  /** A run id, or "previous" for the newest earlier complete run of the same config. */
  against?: string;
  results: string;
  junit?: string;
  now?: () => Date;
  /** Another config's prices and/or another volume for the cost projection. */
  whatIf?: WhatIf;
  /**
   * When the store's memory limit was set by the command (the gate's --database-memory): a read
   * that runs out of memory is run again at a doubled limit (store/memory-retry.ts). Without it, or
   * without a limit set (demo, nightly), DuckDB's error is thrown as it is.
   */
  memoryRetry?: MemoryRetryOptions;
}

export interface GateAndReportStore extends GateRunStore, MemoryLimitedStore {
  latestRun(options?: { status?: 'complete' }): Promise<{ run_id: string } | undefined>;
}

/**
 * The gate command's work, shared with demo and nightly: resolve run ids, gate, write every report
 * file. Every read comes first, in phases that can be run again from scratch at a higher memory
 * limit; then the one gate_decisions row, then the files. A read that fails for good leaves neither.
 */
export async function gateAndReport(store: GateAndReportStore, plan: GatePlan, options: GateAndReportOptions): Promise<{ outcome: GateOutcome; report: WrittenReport }> {
  const read = options.memoryRetry === undefined ? runPhase : memoryRetry(store, options.memoryRetry);
  const { runId, against } = await read('finding the runs', async () => {
    const runId = options.run === 'latest' ? ((await store.latestRun({ status: 'complete' }))?.run_id ?? options.run) : options.run;
    let against = options.against;
    if (against === 'previous') {
      against = await previousComparableRun(store, runId);
      if (against === undefined) throw new UsageError(`--against previous: no earlier complete run with run ${runId}'s config`);
    }
    return { runId, against };
  });
  // Each attempt streams the facts into a FactTable of its own. The facts (some 100 MB over a
  // million queries) are read and used inside decideAndCollect, so nothing holds them once it
  // returns: rendering the report (vega-lite's compiler is loaded then) is not on top of them.
  const { outcome, reportData } = await decideAndCollect(store, plan, options, read, runId, against);
  collectGarbage();
  await recordGateDecision(store, outcome, against);
  const report = await writeReport(options.results, outcome, reportData, options.junit === undefined ? {} : { junitFile: options.junit });
  return { outcome, report };
}

async function decideAndCollect(
  store: GateAndReportStore,
  plan: GatePlan,
  options: GateAndReportOptions,
  read: ReadPhase,
  runId: string,
  against: string | undefined,
): Promise<{ outcome: GateOutcome; reportData: ReportData }> {
  const data = await read(`reading run ${runId}`, () => loadRunData(store, runId));
  const gateOptions = {
    data,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(against === undefined ? {} : { against }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.whatIf === undefined ? {} : { whatIf: options.whatIf }),
  };
  const outcome = await read(against === undefined ? 'deciding the gate' : `deciding the gate against run ${against}`, () => decideGate(store, runId, plan, gateOptions));
  // The gate's summaries leave some 60 MB of score and latency arrays over a million queries for a
  // collection V8 makes late: collected here, they are not under the report's queries' peak.
  collectGarbage();
  const reportData = await read("reading the report's data", () => collectReportData(store, data));
  return { outcome, reportData };
}
