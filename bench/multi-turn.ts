/**
 * Replay throughput and memory on multi-turn requests against single-turn ones, in the same run.
 *
 *   npx node bench/multi-turn.ts [--n 5000] [--concurrency 64] [--rounds 2] [--kinds single,multi]
 *
 * Both logs hold the same N generated queries (seed 8). The single-turn log is the usual JSONL
 * (`query`, the config's 7.8 KB system prompt goes first). The multi-turn log has each query as the
 * last turn of an OpenAI chat-completions request with five earlier messages (about 2 KB: the
 * customer naming an order, a tool call, its result, two assistant turns), the order tool and
 * logged parameters; no system message of its own, so the same system prompt goes first and the
 * only difference is the conversation. The sim is given both logs' references (the multi-turn one's
 * under each conversation's customer messages, where `replay --sim` puts them), so it answers every
 * request from its known answer in both runs. The sim runs in its own process at time scale 0; each
 * replay is the real CLI (bin/hybrid-eval.js replay) into a fresh database: router + candidate +
 * baseline + judge + privacy + store. Rounds alternate single and multi so load drift hits both.
 * The last line is `ratio_multi_vs_single=X`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDataset } from '../src/datasets/write-dataset.ts';
import { measure } from './lib/child.ts';
import { rssByQuarter } from './replay.ts';
import { describeMachine } from './lib/machine.ts';
import { writeMultiTurn } from './lib/multi-turn-log.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { writeStackConfig } from './lib/stack-config.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/hybrid-eval.js');

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '2' },
    // `multi` alone for the memory run over a million requests (no ratio then).
    kinds: { type: 'string', default: 'single,multi' },
  },
});
const kinds = values.kinds.split(',').map((kind) => kind.trim());
if (kinds.length === 0 || kinds.some((kind) => kind !== 'single' && kind !== 'multi')) throw new Error(`--kinds: single, multi or both, got '${values.kinds}'`);
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'bench-multi-turn-'));
try {
  process.stdout.write(`${describeMachine()}\n`);
  const single = join(dir, 'single.jsonl');
  const multi = join(dir, 'multi.jsonl');
  await writeDataset(single, { n, seed: 8 });
  await writeMultiTurn(single, multi);
  // Both logs' references: each request is answered from its known answer, as `replay --sim` does.
  const sim = await startSimProcess({ referenceFiles: [single, multi] });
  const figures: Record<'single' | 'multi', number[]> = { single: [], multi: [] };
  // CPU time per request, the replay's and the sim's: on two shared cores the throughput is bounded
  // by both together, and CPU time moves less than wall time with the machine's load.
  const cpu: Record<'single' | 'multi', { replay: number; sim: number }[]> = { single: [], multi: [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds as ('single' | 'multi')[]) {
        const database = join(dir, `${kind}-${round}.duckdb`);
        const config = join(dir, `${kind}-${round}.yaml`);
        writeStackConfig(config, { simUrl: sim.url, database, concurrency });
        const simBefore = sim.cpuSeconds();
        const run = await measure(BIN, ['replay', '-c', config, '--dataset', kind === 'single' ? single : multi], { cwd: ROOT, sampleMs: n >= 100_000 ? 5000 : 1000 });
        if (run.code !== 0) throw new Error(`${kind} replay exited ${run.code}: ${run.stderr.slice(-400)}`);
        const qps = n / (run.wallMs / 1000);
        figures[kind].push(qps);
        const simAfter = sim.cpuSeconds();
        const perRequestMs = (seconds: number | undefined): number => (seconds === undefined ? Number.NaN : (1000 * seconds) / n);
        const used = { replay: perRequestMs(run.cpuSeconds), sim: perRequestMs(simBefore === undefined || simAfter === undefined ? undefined : simAfter - simBefore) };
        cpu[kind].push(used);
        // The replay's own "in X s" (the loop, without start-up and the close), beside the wall.
        const loop = / in ([\d.]+) s/.exec(run.stdout)?.[1];
        process.stdout.write(
          `round ${round} ${kind}-turn ${n} requests: ${qps.toFixed(1)} requests/s, peak RSS ${run.peakRssMb?.toFixed(0) ?? '?'} MB (wall ${(run.wallMs / 1000).toFixed(1)} s; replay loop ${loop ?? '?'} s); CPU per request: replay ${used.replay.toFixed(2)} ms, sim ${used.sim.toFixed(2)} ms; ` +
            `RSS by quarter ${rssByQuarter(run.probes[0]?.samples.map((sample) => sample[1]!) ?? [])} MB\n`,
        );
        rmSync(database, { force: true });
        rmSync(`${database}.wal`, { force: true });
      }
    }
  } finally {
    await sim.stop();
  }
  const mean = (list: number[]): number => list.reduce((sum, value) => sum + value, 0) / list.length;
  // Both kinds measured: the comparison (one kind alone is a memory run, with nothing to compare).
  if (figures.single.length > 0 && figures.multi.length > 0) {
    const cpuOf = (kind: 'single' | 'multi', part: 'replay' | 'sim'): number => mean(cpu[kind].map((used) => used[part]));
    process.stdout.write(
      `CPU per request, mean of rounds: replay single ${cpuOf('single', 'replay').toFixed(2)} ms, multi ${cpuOf('multi', 'replay').toFixed(2)} ms (ratio ${(cpuOf('single', 'replay') / cpuOf('multi', 'replay')).toFixed(2)}); ` +
        `sim single ${cpuOf('single', 'sim').toFixed(2)} ms, multi ${cpuOf('multi', 'sim').toFixed(2)} ms\n`,
    );
    process.stdout.write(`ratio_multi_vs_single=${(mean(figures.multi) / mean(figures.single)).toFixed(2)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
