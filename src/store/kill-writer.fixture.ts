// Child process for kill.test.ts: writes batches into a store until it is killed, or kills itself
// in the middle of a batch's transaction. Run with process.execPath (Node strips the types).
import { leaseInstance } from './open-instance.ts';
import { openStore } from './store.ts';
import { fullBatch } from './test-records.ts';
import { appendBatchRows } from './write-batch.ts';

const [path, mode, batchSizeText] = process.argv.slice(2);
if (path === undefined || (mode !== 'loop' && mode !== 'die-in-transaction')) {
  process.stderr.write('usage: kill-writer.fixture.ts <db> loop|die-in-transaction [batch size]\n');
  process.exit(2);
}
const batchSize = Number(batchSizeText ?? 200);
const store = await openStore(path);
await store.createRun({ runId: 'killed', mode: 'shadow', dataset: 'logs.jsonl', policy: 'oracle', config: {} });

if (mode === 'loop') {
  for (let batch = 0; ; batch++) {
    await store.writeBatch('killed', fullBatch('killed', batch * batchSize, batchSize));
    process.stdout.write(`committed ${batch}\n`);
  }
}

// Two committed batches (still only in the WAL: nothing has checkpointed them), then a third whose
// rows are all appended and flushed inside an open transaction when the process dies.
await store.writeBatch('killed', fullBatch('killed', 0, batchSize));
await store.writeBatch('killed', fullBatch('killed', batchSize, batchSize));
const { instance } = await leaseInstance(path, false);
const connection = await instance.connect();
await connection.run('BEGIN TRANSACTION');
await appendBatchRows(connection, 'killed', fullBatch('killed', 2 * batchSize, batchSize));
const [[inside]] = (await connection.runAndReadAll(`SELECT count(*) FROM queries`)).getRows() as [[bigint]];
process.stdout.write(`uncommitted rows visible inside the transaction: ${inside}\n`);
process.kill(process.pid, 'SIGKILL');
