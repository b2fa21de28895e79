import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NODE } from './child.ts';

export interface SimProcess {
  url: string;
  pid: number;
  /** CPU time (user + system) the sim has used so far, in seconds; undefined where /proc is not there. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

/**
 * The sim in its own process (`hybrid-eval sim --time-scale 0`), so the sim and the client under
 * test do not share one event loop; its URL is read from its first stdout line.
 */
export async function startSimProcess(options: { referenceFiles?: string[]; timeScale?: number; seed?: number } = {}): Promise<SimProcess> {
  const args = [MAIN, 'sim', '--port', '0', '--time-scale', String(options.timeScale ?? 0)];
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  for (const file of options.referenceFiles ?? []) args.push('--dataset', file);
  const child: ChildProcess = spawn(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    // Reading the references of two million-line logs (bench/multi-turn.ts --n 1000000) takes the
    // sim about two minutes on this machine; a sim that does not start is killed, not left behind.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sim did not start within 600 s: ${output}`));
    }, 600_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sim exited with ${code} before listening: ${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

/** utime + stime from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
