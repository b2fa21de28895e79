/**
 * CPU profile of the replay's hot path: the sim in its own process at time scale 0, the replay CLI
 * (bin/hybrid-eval.js) under `--cpu-prof`; prints the top frames by self and by inclusive time.
 *
 *   npx node bench/profile.ts [--n 5000] [--top 30] [--sim-profile] [--multi-turn]
 *
 * --sim-profile profiles the sim process instead of the replay. --multi-turn replays the same
 * queries as the last turn of 6-message chat-completions requests (bench/multi-turn.ts's log).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { writeDataset } from '../src/datasets/write-dataset.ts';
import { NODE } from './lib/child.ts';
import { summariseProfile } from './lib/cpu-profile.ts';
import { describeMachine } from './lib/machine.ts';
import { writeMultiTurn } from './lib/multi-turn-log.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { writeStackConfig } from './lib/stack-config.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    top: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '64' },
    'sim-profile': { type: 'boolean', default: false },
    'multi-turn': { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const n = Number(values.n);
const top = Number(values.top);
const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-profile-'));
const profiles = join(work, 'profiles');
const dataset = join(work, 'queries.jsonl');
await writeDataset(dataset, { n, seed: 8 });
const replayed = values['multi-turn'] ? join(work, 'multi.jsonl') : dataset;
if (values['multi-turn']) await writeMultiTurn(dataset, replayed);
console.log(`machine: ${describeMachine()}`);
const previous = process.env.NODE_OPTIONS;
if (values['sim-profile']) process.env.NODE_OPTIONS = `${previous ?? ''} --cpu-prof --cpu-prof-dir=${profiles}`;
// The log's references (a multi-turn log's under its conversations), as `replay --sim` does.
const sim = await startSimProcess({ referenceFiles: values['multi-turn'] ? [dataset, replayed] : [dataset] });
if (previous === undefined) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = previous;
try {
  const config = join(work, 'stack.yaml');
  writeStackConfig(config, { simUrl: sim.url, database: join(work, 'profile.duckdb'), concurrency: Number(values.concurrency) });
  // Through bin/hybrid-eval.js, as users start it: its V8 and malloc settings and the compile cache
  // (without it, Node's type stripping of every source shows in the profile). The bin runs the
  // `node` on PATH: this one. --cpu-prof comes in NODE_OPTIONS, which the bin passes on.
  const env = {
    ...process.env,
    PATH: `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`,
    NODE_OPTIONS: values['sim-profile'] ? previous : `${previous ?? ''} --cpu-prof --cpu-prof-dir=${profiles}`,
  };
  const args = ['replay', '-c', config, '--dataset', replayed];
  const code = await new Promise<number | null>((done) => spawn(join(ROOT, 'bin/hybrid-eval.js'), args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'ignore'] }).once('close', done));
  if (code !== 0) throw new Error(`replay exited with ${code}`);
} finally {
  await sim.stop();
}
for (const file of readdirSync(profiles)) {
  const summary = summariseProfile(join(profiles, file), `${ROOT}/`);
  const lines = (frames: { name: string; share: number }[]) => frames.slice(0, top).map((frame) => `  ${(100 * frame.share).toFixed(1).padStart(5)}%  ${frame.name}`).join('\n');
  console.log(`${values['sim-profile'] ? 'sim' : 'replay'} profile: ${summary.totalSeconds.toFixed(1)} s sampled\nself time:\n${lines(summary.self)}\ninclusive time:\n${lines(summary.inclusive)}`);
}
rmSync(work, { recursive: true, force: true });
