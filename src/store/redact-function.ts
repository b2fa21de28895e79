import type { DuckDBConnection } from '@duckdb/node-api';
import { registerTextFunction } from './text-function.ts';

/** The SQL name of the redaction function registered by useRedactFunction. */
export const REDACT_FUNCTION = 'hybrid_eval_redact';

interface Slot {
  redact: (text: string) => string;
}

const slots = new WeakMap<DuckDBConnection, Slot>();

/**
 * Makes `hybrid_eval_redact(VARCHAR) -> VARCHAR` call `redact` on this connection, so that COPY
 * redacts while DuckDB streams rows to the file: nothing unredacted is written first and cleaned
 * up after. NULL stays NULL. DuckDB cannot replace a function, so it is
 * registered once per connection and later calls swap the redactor it dispatches to; callers on
 * one connection are serialised by the store, so a swap never lands in the middle of a COPY.
 */
export function useRedactFunction(connection: DuckDBConnection, redact: (text: string) => string): void {
  const slot = slots.get(connection);
  if (slot !== undefined) {
    slot.redact = redact;
    return;
  }
  const created: Slot = { redact };
  registerTextFunction(connection, REDACT_FUNCTION, (text) => created.redact(text));
  slots.set(connection, created);
}
