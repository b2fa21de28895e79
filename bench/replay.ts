/**
 * Replay throughput and memory, against promptfoo and against the sim's own capacity, in one run.
 *
 *   npx node bench/replay.ts [--n 10000] [--n 100000] [--promptfoo 10000] [--autocannon 10] [--concurrency 64] [--repeat 1]
 *
 * The sim runs in its own process at time scale 0 (`hybrid-eval sim --time-scale 0`), answering
 * from the generated dataset's references. Each replay is the real CLI as a user runs it
 * (`bin/hybrid-eval.js replay -c <config pointing at the sim>`) in a fresh DuckDB file: BERT router
 * + candidate + baseline + 2 judge calls + privacy + store per query. Queries per second = N /
 * wall-clock of the process (start-up included); peak RSS = the process's maxRSS. promptfoo does the
 * same calls (2 providers + llm-rubric graded by the sim) at the same concurrency. autocannon
 * measures the sim alone, twice: with a small non-streaming body, and with the replay's own four
 * requests per query (streamed answers with the 7.8 KB system prompt, two judge calls). The second,
 * divided by 4, is the limit: what the sim can serve of this work if the harness cost nothing. The
 * last line is `ratio_vs_promptfoo=X ratio_vs_limit=Y ratio_e2e_vs_bound=n/a` (Z is `npm run bench`'s,
 * from bench/latency-bound.ts). Under each replay, its CPU a query (all threads, start-up included)
 * and the sim's while serving it give the ceiling the shared cores put on Y (bench/lib/shared-cores.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDataset } from '../src/datasets/write-dataset.ts';
import { measure, NODE, type Measured } from './lib/child.ts';
import { describeMachine } from './lib/machine.ts';
import { writePromptfooSuite } from './lib/promptfoo-suite.ts';
import { replayMixCapacity, smallBodyCapacity, type Capacity } from './lib/sim-capacity.ts';
import { msPerQuery, sharedCoreCeiling, type CpuPerQuery } from './lib/shared-cores.ts';
import { startSimProcess, type SimProcess } from './lib/sim-process.ts';
import { writeStackConfig } from './lib/stack-config.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** What `npx hybrid-eval` runs: it starts Node with the memory settings of bin/hybrid-eval.js. */
const BIN = join(ROOT, 'bin/hybrid-eval.js');
const PROMPTFOO = join(ROOT, 'node_modules/promptfoo/dist/src/entrypoint.js');
const SYSTEM_PROMPT = join(ROOT, 'prompts/northwind-support.md');
export const CALLS_PER_QUERY = 4;

export interface ThroughputFigure {
  n: number;
  wallSeconds: number;
  queriesPerSecond: number;
  peakRssMb: number | undefined;
  /** RSS samples (MB), once a second. */
  rssSamples: number[];
  detail: string;
  /** CPU a query of the replay and of the sim serving it (zero-latency replays only); undefined when unread. */
  cpu?: CpuPerQuery | undefined;
}

export interface ReplayBenchOptions {
  sizes: number[];
  promptfooTests: number;
  autocannonSeconds: number;
  concurrency: number;
  repeat: number;
  stream: boolean;
  /** Node flags for the replay process (NODE_OPTIONS), e.g. --v8-pool-size=1; the bin's own flags win over these (set HYBRID_EVAL_SEMI_SPACE_MB and the like instead). */
  nodeFlags?: string;
  log: (line: string) => void;
}

export interface ReplayBenchResult {
  replay: ThroughputFigure[];
  promptfoo: ThroughputFigure | undefined;
  smallBody: Capacity | undefined;
  replayMix: Capacity | undefined;
}

function rssSamples(run: Measured, match: (argv: string[]) => boolean): number[] {
  const probe = run.probes.find((report) => match(report.argv)) ?? run.probes[0];
  return probe?.samples.map((sample) => sample[1]!) ?? [];
}

/** Median RSS of each quarter of the run: flat memory shows as four similar numbers. */
export function rssByQuarter(samples: number[]): string {
  if (samples.length < 8) return 'n/a';
  const quarter = samples.length / 4;
  return [0, 1, 2, 3].map((index) => median(samples.slice(Math.floor(index * quarter), Math.floor((index + 1) * quarter))).toFixed(0)).join(' / ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function replayOnce(n: number, dataset: string, sim: SimProcess, work: string, options: ReplayBenchOptions): Promise<ThroughputFigure> {
  const database = join(work, `replay-${n}.duckdb`);
  rmSync(database, { force: true });
  rmSync(`${database}.wal`, { force: true });
  const config = join(work, 'stack.yaml');
  writeStackConfig(config, { simUrl: sim.url, database, concurrency: options.concurrency, stream: options.stream });
  const simCpuBefore = sim.cpuSeconds();
  const run = await measure(BIN, ['replay', '-c', config, '--dataset', dataset, '--limit', String(n)], {
    cwd: ROOT,
    echo: /^replay: /,
    sampleMs: 1000,
    ...(options.nodeFlags ? { env: { NODE_OPTIONS: options.nodeFlags } } : {}),
  });
  const simCpuAfter = sim.cpuSeconds();
  const summary = /complete; (\d+) queries replayed, \d+ rejected lines, (\d+) failed calls, (\d+) fallbacks in ([\d.]+) s/.exec(run.stdout);
  if (run.code !== 0 || !summary || Number(summary[1]) !== n) {
    throw new Error(`replay of ${n} failed (exit ${run.code}): ${run.stdout}\n${run.stderr.slice(-2000)}`);
  }
  rmSync(database, { force: true });
  rmSync(`${database}.wal`, { force: true });
  const wallSeconds = run.wallMs / 1000;
  const replayMs = msPerQuery(run.cpuSeconds, n);
  const simMs = msPerQuery(simCpuBefore === undefined || simCpuAfter === undefined ? undefined : simCpuAfter - simCpuBefore, n);
  return {
    n,
    wallSeconds,
    queriesPerSecond: n / wallSeconds,
    peakRssMb: run.peakRssMb,
    rssSamples: rssSamples(run, (argv) => argv.includes('replay')),
    detail: `replay loop ${summary[4]} s (${(n / Number(summary[4])).toFixed(0)} q/s), ${summary[2]} failed calls, ${summary[3]} fallbacks`,
    cpu: replayMs === undefined || simMs === undefined ? undefined : { replayMs, simMs },
  };
}

async function promptfooOnce(n: number, dataset: string, simUrl: string, work: string, options: ReplayBenchOptions): Promise<ThroughputFigure> {
  const suite = join(work, 'promptfoo-suite.yaml');
  const tests = writePromptfooSuite(suite, { simUrl, dataset, n, systemPromptFile: SYSTEM_PROMPT });
  const home = join(work, 'promptfoo-home');
  const run = await measure(
    NODE,
    [PROMPTFOO, 'eval', '-c', suite, '-j', String(options.concurrency), '--no-cache', '--no-table', '--no-progress-bar', '--no-share'],
    {
      cwd: work,
      env: {
        PROMPTFOO_CONFIG_DIR: home,
        PROMPTFOO_DISABLE_TELEMETRY: '1',
        PROMPTFOO_DISABLE_UPDATE: '1',
        PROMPTFOO_CACHE_ENABLED: 'false',
        // Its log files are not the work being compared, and at 10K tests their transport fails at shutdown.
        PROMPTFOO_DISABLE_DEBUG_LOG: '1',
        PROMPTFOO_DISABLE_ERROR_LOG: '1',
        OPENAI_API_KEY: 'sk-bench',
      },
    },
  );
  const passed = /(\d[\d,]*) passed/.exec(run.stdout)?.[1]?.replace(/,/g, '');
  const failed = /(\d[\d,]*) failed/.exec(run.stdout)?.[1]?.replace(/,/g, '');
  const errors = /(\d[\d,]*) errors/.exec(run.stdout)?.[1]?.replace(/,/g, '');
  const results = Number(passed ?? 0) + Number(failed ?? 0) + Number(errors ?? 0);
  // promptfoo exits 100 when an assertion fails: that is a result, not a crash.
  if ((run.code !== 0 && run.code !== 100) || results !== 2 * tests) {
    throw new Error(`promptfoo eval of ${tests} tests failed (exit ${run.code}, ${results} results): ${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  const wallSeconds = run.wallMs / 1000;
  return {
    n: tests,
    wallSeconds,
    queriesPerSecond: tests / wallSeconds,
    peakRssMb: run.peakRssMb,
    rssSamples: rssSamples(run, (argv) => argv.some((arg) => arg.includes('promptfoo'))),
    detail: `${results} results (${passed} passed, ${failed} failed, ${errors} errors), ${run.probes.length} node process(es)`,
  };
}

export async function runReplayBench(options: ReplayBenchOptions): Promise<ReplayBenchResult> {
  const result: ReplayBenchResult = { replay: [], promptfoo: undefined, smallBody: undefined, replayMix: undefined };
  // No replay and no promptfoo (e.g. `--n 0 --memory-n 0 --promptfoo 0` to run only the latency
  // stage): no dataset to build, and autocannon's replay mix needs one, so the stage is skipped.
  const largest = Math.max(0, ...options.sizes, options.promptfooTests);
  if (largest === 0) return result;
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-bench-'));
  try {
    await measureAgainstSim(work, largest, options, result);
  } finally {
    // Also when building the dataset or starting the sim failed: nothing is left in the temp folder.
    rmSync(work, { recursive: true, force: true });
  }
  return result;
}

/** Builds the dataset in `work`, starts the sim on it, and fills `result` stage by stage. */
async function measureAgainstSim(work: string, largest: number, options: ReplayBenchOptions, result: ReplayBenchResult): Promise<void> {
  const dataset = join(work, `queries-${largest}.jsonl`);
  await writeDataset(dataset, { n: largest, seed: 8 });
  const sample = JSON.parse(readFileSync(dataset, 'utf8').split('\n', 1)[0]!) as { query: string; reference: string };
  const sim = await startSimProcess({ referenceFiles: [dataset] });
  try {
    if (options.autocannonSeconds > 0) {
      result.smallBody = await smallBodyCapacity(sim.url, options.autocannonSeconds, options.concurrency);
      options.log(`sim capacity (autocannon, small non-streaming body, ${options.concurrency} connections): ${result.smallBody.requestsPerSecond.toFixed(0)} requests/s (${result.smallBody.failures} failures) -> limit ${(result.smallBody.requestsPerSecond / CALLS_PER_QUERY).toFixed(0)} queries/s`);
      result.replayMix = await replayMixCapacity(sim.url, options.autocannonSeconds, options.concurrency, sample, readFileSync(SYSTEM_PROMPT, 'utf8'));
      options.log(`sim capacity (autocannon, the replay's 4 requests per query): ${result.replayMix.requestsPerSecond.toFixed(0)} requests/s (${result.replayMix.failures} failures) -> ${(result.replayMix.requestsPerSecond / CALLS_PER_QUERY).toFixed(0)} queries/s`);
    }
    for (const n of options.sizes) {
      const runs: ThroughputFigure[] = [];
      for (let attempt = 0; attempt < options.repeat; attempt++) runs.push(await replayOnce(n, dataset, sim, work, options));
      const chosen = runs.find((run) => run.queriesPerSecond === median(runs.map((each) => each.queriesPerSecond)))!;
      result.replay.push(chosen);
      const all = runs.length > 1 ? ` [runs: ${runs.map((run) => run.queriesPerSecond.toFixed(0)).join(', ')} q/s]` : '';
      options.log(`replay ${n} queries: ${chosen.queriesPerSecond.toFixed(1)} queries/s, peak RSS ${chosen.peakRssMb?.toFixed(0)} MB (wall ${chosen.wallSeconds.toFixed(1)} s; ${chosen.detail}; RSS by quarter ${rssByQuarter(chosen.rssSamples)} MB)${all}`);
      options.log(`  ${cpuLine(chosen.cpu, replayMixLimit(result))}`);
    }
    if (options.promptfooTests > 0) {
      result.promptfoo = await promptfooOnce(options.promptfooTests, dataset, sim.url, work, options);
      options.log(`promptfoo ${result.promptfoo.n} tests: ${result.promptfoo.queriesPerSecond.toFixed(1)} tests/s, peak RSS ${result.promptfoo.peakRssMb?.toFixed(0)} MB (wall ${result.promptfoo.wallSeconds.toFixed(1)} s; ${result.promptfoo.detail})`);
    }
  } finally {
    await sim.stop();
  }
}

/** Where the shared cores put the ceiling: the replay cannot pass it however little it waits. */
function cpuLine(cpu: CpuPerQuery | undefined, limit: number | undefined): string {
  if (cpu === undefined) return 'CPU a query: not read (no /proc for the sim, or no probe for the replay)';
  const cores = availableParallelism();
  const ceiling = sharedCoreCeiling(cpu, cores, limit);
  const ratio = ceiling.ratioVsLimit === undefined ? '' : ` = ${ceiling.ratioVsLimit.toFixed(2)} of the limit`;
  return `CPU a query: replay ${cpu.replayMs.toFixed(3)} ms, sim ${cpu.simMs.toFixed(3)} ms -> on ${cores} shared cores at most ${ceiling.queriesPerSecond.toFixed(0)} queries/s${ratio}`;
}

/** The limit: queries a second the sim served of the replay's own requests under autocannon; undefined when it did not run. */
function replayMixLimit(result: ReplayBenchResult): number | undefined {
  return result.replayMix && result.replayMix.requestsPerSecond / CALLS_PER_QUERY;
}

function pickReplay(result: ReplayBenchResult): ThroughputFigure | undefined {
  return result.replay.find((figure) => figure.n === result.promptfoo?.n) ?? result.replay[0];
}

function ratio(queriesPerSecond: number | undefined, reference: number | undefined): string {
  return queriesPerSecond === undefined || reference === undefined ? 'n/a' : (queriesPerSecond / reference).toFixed(2);
}

/** The same replay against the small-body capacity: a limit no client making these requests could reach. */
export function smallBodyLine(result: ReplayBenchResult): string {
  const pick = pickReplay(result);
  return `replay vs the small-body sim capacity: ${ratio(pick?.queriesPerSecond, result.smallBody && result.smallBody.requestsPerSecond / CALLS_PER_QUERY)}`;
}

/**
 * `ratio_vs_promptfoo=X ratio_vs_limit=Y ratio_e2e_vs_bound=Z`: X and Y from the zero-latency replay
 * at promptfoo's size (else the first), Z from the realistic-latency run (bench/latency-bound.ts),
 * n/a when it did not run.
 */
export function ratioLine(result: ReplayBenchResult, latencyBound?: { e2eQps: number; boundQps: number }): string {
  const pick = pickReplay(result);
  const vsPromptfoo = ratio(pick?.queriesPerSecond, result.promptfoo?.queriesPerSecond);
  const vsLimit = ratio(pick?.queriesPerSecond, replayMixLimit(result));
  const vsBound = ratio(latencyBound?.e2eQps, latencyBound?.boundQps);
  return `ratio_vs_promptfoo=${vsPromptfoo} ratio_vs_limit=${vsLimit} ratio_e2e_vs_bound=${vsBound}`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', multiple: true, default: ['10000'] },
      promptfoo: { type: 'string', default: '10000' },
      autocannon: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '64' },
      repeat: { type: 'string', default: '1' },
      'no-stream': { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
    },
  });
  const log = (line: string): void => console.log(line);
  log(`machine: ${describeMachine()}`);
  const result = await runReplayBench({
    sizes: values.n.map(Number),
    promptfooTests: Number(values.promptfoo),
    autocannonSeconds: Number(values.autocannon),
    concurrency: Number(values.concurrency),
    repeat: Number(values.repeat),
    stream: !values['no-stream'],
    ...(values['node-flags'] === undefined ? {} : { nodeFlags: values['node-flags'] }),
    log,
  });
  log(smallBodyLine(result));
  log(ratioLine(result));
}
