import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Runs `work` between BEGIN and COMMIT; any error rolls back and is rethrown. The caller must make
 * sure nothing else uses the connection meanwhile (see SerialQueue), or it would join the transaction.
 */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await rollbackQuietly(connection);
    throw error;
  }
  try {
    await connection.run('COMMIT');
  } catch (error) {
    await rollbackQuietly(connection);
    throw error;
  }
  return result;
}

async function rollbackQuietly(connection: DuckDBConnection): Promise<void> {
  try {
    await connection.run('ROLLBACK');
  } catch {
    // A failed COMMIT has already ended the transaction; the original error is the one to report.
  }
}
