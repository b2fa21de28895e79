import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { UsageError } from '../core/errors.ts';
import { parseConfig } from './load.ts';
import { configSchema, endpointSchema, fieldMappingSchema, routingSchema } from './schema.ts';

/** A small valid config as data; tests render it with the yaml library so any key is quoted right. */
function baseConfig(): Record<string, unknown> {
  return {
    version: 1,
    system_prompt: 'be kind',
    endpoints: {
      llama: { base_url: 'http://127.0.0.1:8000/v1', model: 'llama', on_prem: true, pricing: { fixed_monthly_usd: 100, per_query_usd: 0 } },
      gpt4: { base_url: 'https://api.example/v1', model: 'gpt-4', pricing: { input_per_million: 30, output_per_million: 60 } },
    },
    routing: { policy: 'oracle', router: { max_batch: 8 }, tiers: { simple: 'llama', medium: 'gpt4', complex: 'gpt4' }, fallback: 'gpt4' },
    baseline: 'gpt4',
    judge: { endpoint: 'gpt4', rubric: 'judges/support-single.yaml' },
    dataset: { path: 'datasets/sample.jsonl', fields: { query: 'query' } },
    volume: { monthly_queries: 1000 },
    replay: { max_in_flight: 4, batch_size: 10 },
  };
}

/** The keys a zod object accepts, through .default() / .prefault() / .optional() wrappers. */
function keysOf(schema: unknown): string[] {
  let current = schema as { shape?: Record<string, unknown>; _zod?: { def?: { innerType?: unknown } } };
  while (current.shape === undefined && current._zod?.def?.innerType !== undefined) current = current._zod.def.innerType as typeof current;
  if (current.shape === undefined) throw new Error('not an object schema');
  return Object.keys(current.shape);
}
const root = configSchema.shape;

/** Objects whose keys the schema closes (strictObject), by path, with the keys they accept (read from the schema). */
const CLOSED_OBJECTS: Array<{ path: string[]; known: string[] }> = [
  { path: [], known: keysOf(configSchema) },
  { path: ['endpoints', 'llama'], known: keysOf(endpointSchema) },
  // pricing is a union of two closed objects; the base config uses the per-token one.
  { path: ['endpoints', 'gpt4', 'pricing'], known: ['input_per_million', 'output_per_million'] },
  { path: ['routing'], known: keysOf(routingSchema) },
  { path: ['routing', 'router'], known: keysOf(routingSchema.shape.router) },
  { path: ['routing', 'tiers'], known: keysOf(routingSchema.shape.tiers) },
  { path: ['judge'], known: keysOf(root.judge) },
  { path: ['dataset'], known: keysOf(root.dataset) },
  { path: ['dataset', 'fields'], known: keysOf(fieldMappingSchema) },
  { path: ['volume'], known: keysOf(root.volume) },
  { path: ['replay'], known: keysOf(root.replay) },
];

function objectAt(root: Record<string, unknown>, path: string[]): Record<string, unknown> {
  return path.reduce((node, key) => node[key] as Record<string, unknown>, root);
}

function errorOf(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

const anyKey = fc.string({ unit: fc.oneof(fc.constantFrom(':', '#', '"', "'", '{', '}', '[', '-', ' ', '\n', '&', '*', '!', '%', '@', '`', '<', '\u00e9', '\u{1F600}'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((text) => text.isWellFormed())), minLength: 1, maxLength: 16 });

describe('config loader (property)', () => {
  it('loads the base config (the properties below start from a valid file)', () => {
    expect(parseConfig(stringify(baseConfig()), 'base.yaml', { env: {} }).replay.batch_size).toBe(10);
  });

  it('rejects any unknown key in any closed object, naming the object path and the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CLOSED_OBJECTS), anyKey, fc.jsonValue(), (target, key, value) => {
        // A __proto__ key inside the value is refused first, and on its own (the test below).
        fc.pre(!target.known.includes(key) && key !== '__proto__' && !JSON.stringify(value ?? null).includes('"__proto__"'));
        const config = baseConfig();
        objectAt(config, target.path)[key] = value ?? 1;
        const error = errorOf(() => parseConfig(stringify(config), 'c.yaml', { env: {} }));
        const where = target.path.join('.') || '(root)';
        expect(error.message).toMatch(/^c\.yaml:\d+: /);
        expect(error.message).toContain(`${where}: unknown key "${key}"`);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses __proto__ anywhere instead of letting it vanish', () => {
    for (const target of CLOSED_OBJECTS) {
      const config = baseConfig();
      // defineProperty: assigning __proto__ would set the prototype instead of adding a key.
      Object.defineProperty(objectAt(config, target.path), '__proto__', { value: { x: 1 }, enumerable: true });
      const text = stringify(config);
      expect(text).toContain('__proto__');
      expect(errorOf(() => parseConfig(text, 'c.yaml', { env: {} })).message).toMatch(/__proto__/);
    }
    // An endpoint so named would have been dropped silently, leaving "defined: none" errors elsewhere.
    const config = baseConfig();
    Object.defineProperty(config.endpoints as object, '__proto__', { value: { base_url: 'http://x/v1', model: 'm', pricing: { input_per_million: 1, output_per_million: 1 } }, enumerable: true });
    expect(errorOf(() => parseConfig(stringify(config), 'c.yaml', { env: {} })).message).toMatch(/^c\.yaml:\d+: endpoints\.__proto__: "__proto__" is not allowed as a key/);
  });

  it('expands any environment value verbatim: no YAML structure, no second expansion', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\n', ': ', '"', "'", '}', '${OTHER}', '${', '#', '- ', '{a: 1}', '\u0000', '\t'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((text) => text.isWellFormed())), minLength: 1, maxLength: 20 }), (value) => {
        const config = baseConfig();
        config.system_prompt = '${PROMPT}';
        config.project = 'pre ${PROMPT} post';
        (config.endpoints as Record<string, Record<string, unknown>>).llama!.model = '${MODEL:-llama-default}';
        const loaded = parseConfig(stringify(config), 'c.yaml', { env: { PROMPT: value, OTHER: 'expanded twice' } });
        expect(loaded.system_prompt).toBe(value);
        expect(loaded.project).toBe(`pre ${value} post`);
        expect(loaded.endpoints.llama!.model).toBe('llama-default');
        // The value stayed one string: the rest of the file is what it was.
        expect(Object.keys(loaded.endpoints)).toEqual(['llama', 'gpt4']);
        expect(loaded.routing.tiers).toEqual({ simple: 'llama', medium: 'gpt4', complex: 'gpt4' });
      }),
      { numRuns: 300 },
    );
  });

  it('uses any default without braces when the variable is unset or empty, and names the path when there is none', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }).filter((text) => !text.includes('}')), fc.constantFrom<Record<string, string>>({}, { PROMPT: '' }), (fallback, env) => {
        const config = baseConfig();
        config.system_prompt = `\${PROMPT:-${fallback}}`;
        expect(parseConfig(stringify(config), 'c.yaml', { env }).system_prompt).toBe(fallback);
        config.system_prompt = '${PROMPT}';
        expect(errorOf(() => parseConfig(stringify(config), 'c.yaml', { env })).message).toMatch(/^c\.yaml:\d+: system_prompt: environment variable PROMPT is not set/);
      }),
      { numRuns: 100 },
    );
  });
});
