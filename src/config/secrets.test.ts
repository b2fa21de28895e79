import { describe, expect, it } from 'vitest';
import { scrubUrl, scrubUrlsInText, scrubValues, urlCredentials } from '../core/secrets.ts';
import { configSchema } from './schema.ts';
import { configForStorage, configSecrets } from './secrets.ts';

const KEY = 'sk-PLANTED-0123456789abcdef';
const URL_KEY = 'gw-PLANTED-fedcba9876543210';
const PASSWORD = 'pw-PLANTED-1122334455';

const config = configSchema.parse({
  system_prompt: `Be brief. (${KEY})`,
  endpoints: {
    llama: { base_url: `http://svc:${PASSWORD}@vllm:8000/v1`, model: 'llama', on_prem: true, pricing: { fixed_monthly_usd: 1, per_query_usd: 0 } },
    gpt4: {
      base_url: `https://gw.example/openai/deployments/gpt4?api-version=2024-06-01&api_key=${URL_KEY}`,
      model: 'gpt-4',
      api_key_env: 'OPENAI_API_KEY',
      pricing: { input_per_million: 30, output_per_million: 60 },
    },
  },
  routing: { policy: 'oracle', tiers: { simple: 'llama', medium: 'gpt4', complex: 'gpt4' } },
  baseline: 'gpt4',
  judge: { endpoint: 'gpt4', rubric: 'judges/support-single.yaml' },
  dataset: { path: 'datasets/sample.jsonl' },
});

describe('secrets in a config', () => {
  it('knows every key value and URL credential', () => {
    expect(configSecrets(config, { OPENAI_API_KEY: KEY }).sort()).toEqual(expect.arrayContaining([KEY, URL_KEY, PASSWORD, 'svc', '2024-06-01']));
  });

  it('stores a valid config without any of them, URLs kept apart from their credentials', () => {
    const stored = configForStorage(config, configSecrets(config, { OPENAI_API_KEY: KEY }));
    const text = JSON.stringify(stored);
    for (const secret of [KEY, URL_KEY, PASSWORD]) expect(text).not.toContain(secret);
    expect(stored.endpoints['llama']!.base_url).toBe('http://redacted:redacted@vllm:8000/v1');
    expect(stored.endpoints['gpt4']!.base_url).toBe('https://gw.example/openai/deployments/gpt4?api-version=redacted&api_key=redacted');
    expect(stored.system_prompt).toBe('Be brief. ([redacted])');
    expect(configSchema.safeParse(stored).success).toBe(true);
    // The original is untouched.
    expect(config.endpoints['gpt4']!.base_url).toContain(URL_KEY);
  });

  it('scrubs URLs inside any text, and known values; short values are not searched for', () => {
    expect(scrubUrlsInText(`connect to http://u:${PASSWORD}@h:1/v1/models?key=${URL_KEY}&x=1 failed`)).toBe('connect to http://redacted:redacted@h:1/v1/models?key=redacted&x=redacted failed');
    expect(scrubUrl('http://h/v1')).toBe('http://h/v1');
    expect(urlCredentials('not a url')).toEqual([]);
    expect(scrubValues(`a ${KEY} b ab`, [KEY, 'ab', undefined])).toBe('a [redacted] b ab');
  });
});
