import { startViewServer } from './server.ts';

/** `hybrid-eval view`: the URL (token included) as the first line, then serve until SIGINT/SIGTERM. */
export async function runViewCommand(options: { databasePath: string; host?: string; port?: number; write: (text: string) => void }): Promise<number> {
  const server = await startViewServer({
    databasePath: options.databasePath,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  options.write(`${server.url}\n`);
  options.write(`hybrid-eval view: ${options.databasePath}, read-only (no other process can write it while this runs). The token is the key: share it with no one. Ctrl-C stops.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
