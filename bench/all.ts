/**
 * `npm run bench`: the whole suite at a size that finishes in under ten minutes on a 2-core
 * machine. One line per figure; the last line is `ratio_vs_promptfoo=X ratio_vs_limit=Y ratio_e2e_vs_bound=Z`.
 *
 *   npx node bench/all.ts [--n 10000] [--memory-n 100000] [--promptfoo 10000] [--ingest 200000] [--pairs 1000000] [--latency-n 1500]
 *
 * Z is the replay at realistic latency (the sim at time scale 1, single + pairwise judging) against
 * the bound its config sets (bench/latency-bound.ts, formula in bench/RESULTS.md).
 *
 * The 1M-query memory run takes longer (about 20 minutes here) and is separate:
 *   npx node bench/replay.ts --n 1000000 --promptfoo 0 --autocannon 0
 */
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.ts';
import { ratioLine, runReplayBench, smallBodyLine } from './replay.ts';
import { gateBench, ingestBench } from './store.ts';
import { describeLatencyBound, runLatencyBoundBench, type LatencyBoundResult } from './latency-bound.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    'memory-n': { type: 'string', default: '100000' },
    promptfoo: { type: 'string', default: '10000' },
    ingest: { type: 'string', default: '200000' },
    pairs: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '64' },
    autocannon: { type: 'string', default: '10' },
    'latency-n': { type: 'string', default: '1500' },
    'latency-concurrency': { type: 'string', default: '64' },
    'latency-judge-concurrency': { type: 'string', default: '128' },
  },
});

const started = performance.now();
const log = (line: string): void => console.log(line);
log(`machine: ${describeMachine()}`);

// The ingest runs first, in this process, so its peak RSS is the store's and not the suite's.
if (Number(values.ingest) > 0) {
  const ingest = await ingestBench(Number(values.ingest), 200);
  log(`store ingest ${ingest.queries} queries (${ingest.rows} rows, writeBatch of 200): ${ingest.rowsPerSecond.toFixed(0)} rows/s (${(ingest.queries / ingest.seconds).toFixed(0)} queries/s), peak RSS ${ingest.peakRssMb.toFixed(0)} MB`);
}
if (Number(values.pairs) > 0) {
  const gate = await gateBench(Number(values.pairs));
  log(`gate + report over ${gate.pairs} judged pairs: ${gate.gateSeconds.toFixed(1)} s (decision ${gate.decision}, peak RSS ${gate.peakRssMb?.toFixed(0)} MB)`);
}
const sizes = [Number(values.n), Number(values['memory-n'])].filter((size, index, all) => size > 0 && all.indexOf(size) === index);
const result = await runReplayBench({
  sizes,
  promptfooTests: Number(values.promptfoo),
  autocannonSeconds: Number(values.autocannon),
  concurrency: Number(values.concurrency),
  repeat: 1,
  stream: true,
  log,
});
// Last, on its own: at time scale 1 the run is mostly waiting, and nothing else of the suite runs beside it.
let latencyBound: LatencyBoundResult | undefined;
if (Number(values['latency-n']) > 0) {
  latencyBound = await runLatencyBoundBench({
    n: Number(values['latency-n']),
    concurrency: Number(values['latency-concurrency']),
    judgeConcurrency: Number(values['latency-judge-concurrency']),
    // Far above what the limiters let through: the bound is the limiters', not the in-flight cap's.
    maxInFlight: 1024,
    log,
  });
  describeLatencyBound(latencyBound, log);
}
log(`suite took ${((performance.now() - started) / 60_000).toFixed(1)} minutes`);
log(smallBodyLine(result));
log(ratioLine(result, latencyBound));
