import { Option, type Command } from 'commander';
import { writeConversations, writeDataset } from '../../datasets/write-dataset.ts';
import { UsageError } from '../../core/errors.ts';
import { action, integer, positiveInt } from '../run-action.ts';

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('synthetic customer-support logs');
  datasets
    .command('generate')
    .description('write N seeded queries of Northwind Home support traffic as JSONL (same seed, same file)')
    .requiredOption('--n <n>', 'number of queries (conversations with --conversations)', positiveInt('--n'))
    .requiredOption('--seed <s>', 'seed (an integer)', integer('--seed'))
    .requiredOption('--out <file>', 'output JSONL')
    .addOption(new Option('--split <split>', 'disjoint phrasings for router training data').choices(['train', 'test']))
    .option('--conversations', 'multi-turn conversations instead, as OpenAI chat-completions JSONL (one request with its history and the logged GPT-4 response a line)', false)
    .action(
      action(async (flags: { n: number; seed: number; out: string; split?: 'train' | 'test'; conversations: boolean }) => {
        if (flags.conversations) {
          if (flags.split !== undefined) throw new UsageError('--split is for single queries (router data), not --conversations');
          const summary = await writeConversations(flags.out, { n: flags.n, seed: flags.seed });
          process.stdout.write(`${summary.path}: ${summary.count} conversations (${mixOf(summary.tiers, summary.count)}; ${summary.withTools} with tools)\n`);
          return;
        }
        const summary = await writeDataset(flags.out, { n: flags.n, seed: flags.seed, ...(flags.split === undefined ? {} : { split: flags.split }) });
        process.stdout.write(`${summary.path}: ${summary.count} queries (${mixOf(summary.tiers, summary.count)})\n`);
      }),
    );
}

function mixOf(tiers: Record<string, number>, total: number): string {
  return Object.entries(tiers)
    .map(([tier, count]) => `${tier} ${((count / total) * 100).toFixed(1)}%`)
    .join(', ');
}
