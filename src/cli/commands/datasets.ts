import { Option, type Command } from 'commander';
import { writeDataset } from '../../datasets/write-dataset.ts';
import { action, integer, positiveInt } from '../run-action.ts';

export function registerDatasets(program: Command): void {
  const datasets = program.command('datasets').description('synthetic customer-support logs');
  datasets
    .command('generate')
    .description('write N seeded queries of Northwind Home support traffic as JSONL (same seed, same file)')
    .requiredOption('--n <n>', 'number of queries', positiveInt('--n'))
    .requiredOption('--seed <s>', 'seed (an integer)', integer('--seed'))
    .requiredOption('--out <file>', 'output JSONL')
    .addOption(new Option('--split <split>', 'disjoint phrasings for router training data').choices(['train', 'test']))
    .action(
      action(async (flags: { n: number; seed: number; out: string; split?: 'train' | 'test' }) => {
        const summary = await writeDataset(flags.out, { n: flags.n, seed: flags.seed, ...(flags.split === undefined ? {} : { split: flags.split }) });
        const mix = Object.entries(summary.tiers)
          .map(([tier, count]) => `${tier} ${((count / summary.count) * 100).toFixed(1)}%`)
          .join(', ');
        process.stdout.write(`${summary.path}: ${summary.count} queries (${mix})\n`);
      }),
    );
}
