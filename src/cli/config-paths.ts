import { loadConfig } from '../config/load.ts';
import { DEFAULT_DATABASE } from './database-path.ts';

export const DEFAULT_PLAN = 'suites/rollout.yaml';
export const DEFAULT_RESULTS = 'results';

/** A path and where it came from, so a command can say which plan it used. */
export interface ChosenPath {
  path: string;
  from: string;
}

export interface CommandPaths {
  database: string;
  plan: ChosenPath;
  results: ChosenPath;
}

/**
 * Flags > the -c config > the defaults, for the database, the rollout plan and the results folder:
 * a team's plan and results_dir in its config are used by every command given that config.
 */
export function commandPaths(flags: { db?: string; config?: string; plan?: string; results?: string }): CommandPaths {
  const config = flags.config === undefined ? undefined : loadConfig(flags.config);
  const choose = (flag: string | undefined, flagName: string, fromConfig: string | undefined, key: string, fallback: string): ChosenPath => {
    if (flag !== undefined) return { path: flag, from: flagName };
    if (fromConfig !== undefined) return { path: fromConfig, from: `${key} in ${flags.config}` };
    return { path: fallback, from: 'the default' };
  };
  return {
    database: flags.db ?? config?.database ?? DEFAULT_DATABASE,
    plan: choose(flags.plan, '--plan', config?.plan, 'plan', DEFAULT_PLAN),
    results: choose(flags.results, '--results', config?.results_dir, 'results_dir', DEFAULT_RESULTS),
  };
}
