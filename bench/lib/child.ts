import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const NODE = process.execPath;
export const PROBE = resolve(import.meta.dirname, 'rss-probe.ts');

export interface ProbeReport {
  pid: number;
  argv: string[];
  maxRssKb: number;
  /** User + system CPU time of the process, in ms. */
  cpuMs: number;
  samples: number[][];
}

export interface Measured {
  code: number | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** One per Node process that ran under the probe (the command and any Node children). */
  probes: ProbeReport[];
  /** The largest peak RSS of any one process, in MB. */
  peakRssMb: number | undefined;
  /** CPU time (user + system) of every probed process together, in seconds. */
  cpuSeconds: number | undefined;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Echo the child's stderr lines that match (progress) to ours. */
  echo?: RegExp;
  sampleMs?: number;
}

/**
 * Runs a command with the RSS probe preloaded into every Node process it starts (NODE_OPTIONS),
 * and measures its wall-clock time from spawn to exit: start-up included, as a user sees it.
 */
export async function measure(command: string, args: string[], options: MeasureOptions = {}): Promise<Measured> {
  const probeDir = mkdtempSync(join(tmpdir(), 'bench-probe-'));
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      NODE_OPTIONS: `${options.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(),
      BENCH_PROBE_DIR: probeDir,
      BENCH_PROBE_INTERVAL_MS: String(options.sampleMs ?? 1000),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (options.echo) for (const line of chunk.split('\n')) if (options.echo.test(line)) process.stderr.write(`    ${line}\n`);
  });
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolveExit(exitCode));
  });
  const wallMs = performance.now() - started;
  const probes = readdirSync(probeDir).map((name) => JSON.parse(readFileSync(join(probeDir, name), 'utf8')) as ProbeReport);
  rmSync(probeDir, { recursive: true, force: true });
  const peak = probes.reduce((max, probe) => Math.max(max, probe.maxRssKb), 0);
  const cpuMs = probes.reduce((sum, probe) => sum + probe.cpuMs, 0);
  return { code, wallMs, stdout, stderr, probes, peakRssMb: probes.length === 0 ? undefined : peak / 1024, cpuSeconds: probes.length === 0 ? undefined : cpuMs / 1000 };
}
