import { loadConfig } from '../config/load.ts';
import { configSchema, type Config } from '../config/schema.ts';
import { resolveApiKeys } from '../config/endpoints-in-use.ts';
import { UsageError } from '../core/errors.ts';
import { REDACTED } from '../core/secrets.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { endpointSettings } from '../replay/endpoint-settings.ts';
import type { RunRow } from '../store/types.ts';
import { loadRubric, type Rubric, type RubricKind } from './rubric.ts';

export const DEFAULT_PAIRWISE_RUBRIC = 'judges/support-pairwise.yaml';

export interface JudgeSetupOptions {
  /** A config file whose judge and endpoints replace the run's stored ones. */
  config?: string;
  /** Endpoint (a key of `endpoints`) that judges; default the config's judge.endpoint. */
  judge?: string;
  rubric?: string;
  kind: RubricKind;
  env?: NodeJS.ProcessEnv;
}

export interface JudgeSetup {
  config: Config;
  endpoint: string;
  rubric: Rubric;
  /** Stored as judge_name: the rubric's name, with @endpoint when another endpoint than the config's judge grades, so both are kept. */
  judgeName: string;
  apiKey: string | undefined;
}

/** The run's stored config (no secrets: key variable names only), validated again. */
export function storedConfig(run: RunRow): Config {
  let json: unknown;
  try {
    json = JSON.parse(run.config_json);
  } catch {
    throw new UsageError(`run ${run.run_id}: its stored config is not JSON; pass -c CONFIG`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`run ${run.run_id}: its stored config does not validate (${issue.path.join('.') || '(root)'}: ${issue.message}); pass -c CONFIG`);
  }
  return parsed.data;
}

/** Which endpoint judges with which rubric, from the flags, then the -c config, then the run's stored config. */
export function resolveJudgeSetup(run: RunRow, options: JudgeSetupOptions, sim: boolean): JudgeSetup {
  const env = options.env ?? process.env;
  const config = options.config === undefined ? storedConfig(run) : loadConfig(options.config, { env });
  const endpoint = options.judge ?? config.judge.endpoint;
  if (config.endpoints[endpoint] === undefined) {
    throw new UsageError(`--judge ${endpoint}: no such endpoint in the ${options.config ?? `stored config of run ${run.run_id}`} (defined: ${Object.keys(config.endpoints).join(', ')})`);
  }
  const rubricFile =
    options.rubric ?? (options.kind === 'single' ? config.judge.rubric : (config.judge.pairwise_rubric ?? DEFAULT_PAIRWISE_RUBRIC));
  const rubric = loadRubric(rubricFile, options.kind);
  const judgeName = endpoint === config.judge.endpoint ? rubric.name : `${rubric.name}@${endpoint}`;
  const apiKey = sim ? undefined : resolveApiKeys(config, [endpoint], env).get(endpoint);
  // A stored config keeps a base URL without its credentials (replaced by "redacted" when stored).
  if (!sim && options.config === undefined && hadCredentials(config.endpoints[endpoint]!.base_url)) {
    throw new UsageError(`run ${run.run_id}: the stored base URL of "${endpoint}" had credentials, which are never stored: pass -c CONFIG`);
  }
  return { config, endpoint, rubric, judgeName, apiKey };
}

/** The judge's own chat client (non-streaming, its own limiter), as the replay builds it. */
export function judgeClient(setup: JudgeSetup, sim: { url: string } | undefined): EndpointClient {
  const settings = endpointSettings(setup.config, setup.endpoint, setup.apiKey, sim);
  return createEndpointClient({
    ...settings,
    name: `${setup.endpoint} (judge)`,
    stream: false,
    maxConcurrency: setup.config.judge.max_concurrency ?? settings.maxConcurrency,
  });
}

function hadCredentials(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  return url.username === REDACTED || url.password === REDACTED || [...url.searchParams.values()].includes(REDACTED);
}
