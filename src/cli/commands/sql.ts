import type { Command } from 'commander';
import { runSqlCommand } from '../../sql/run-sql.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('run one read-only SQL statement over the results database and its views (no DuckDB CLI needed)')
    .argument('<query>', "SQL: SELECT / WITH / DESCRIBE / SHOW / reading PRAGMAs; filter a run with WHERE run_id = selected_run()")
    .option('--run <id>', "the run selected_run() returns ('latest': the newest complete run)")
    .option('--format <format>', 'table, csv or json', 'table')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database to use')
    .action(
      action((query: string, flags: { run?: string; format: string; db?: string; config?: string }) =>
        runSqlCommand({
          databasePath: databasePath(flags),
          sql: query,
          ...(flags.run === undefined ? {} : { run: flags.run }),
          format: flags.format,
          write: (text) => process.stdout.write(text),
          note: (text) => process.stderr.write(text),
        }),
      ),
    );
}
