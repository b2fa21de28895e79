import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dirs.ts';
import { startSim } from '../sim/server.ts';
import { providerMetadataSchema } from './metadata.ts';
import HybridEvalProvider from './provider.ts';
import { closeStacks } from './stack.ts';

// The suite's environment must not steer these tests to real endpoints.
const CLEAN_ENV = { HYBRID_EVAL_CONFIG: '', HYBRID_EVAL_SIM: '', HYBRID_EVAL_SIM_TIME_SCALE: '', HYBRID_EVAL_SIM_FAULTS: '' };

// These tests route by the test's tier label: the example config with the oracle policy, not the router.
const ORACLE_CONFIG = join(tempDir('hybrid-eval-promptfoo-'), 'oracle.yaml');
writeFileSync(ORACLE_CONFIG, readFileSync('examples/sim.yaml', 'utf8').replace(/policy: router\b/, 'policy: oracle'));

function provider(config: Record<string, unknown>, label?: string, env: Record<string, string> = {}): HybridEvalProvider {
  return new HybridEvalProvider({ id: 'file://src/promptfoo/provider.mjs', label, config: { config: ORACLE_CONFIG, ...config }, env: { ...CLEAN_ENV, ...env } });
}

const HOURS = 'Our customer service team is available Monday to Friday from 8am to 8pm Eastern Time.';

afterAll(closeStacks);

describe('hybrid-eval promptfoo provider (in-process sim)', () => {
  it('routes by the test label, answers from the tier endpoint and reports usage, cost, latency and the route', async () => {
    const hybrid = provider({});
    const simple = await hybrid.callApi('What are your customer service hours?', { vars: { tier: 'simple', reference: HOURS } });
    expect(simple.error).toBeUndefined();
    expect(simple.output).toMatch(/8am/);
    expect(simple.metadata).toMatchObject({ tier: 'simple', routed_endpoint: 'llama', endpoint: 'llama', model: 'llama-3-70b', fallback_used: false, route_policy: 'oracle' });
    expect(simple.tokenUsage?.total).toBe(simple.tokenUsage!.prompt! + simple.tokenUsage!.completion!);
    expect(simple.tokenUsage?.numRequests).toBe(1);
    // On-prem pricing: the marginal per-query cost from the config.
    expect(simple.cost).toBe(0.0004);
    expect(simple.latencyMs).toBeGreaterThanOrEqual(0);
    const detail = providerMetadataSchema.parse(simple.metadata?.hybrid_eval);
    expect(detail).toMatchObject({ kind: 'hybrid', role: 'candidate', configFile: ORACLE_CONFIG, sim: { timeScale: 0 } });
    expect(detail.calls).toHaveLength(1);

    const complex = await hybrid.callApi('Someone hacked my account and ordered a TV', { vars: { tier: 'complex' } });
    expect(complex.metadata).toMatchObject({ tier: 'complex', endpoint: 'gpt4', model: 'gpt-4' });
    expect(complex.cost).toBeGreaterThan(0.01);
  });

  it('sends an unlabelled query to the unlabeled tier under the oracle policy', async () => {
    const answer = await provider({}).callApi('Do you sell garden furniture?', { vars: {} });
    expect(answer.metadata).toMatchObject({ tier: 'complex', endpoint: 'gpt4' });
  });

  it('teaches the sim the test reference, as a replay does', async () => {
    const reference = 'Pets are welcome in every Northwind showroom. Dogs must stay on a lead.';
    const answer = await provider({ endpoint: 'gpt4' }).callApi('Can I bring my dog to the showroom?', { vars: { reference } });
    expect(answer.output).toMatch(/on a lead/);
  });

  it('falls back to GPT-4 when on-prem Llama fails, and says so', async () => {
    const answer = await provider({ sim_faults: 'down=llama-3-70b' }).callApi('What are your customer service hours?', { vars: { tier: 'simple', reference: HOURS } });
    expect(answer.error).toBeUndefined();
    expect(answer.metadata).toMatchObject({ tier: 'simple', routed_endpoint: 'llama', endpoint: 'gpt4', fallback_used: true });
    expect(answer.tokenUsage?.numRequests).toBe(2);
    const detail = providerMetadataSchema.parse(answer.metadata?.hybrid_eval);
    expect(detail.calls.map((call) => [call.role, call.endpoint, call.status])).toEqual([
      ['candidate', 'llama', 'failed'],
      ['fallback', 'gpt4', 'ok'],
    ]);
  });

  it('returns an error, with the calls in metadata, when no endpoint could answer', async () => {
    const answer = await provider({ sim_faults: 'down=gpt-4:503' }).callApi('My order arrived broken', { vars: { tier: 'complex' } });
    expect(answer.output).toBeUndefined();
    expect(answer.error).toMatch(/^hybrid-eval: no answer \(gpt4: 503/);
    expect(answer.metadata).toMatchObject({ endpoint: 'gpt4', fallback_used: false, status: 'failed' });
  });

  it('answers from one named endpoint for side-by-side suites, taking the baseline side for the config baseline', async () => {
    const gpt4 = await provider({ endpoint: 'gpt4' }).callApi('What are your customer service hours?', { vars: { tier: 'simple' } });
    expect(gpt4.metadata).toMatchObject({ endpoint: 'gpt4', fallback_used: false });
    expect(gpt4.metadata?.tier).toBeUndefined();
    expect(providerMetadataSchema.parse(gpt4.metadata?.hybrid_eval)).toMatchObject({ kind: 'endpoint', role: 'baseline', route: undefined });
    const llama = await provider({ endpoint: 'llama' }).callApi('What are your customer service hours?', {});
    expect(providerMetadataSchema.parse(llama.metadata?.hybrid_eval).role).toBe('candidate');
    const forced = await provider({ endpoint: 'gpt4', role: 'candidate' }).callApi('hi', {});
    expect(providerMetadataSchema.parse(forced.metadata?.hybrid_eval).role).toBe('candidate');
    expect(provider({ endpoint: 'llama' }).id()).toBe('hybrid-eval:llama');
    expect(provider({}).id()).toBe('hybrid-eval:stack');
  });

  it('accepts a prompt written as chat messages', async () => {
    const prompt = JSON.stringify([{ role: 'user', content: 'What are your customer service hours?' }]);
    const answer = await provider({ endpoint: 'gpt4' }).callApi(prompt, { vars: { reference: HOURS } });
    expect(answer.output).toMatch(/8am/);
  });

  it('fails at load time on a bad option, config or endpoint name', () => {
    expect(() => provider({ endpiont: 'llama' }, 'hybrid')).toThrow('hybrid-eval provider "hybrid": config: unknown key "endpiont"');
    expect(() => provider({ endpoint: 'claude' })).toThrow(/endpoint "claude" is not in .*oracle\.yaml \(defined: llama, gpt35, gpt4\)/);
    expect(() => provider({ config: 'no/such.yaml' })).toThrow(/config not found or unreadable: .*no\/such\.yaml/);
  });
});

describe('hybrid-eval promptfoo provider (real endpoints)', () => {
  it('reports a missing API key as the test error, naming the variable', async () => {
    const answer = await provider({ sim: false, endpoint: 'gpt4' }, undefined, { OPENAI_API_KEY: '' }).callApi('hi', {});
    expect(answer.error).toBe('hybrid-eval: missing API key environment variable: OPENAI_API_KEY (needed by gpt4)');
  });

  it('calls the configured URLs with the key from the environment', async () => {
    // A stand-alone OpenAI-compatible server plays the real endpoints.
    const server = await startSim({ port: 0, timeScale: 0 });
    try {
      const dir = tempDir('hybrid-eval-promptfoo-');
      const config = join(dir, 'real.yaml');
      const sim = readFileSync(ORACLE_CONFIG, 'utf8')
        .replace(/\$\{VLLM_BASE_URL:-http:\/\/127\.0\.0\.1:8000\/v1\}/, server.url)
        .replaceAll('https://api.openai.com/v1', server.url);
      writeFileSync(config, sim);
      const answer = await provider({ config, sim: false }, undefined, { OPENAI_API_KEY: 'sk-test' }).callApi('What are your customer service hours?', {
        vars: { tier: 'medium' },
      });
      expect(answer.error).toBeUndefined();
      expect(answer.metadata).toMatchObject({ endpoint: 'gpt35', model: 'gpt-3.5-turbo' });
      expect(providerMetadataSchema.parse(answer.metadata?.hybrid_eval).sim).toBeUndefined();
      expect(server.requestLog.some((entry) => entry.path === '/v1/models')).toBe(true);
      expect(server.requestLog.some((entry) => entry.model === 'gpt-3.5-turbo' && entry.status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
