import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a run's tables and views as Parquet, Arrow IPC or CSV files for other tools")
    .requiredOption('--run <id>', 'run id')
    .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'arrow', 'csv']).default('parquet'))
    .requiredOption('--out <dir>', 'output folder')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database to use')
    .action(
      action(async (flags: { run: string; format: 'parquet' | 'arrow' | 'csv'; out: string; db?: string; config?: string }) => {
        const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
        try {
          if ((await store.getRun(flags.run)) === undefined) throw new UsageError(`run not found: ${flags.run}`);
          const files = await store.exportRun(flags.run, flags.format, flags.out);
          for (const file of files) process.stdout.write(`${file}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
