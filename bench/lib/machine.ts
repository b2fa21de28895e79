import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  load: string;
}

export function machine(): Machine {
  let date = new Date().toISOString();
  try {
    date = execFileSync('date', { encoding: 'utf8' }).trim();
  } catch {
    // `date` is for the record only
  }
  return {
    date,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1e9),
    node: process.version,
    load: loadavg().map((value) => value.toFixed(2)).join(' '),
  };
}

export function describeMachine(info: Machine = machine()): string {
  return `${info.date}; ${info.cpus} cores (${info.cpuModel}), ${info.memoryGb} GB RAM (${Math.round(freemem() / 1e9)} GB free), Node ${info.node}, load average ${info.load}`;
}

/** The 1-minute load average, to wait for a quiet moment on a shared machine. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}
