import { DuckDBScalarFunction, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { scrubUrlsInText } from '../core/secrets.ts';

/** The SQL name of the function registered by useCredentialScrubFunction. */
export const CREDENTIAL_SCRUB_FUNCTION = 'hybrid_eval_scrub_url_credentials';

const registered = new WeakSet<DuckDBConnection>();

/**
 * `hybrid_eval_scrub_url_credentials(VARCHAR) -> VARCHAR`: every URL in the text with its user part
 * and query values replaced (core/secrets.ts), applied while COPY streams rows to the file. Registered
 * once per connection (DuckDB cannot replace a function).
 */
export function useCredentialScrubFunction(connection: DuckDBConnection): void {
  if (registered.has(connection)) return;
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: CREDENTIAL_SCRUB_FUNCTION,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        for (let row = 0; row < input.rowCount; row++) {
          const text = texts.getItem(row) as string | null;
          output.setItem(row, text === null ? null : scrubUrlsInText(text));
        }
        output.flush();
      },
    }),
  );
  registered.add(connection);
}
