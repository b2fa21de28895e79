import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { resolveApiKeys, endpointsInUse } from './endpoints-in-use.ts';
import { configJsonSchema } from './json-schema.ts';
import { loadConfig, parseConfig } from './load.ts';

const SIM = readFileSync('examples/sim.yaml', 'utf8');

function errorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('config loading', () => {
  it('loads the example configs with defaults filled in', () => {
    const config = loadConfig('examples/sim.yaml', { env: {} });
    expect(config.endpoints.llama?.base_url).toBe('http://127.0.0.1:8000/v1');
    expect(config.endpoints.llama?.stream).toBe(true);
    expect(config.database).toBe('results/hybrid-eval.duckdb');
    expect(config.volume.monthly_queries).toBe(1_000_000);
    const production = loadConfig('examples/production.yaml', { env: { VLLM_BASE_URL: 'http://vllm:8000/v1' } });
    expect(production.endpoints.llama?.model).toBe('meta-llama/Meta-Llama-3-70B-Instruct');
  });

  it('expands ${VAR} and ${VAR:-default} from the environment', () => {
    const config = parseConfig(SIM, 'sim.yaml', { env: { VLLM_BASE_URL: 'http://10.1.2.3:8000/v1' } });
    expect(config.endpoints.llama?.base_url).toBe('http://10.1.2.3:8000/v1');
  });

  it('names the key path and the variable when ${VAR} has no value', () => {
    const error = errorOf(() => loadConfig('examples/production.yaml', { env: {} }));
    expect(error.message).toContain('endpoints.llama.base_url');
    expect(error.message).toContain('VLLM_BASE_URL');
  });

  it('rejects unknown keys with their path and line', () => {
    const text = SIM.replace('    retries: 2\n', '    retries: 2\n    retires: 3\n');
    const error = errorOf(() => parseConfig(text, 'bad.yaml', { env: {} }));
    expect(error.message).toMatch(/^bad\.yaml:\d+: endpoints\.llama: unknown key "retires"/);
  });

  it('names the expected type for a wrong value', () => {
    const error = errorOf(() => parseConfig(SIM.replace('max_concurrency: 32', 'max_concurrency: lots'), 'bad.yaml', { env: {} }));
    expect(error.message).toContain('endpoints.llama.max_concurrency');
    expect(error.message).toMatch(/expected number/);
  });

  it('takes DuckDB sizes as a number and a unit, and names the key path of one that is not', () => {
    const sized = (limit: string): string => SIM.replace('replay:\n', `replay:\n  database_memory_limit: '${limit}'\n`);
    expect(parseConfig(sized('1.5 GiB'), 'sim.yaml', { env: {} }).replay.database_memory_limit).toBe('1.5 GiB');
    const error = errorOf(() => parseConfig(sized('64'), 'sim.yaml', { env: {} }));
    expect(error.message).toContain('replay.database_memory_limit');
    expect(error.message).toContain("a size such as '64MB' or '1GiB'");
  });

  it('catches a routing policy that names an endpoint that does not exist', () => {
    const error = errorOf(() => parseConfig(SIM.replace('medium: gpt35', 'medium: gpt5'), 'bad.yaml', { env: {} }));
    expect(error.message).toContain('routing.tiers.medium: unknown endpoint "gpt5"');
  });

  it('reports invalid YAML with a line', () => {
    const error = errorOf(() => parseConfig('endpoints: [\n', 'broken.yaml'));
    expect(error.message).toMatch(/^broken\.yaml:\d+: invalid YAML/);
  });

  it('requires the key variable of every endpoint that will be called, before any call', () => {
    const config = loadConfig('examples/sim.yaml', { env: {} });
    const names = endpointsInUse(config);
    expect(names.sort()).toEqual(['gpt35', 'gpt4', 'llama']);
    const error = errorOf(() => resolveApiKeys(config, names, {}));
    expect(error.message).toContain('OPENAI_API_KEY');
    const keys = resolveApiKeys(config, names, { OPENAI_API_KEY: 'sk-test' });
    expect(keys.get('llama')).toBeUndefined();
    expect(keys.get('gpt4')).toBe('sk-test');
  });

  it('committed JSON Schema matches the zod schema (regenerate: hybrid-eval config schema --out schema/config.schema.json)', () => {
    const committed = JSON.parse(readFileSync('schema/config.schema.json', 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
