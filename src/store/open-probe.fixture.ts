// Child process for concurrency.test.ts: a second process (an analyst's) opening a database
// read-only, reporting what it saw as one JSON line.
import { openStore } from './store.ts';

const [path] = process.argv.slice(2);
if (path === undefined) {
  process.stderr.write('usage: open-probe.fixture.ts <db>\n');
  process.exit(2);
}
try {
  const store = await openStore(path, { readOnly: true });
  const [row] = await store.all<{ queries: number }>('SELECT count(*) AS queries FROM queries');
  const views = await store.all(`SELECT count(*) AS n FROM pairs`);
  await store.close();
  process.stdout.write(`${JSON.stringify({ ok: true, queries: row?.queries, pairs: views[0]?.['n'] })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, name: (error as Error).name, message: (error as Error).message })}\n`);
}
