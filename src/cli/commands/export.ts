import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { UsageError } from '../../core/errors.ts';
import { redactOptionsFromConfig } from '../../privacy/config-schema.ts';
import { redact } from '../../privacy/redact.ts';
import type { RedactOptions } from '../../privacy/types.ts';
import { FREE_TEXT_COLUMNS } from '../../store/export-run.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

interface ExportFlags {
  run: string;
  format: 'parquet' | 'arrow' | 'csv';
  out: string;
  db?: string;
  config?: string;
  unredacted?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a run's tables and views as Parquet, Arrow IPC or CSV files for other tools (customer text redacted)")
    .requiredOption('--run <id>', 'run id')
    .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'arrow', 'csv']).default('parquet'))
    .requiredOption('--out <dir>', 'output folder')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database and privacy settings (redact_types, allow, phone_countries, order_patterns) to use')
    .option('--unredacted', 'write query text, answers, judge reasons and rejected lines as stored, PII included')
    .action(
      action(async (flags: ExportFlags) => {
        const options = redactOptions(flags);
        const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
        try {
          if ((await store.getRun(flags.run)) === undefined) throw new UsageError(`run not found: ${flags.run}`);
          const files = await store.exportRun(flags.run, flags.format, flags.out, options && ((text) => redact(text, options).text));
          for (const file of files) process.stdout.write(`${file}\n`);
          process.stderr.write(
            options === undefined
              ? 'export: --unredacted: customer text written as stored; treat these files like the database\n'
              : `export: PII redacted in ${Object.entries(FREE_TEXT_COLUMNS).map(([relation, columns]) => columns.map((column) => `${relation}.${column}`).join(', ')).join(', ')}\n`,
          );
        } finally {
          await store.close();
        }
      }),
    );
}

/** The config's privacy settings where one is given, else the defaults; placeholders un-numbered (each value is redacted on its own). */
function redactOptions(flags: ExportFlags): RedactOptions | undefined {
  if (flags.unredacted) return undefined;
  const configured = flags.config === undefined ? {} : redactOptionsFromConfig(loadConfig(flags.config).privacy);
  return { ...configured, numbered: false };
}
