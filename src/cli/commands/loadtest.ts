import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { describeLevel, runLoadtest } from '../../loadtest/run-loadtest.ts';
import { loadtestJson } from '../../loadtest/json-output.ts';
import { action, collect, nonNegativeNumber } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';

function numberList(name: string, integer: boolean): (value: string) => number[] {
  return (value) =>
    value.split(',').map((part) => {
      const parsed = Number(part.trim());
      if (part.trim() === '' || !Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
        throw new UsageError(`${name} must be a comma-separated list of ${integer ? 'positive integers' : 'positive numbers'}, got "${value}"`);
      }
      return parsed;
    });
}

export function registerLoadtest(program: Command): void {
  program
    .command('loadtest')
    .description('load-test an OpenAI-compatible endpoint (vLLM) with requests from a log: a sweep of concurrency levels or Poisson rates; TTFT, inter-token and end-to-end latency; the highest level meeting the SLO')
    .requiredOption('-c, --config <file>', 'config YAML')
    .requiredOption('--endpoint <name>', 'endpoint of the config to load')
    .option('--dataset <file>', 'log whose requests are sent (overrides dataset.path)')
    .option('--field <field=column>', 'field mapping, repeatable', collect, [])
    .option('--concurrency <list>', 'closed-loop levels, e.g. 1,4,16,64 (default loadtest.concurrency)', numberList('--concurrency', true))
    .option('--rate <list>', 'open-loop levels: Poisson arrivals per second, e.g. 2,4,8,16', numberList('--rate', false))
    .option('--duration <seconds>', "measured seconds per level in the endpoint's time (default loadtest.duration_s)", nonNegativeNumber('--duration'))
    .option('--warmup <seconds>', 'seconds of load before each level is measured (default: a quarter of --duration)', nonNegativeNumber('--warmup'))
    .option('--sim', "start the simulator in-process, with its vLLM load model, and load it instead", false)
    .option('--sim-time-scale <x>', 'simulated time per real time (0.1: ten times faster); latencies are reported in simulated time', nonNegativeNumber('--sim-time-scale'))
    .option('--db <path>', 'database file (overrides database)')
    .option('--json', 'print the result as JSON', false)
    .action(
      action(async (flags: LoadtestFlags) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          const result = await runLoadtest({ ...flags, fields: flags.field, progress: process.stderr, signal: shutdown.signal });
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(loadtestJson(result), null, 2)}\n`);
          } else {
            const lines = [
              `load test ${result.loadtestId}: ${result.status}; endpoint ${result.endpoint} (${result.model})${result.sim ? `, simulated at time scale ${result.timeScale}` : ''}`,
              ...result.levels.map((level) => `  ${describeLevel(level)}`),
              result.maxSustainable === undefined ? 'max sustainable: none (no level meets the SLO)' : `max sustainable: ${describeLevel(result.maxSustainable)}`,
              ...result.notes.map((note) => `note: ${note}`),
              `database: ${result.database}`,
              `chart: ${result.chart}`,
            ];
            process.stdout.write(`${lines.join('\n')}\n`);
          }
          return result.status === 'complete' ? 0 : shutdown.exitCode();
        } finally {
          shutdown.dispose();
        }
      }),
    );
}

interface LoadtestFlags {
  config: string;
  endpoint: string;
  dataset?: string;
  field: string[];
  concurrency?: number[];
  rate?: number[];
  duration?: number;
  warmup?: number;
  sim: boolean;
  simTimeScale?: number;
  db?: string;
  json: boolean;
}
