import { loadConfig } from '../config/load.ts';

export const DEFAULT_DATABASE = 'results/hybrid-eval.duckdb';

/** --db > the config's database > the default. */
export function databasePath(flags: { db?: string; config?: string }): string {
  if (flags.db !== undefined) return flags.db;
  if (flags.config !== undefined) return loadConfig(flags.config).database;
  return DEFAULT_DATABASE;
}
