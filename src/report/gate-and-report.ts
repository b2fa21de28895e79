import { UsageError } from '../core/errors.ts';
import type { GatePlan } from '../gate/plan.ts';
import { loadRunData } from '../gate/metrics.ts';
import { previousComparableRun } from '../gate/previous-run.ts';
import { gateRun, type GateOutcome, type GateRunStore } from '../gate/run-gate.ts';
import type { WhatIf } from '../gate/what-if.ts';
import { collectReportData } from './collect.ts';
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
}

export interface GateAndReportStore extends GateRunStore {
  latestRun(options?: { status?: 'complete' }): Promise<{ run_id: string } | undefined>;
}

/** The gate command's work, shared with demo and nightly: resolve run ids, gate, write every report file. */
export async function gateAndReport(store: GateAndReportStore, plan: GatePlan, options: GateAndReportOptions): Promise<{ outcome: GateOutcome; report: WrittenReport }> {
  const runId = options.run === 'latest' ? ((await store.latestRun({ status: 'complete' }))?.run_id ?? options.run) : options.run;
  let against = options.against;
  if (against === 'previous') {
    against = await previousComparableRun(store, runId);
    if (against === undefined) throw new UsageError(`--against previous: no earlier complete run with run ${runId}'s config`);
  }
  const data = await loadRunData(store, runId);
  const outcome = await gateRun(store, runId, plan, {
    data,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(against === undefined ? {} : { against }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.whatIf === undefined ? {} : { whatIf: options.whatIf }),
  });
  // The gate's summaries leave some 60 MB of score and latency arrays over a million queries for a
  // collection V8 makes late: collected here, they are not under the report's queries' peak.
  collectGarbage();
  const report = await writeReport(options.results, outcome, await collectReportData(store, data), options.junit === undefined ? {} : { junitFile: options.junit });
  return { outcome, report };
}
