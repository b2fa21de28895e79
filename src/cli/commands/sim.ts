import type { Command } from 'commander';
import { parseFaultSpec, startSim } from '../../sim/server.ts';
import { UsageError } from '../../core/errors.ts';
import { action, collect, faultSpecOption, integer, nonNegativeNumber } from '../run-action.ts';

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('serve the offline OpenAI-compatible simulator (vLLM-flavoured): /v1/chat/completions, /v1/models, /health, /metrics')
    .option('--port <port>', 'port (0 = a free one)', integer('--port'), 8000)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--time-scale <x>', 'latency multiplier (0 = instant)', nonNegativeNumber('--time-scale'), 1)
    .option('--faults <spec>', 'e.g. 500=0.05,429=0.03,timeout=0.02,cut=0.01,bad_json=0.02,down=llama-3-70b', faultSpecOption('--faults'))
    .option('--dataset <file>', 'JSONL with query + reference fields, or logged chat-completions requests with metadata.reference, the sim answers from (repeatable)', collect, [])
    .option('--seed <n>', 'seed for latency and fault draws', integer('--seed'), 1)
    .option('--load-model', 'llama-3-70b saturates like one vLLM replica (continuous batching, KV cache; needs --time-scale > 0)', false)
    .action(
      action(async (flags: { port: number; host: string; timeScale: number; faults?: string; dataset: string[]; seed: number; loadModel: boolean }) => {
        if (flags.loadModel && !(flags.timeScale > 0)) throw new UsageError('--load-model needs --time-scale > 0 (it is a model of time)');
        const sim = await startSim({
          port: flags.port,
          host: flags.host,
          timeScale: flags.timeScale,
          seed: flags.seed,
          ...(flags.loadModel ? { loadModel: true } : {}),
          referenceFiles: flags.dataset.length > 0 ? flags.dataset : ['datasets/sample.jsonl'],
          ...(flags.faults === undefined ? {} : { faults: parseFaultSpec(flags.faults) }),
        });
        process.stdout.write(`sim listening on ${sim.url} (models: llama-3-70b, gpt-3.5-turbo, gpt-4; metrics at /metrics)\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await sim.close();
      }),
    );
}
