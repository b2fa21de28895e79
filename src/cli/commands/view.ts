import type { Command } from 'commander';
import { runViewCommand } from '../../view/run-view.ts';
import { databasePath } from '../database-path.ts';
import { action, integer } from '../run-action.ts';

export function registerView(program: Command): void {
  program
    .command('view')
    .description('a local, read-only web viewer over a results database (loopback only; prints its URL with an access token first)')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database to use')
    .option('--port <port>', 'port (0 = a free one)', integer('--port'), 0)
    .option('--host <host>', 'loopback address to listen on: 127.0.0.1, ::1 or localhost', '127.0.0.1')
    .action(
      action((flags: { db?: string; config?: string; port: number; host: string }) =>
        runViewCommand({ databasePath: databasePath(flags), host: flags.host, port: flags.port, write: (text) => process.stdout.write(text) }),
      ),
    );
}
