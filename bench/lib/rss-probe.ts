/**
 * Preloaded into a measured process (`node --import bench/lib/rss-probe.ts ...` or through
 * NODE_OPTIONS, so promptfoo and its children get it too). On exit it writes its peak RSS (the
 * kernel's maxRSS, not a sample), its CPU time (user + system) and memory samples to `$BENCH_PROBE_DIR/<pid>.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.env.BENCH_PROBE_DIR;
if (directory !== undefined && directory !== '') {
  const intervalMs = Number(process.env.BENCH_PROBE_INTERVAL_MS ?? 1000);
  const started = performance.now();
  /** [ms since start, RSS MB, V8 heap used MB, V8 heap total MB, external MB] */
  const samples: number[][] = [];
  const mb = (bytes: number): number => Math.round(bytes / 1048576);
  const sample = (): void => {
    const memory = process.memoryUsage();
    samples.push([Math.round(performance.now() - started), mb(memory.rss), mb(memory.heapUsed), mb(memory.heapTotal), mb(memory.external)]);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  process.on('exit', () => {
    sample();
    const usage = process.resourceUsage();
    writeFileSync(
      join(directory, `${process.pid}.json`),
      JSON.stringify({ pid: process.pid, argv: process.argv.slice(1, 4), maxRssKb: usage.maxRSS, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, samples }),
    );
  });
}
