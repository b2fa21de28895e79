import { isAbsolute, relative } from 'node:path';
import type { Config } from '../config/schema.ts';
import { loadConfig } from '../config/load.ts';
import { resolveApiKeys } from '../config/endpoints-in-use.ts';
import { UsageError } from '../core/errors.ts';
import type { Tier } from '../core/tier.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { llmJudge, type Judge } from '../judge/llm-judge.ts';
import { loadRubric } from '../judge/rubric.ts';
import { endpointSettings } from '../replay/endpoint-settings.ts';
import { preflight } from '../replay/preflight.ts';
import type { RoutePolicy } from '../router/policy.ts';
import { parseFaultSpec, startSim, type SimServer } from '../sim/server.ts';
import type { SimSettings, StackKey } from './options.ts';
import { routePolicyFor, type PolicyHandle } from './route-policy.ts';

/**
 * One hybrid-eval stack as a config describes it, shared by every provider and judge assertion of a
 * promptfoo process that names the same config and sim: one client (and so one concurrency limit)
 * per endpoint, one sim. Clients, keys and the sim are made on first use, so a suite that only
 * calls Llama needs no OpenAI key.
 */
export interface Stack {
  readonly key: StackKey;
  readonly config: Config;
  readonly onPrem: ReadonlySet<string>;
  route(): Promise<RoutePolicy>;
  /** Throws a UsageError when the endpoint's key is missing or it fails its /models check. */
  client(endpoint: string): Promise<EndpointClient>;
  judge(rubricFile?: string): Promise<Judge>;
  /** Teaches the sim a query's reference facts, as a replay does; nothing against real endpoints. */
  addReference(query: string, reference: string, tier: Tier | undefined): Promise<void>;
}

const stacks = new Map<string, Stack>();
const sims = new Map<string, Promise<SimServer>>();
const openClients = new Set<EndpointClient>();
const openPolicies = new Set<PolicyHandle>();

/** The stack for a key, made once per process. Config errors are thrown here, at once. */
export function stackFor(key: StackKey, env: NodeJS.ProcessEnv = process.env): Stack {
  const id = JSON.stringify(key);
  const existing = stacks.get(id);
  if (existing !== undefined) return existing;
  const stack = createStack(key, loadConfig(key.configFile, { env }), env);
  stacks.set(id, stack);
  return stack;
}

/**
 * A config path as results should record it: relative to the working directory when inside it, so
 * results written on one machine import on another checkout; absolute otherwise.
 */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relativePath = relative(cwd, file);
  return relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath) ? file : relativePath;
}

/** Closes every client and sim this process started (promptfoo calls a provider's cleanup() at the end). */
export async function closeStacks(): Promise<void> {
  for (const client of openClients) client.close?.();
  openClients.clear();
  stacks.clear();
  const policies = [...openPolicies];
  openPolicies.clear();
  await Promise.all(policies.map((policy) => policy.close?.()));
  const running = [...sims.values()];
  sims.clear();
  await Promise.all(running.map(async (sim) => (await sim.catch(() => undefined))?.close()));
}

function simFor(settings: SimSettings): Promise<SimServer> {
  const id = JSON.stringify(settings);
  let sim = sims.get(id);
  if (sim === undefined) {
    sim = startSim({ port: 0, timeScale: settings.timeScale, ...(settings.faults === undefined ? {} : { faults: parseFaultSpec(settings.faults) }) });
    sims.set(id, sim);
  }
  return sim;
}

function createStack(key: StackKey, config: Config, env: NodeJS.ProcessEnv): Stack {
  const clients = new Map<string, Promise<EndpointClient>>();
  const judges = new Map<string, Promise<Judge>>();
  let route: Promise<RoutePolicy> | undefined;
  const sim = (): Promise<SimServer | undefined> => (key.sim === undefined ? Promise.resolve(undefined) : simFor(key.sim));

  async function makeClient(endpoint: string, forJudge: boolean): Promise<EndpointClient> {
    if (config.endpoints[endpoint] === undefined) {
      throw new UsageError(`${key.configFile}: no endpoint "${endpoint}" (defined: ${Object.keys(config.endpoints).join(', ')})`);
    }
    const server = await sim();
    const apiKey = server === undefined ? resolveApiKeys(config, [endpoint], env).get(endpoint) : undefined;
    const settings = endpointSettings(config, endpoint, apiKey, server);
    // Real endpoints are asked for /models once, so a wrong URL or key is one clear line.
    if (server === undefined) await preflight([settings]);
    const client = createEndpointClient(
      forJudge
        ? // The judge gets its own client so grading never waits behind generation in one limiter.
          { ...settings, name: `${endpoint} (judge)`, stream: false, maxConcurrency: config.judge.max_concurrency ?? settings.maxConcurrency }
        : settings,
    );
    openClients.add(client);
    return client;
  }

  const memo = <T>(cache: Map<string, Promise<T>>, id: string, make: () => Promise<T>): Promise<T> => {
    let value = cache.get(id);
    if (value === undefined) {
      value = make();
      cache.set(id, value);
    }
    return value;
  };

  return {
    key,
    config,
    onPrem: new Set(Object.entries(config.endpoints).filter(([, endpoint]) => endpoint.on_prem).map(([name]) => name)),
    route: () =>
      (route ??= routePolicyFor(config).then((handle) => {
        openPolicies.add(handle);
        return handle.route;
      })),
    client: (endpoint) => memo(clients, endpoint, () => makeClient(endpoint, false)),
    judge: (rubricFile) => {
      const file = rubricFile ?? config.judge.rubric;
      return memo(judges, file, async () => {
        const rubric = loadRubric(file);
        const client = await memo(clients, `${config.judge.endpoint} (judge)`, () => makeClient(config.judge.endpoint, true));
        return llmJudge({ rubric, client });
      });
    },
    async addReference(query, reference, tier) {
      (await sim())?.addReference(query, reference, tier);
    },
  };
}
