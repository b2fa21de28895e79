import type { DuckDBConnection } from '@duckdb/node-api';
import { scrubUrlsInText } from '../core/secrets.ts';
import { registerTextFunction } from './text-function.ts';

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
  registerTextFunction(connection, CREDENTIAL_SCRUB_FUNCTION, scrubUrlsInText);
  registered.add(connection);
}
