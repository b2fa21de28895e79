import type { Command } from 'commander';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('list the runs in a database')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database to use')
    .option('--json', 'one JSON object per line', false)
    .action(
      action(async (flags: { db?: string; config?: string; json: boolean }) => {
        const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
        try {
          const runs = await store.all<{ run_id: string; status: string; created_at: string; dataset: string; policy: string; query_count: number | null; reject_count: number | null }>(
            `SELECT run_id, status, created_at, dataset, policy, query_count, reject_count FROM runs ORDER BY created_at`,
          );
          for (const run of runs) {
            process.stdout.write(
              flags.json
                ? `${JSON.stringify(run)}\n`
                : `${run.run_id}  ${run.status.padEnd(11)} ${run.created_at}  ${run.query_count ?? '?'} queries  ${run.reject_count ?? '?'} rejects  ${run.policy}  ${run.dataset}\n`,
            );
          }
        } finally {
          await store.close();
        }
      }),
    );
}
