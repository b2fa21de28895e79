import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { endpointsInUse } from '../../config/endpoints-in-use.ts';
import { configJsonSchema } from '../../config/json-schema.ts';
import { loadConfig } from '../../config/load.ts';
import { action } from '../run-action.ts';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('check a config; export its JSON Schema');
  config
    .command('check <file>')
    .description('validate a config file and list the endpoints a replay would call')
    .action(
      action(async (file: string) => {
        const loaded = loadConfig(file);
        process.stdout.write(`${file}: ok; endpoints called: ${endpointsInUse(loaded).join(', ')}; database ${loaded.database}\n`);
      }),
    );
  config
    .command('schema')
    .description('print (or write) the JSON Schema of the config, for editors')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      action(async (flags: { out?: string }) => {
        const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
        if (flags.out === undefined) process.stdout.write(text);
        else writeFileSync(flags.out, text);
      }),
    );
}
