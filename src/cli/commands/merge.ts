import type { Command } from 'commander';
import { mergeShards } from '../../store/merge.ts';
import { openStore } from '../../store/store.ts';
import { action } from '../run-action.ts';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine shard databases (from replay --shard K/N) into one; idempotent')
    .argument('<shards...>', 'shard database files')
    .requiredOption('--out <path>', 'merged database (created, or added to)')
    .action(
      action(async (shards: string[], flags: { out: string }) => {
        const store = await openStore(flags.out);
        try {
          const summary = await mergeShards(store, shards);
          const added = Object.entries(summary.added)
            .filter(([, n]) => n > 0)
            .map(([table, n]) => `${table} +${n}`)
            .join(', ');
          process.stdout.write(`merged ${summary.inputs} shards into ${flags.out}: ${added || 'nothing new'}\n`);
          for (const run of summary.runs) process.stdout.write(`run ${run.runId}: ${run.status}, ${run.queryCount} queries from ${run.shards} shards\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
