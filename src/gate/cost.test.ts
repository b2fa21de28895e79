import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../config/schema.ts';
import { openStore, type Store } from '../store/store.ts';
import { query, response, route, tempDir } from '../store/test-records.ts';
import { costModelFrom, describeBaselineCoverage, projectMix, readCostInputs, resolveShares, type CostInputs } from './cost.ts';
import { parsePlan } from './plan.ts';
import { monthlyVolume } from './volume.ts';

const endpoint = (model: string, pricing: object, onPrem = false) => ({ base_url: 'http://127.0.0.1:1/v1', model, pricing, on_prem: onPrem });

const config: Config = configSchema.parse({
  endpoints: {
    llama: endpoint('llama-3-70b', { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, true),
    gpt35: endpoint('gpt-3.5-turbo', { input_per_million: 0.5, output_per_million: 1.5 }),
    gpt4: endpoint('gpt-4', { input_per_million: 30, output_per_million: 60 }),
  },
  routing: { tiers: { simple: 'llama', medium: 'gpt35', complex: 'gpt4' }, fallback: 'gpt4' },
  baseline: 'gpt4',
  judge: { endpoint: 'gpt4', rubric: 'judges/support-single.yaml' },
  dataset: { path: 'x.jsonl' },
  volume: { monthly_queries: 1_000_000 },
});

const cell = (tier: 'simple' | 'medium' | 'complex', endpointName: string, meanCostUsd: number, completion: number) => ({
  tier,
  endpoint: endpointName,
  calls: 100,
  knownCost: 100,
  loggedCalls: 0,
  loggedKnownCost: 0,
  meanCostUsd,
  meanPromptTokens: 2000,
  meanCompletionTokens: completion,
});

// 70 / 25 / 5 per cent simple / medium / complex; Llama fails over to GPT-4 on 10% of simple queries.
const inputs: CostInputs = {
  volume: { monthlyQueries: 1_000_000, source: 'config', detail: '' },
  tierQueries: { simple: 70, medium: 25, complex: 5 },
  cells: [
    cell('simple', 'llama', 0.0004, 60),
    cell('simple', 'gpt4', 0.06, 80),
    cell('medium', 'gpt35', 0.001, 80),
    cell('medium', 'gpt4', 0.065, 90),
    cell('complex', 'gpt4', 0.07, 100),
  ],
  fallbackCells: [{ tier: 'simple', endpoint: 'llama', candidateCalls: 70, fallbacks: 7 }],
};

const plan = parsePlan(
  `steps:
  - name: shadow
    shares: { simple: { baseline: 1 }, medium: { baseline: 1 }, complex: { baseline: 1 } }
    shadow_share: 1
  - name: target
    shares: { simple: { candidate: 1 }, medium: { candidate: 1 }, complex: { candidate: 1 } }
`,
  'plan.yaml',
);

describe('cost model', () => {
  const model = costModelFrom(inputs, config, plan);

  it('projects the target mix: measured per-tier costs, fallback calls, fixed on-prem cost once', () => {
    // per query: simple 0.7 x (0.0004 + 10% x 0.06) + medium 0.25 x 0.001 + complex 0.05 x 0.07 = 0.00823
    expect(model.target!.variablePerQueryUsd).toBeCloseTo(0.00823, 8);
    expect(model.target!.routedMonthlyUsd).toBeCloseTo(8230 + 11000, 4);
    expect(model.target!.fallbackMonthlyUsd).toBeCloseTo(0.7 * 0.1 * 0.06 * 1e6, 4);
    expect(model.target!.components).toMatchObject({ onPremFixedUsd: 11000 });
    expect(model.target!.components!.onPremMarginalUsd).toBeCloseTo(280, 6);
    // all-GPT-4: 0.7 x 0.06 + 0.25 x 0.065 + 0.05 x 0.07 = 0.06175 per query
    expect(model.allBaseline.monthlyUsd).toBeCloseTo(61750, 4);
    expect(model.target!.reduction).toBeCloseTo(1 - 19230 / 61750, 8);
  });

  it('charges shadow traffic on top of the baseline bill, with the GPUs it needs', () => {
    const shadow = model.steps[0]!;
    expect(shadow.components!.apiUsd).toBeCloseTo(61750, 4);
    expect(shadow.components!.shadowUsd).toBeCloseTo((0.7 * 0.0004 + 0.25 * 0.001 + 0.05 * 0.07) * 1e6, 4);
    expect(shadow.fixedMonthlyUsd).toBe(11000);
    expect(shadow.reduction!).toBeLessThan(0);
  });

  it('finds the break-even volume of on-prem Llama against each API, or says never', () => {
    const [llama] = model.breakEven;
    expect(llama).toMatchObject({ endpoint: 'llama', trafficShare: 0.7, fixedMonthlyUsd: 11000 });
    expect(llama!.perQueryUsd).toBeCloseTo(0.0004 + 0.1 * 0.06, 10);
    const gpt4 = llama!.against.find((against) => against.endpoint === 'gpt4')!;
    // 11,000 / (0.7 x (0.06 - 0.0064))
    expect(gpt4.breakEvenMonthlyQueries).toBe(Math.ceil(11000 / (0.7 * (0.06 - 0.0064))));
    const gpt35 = llama!.against.find((against) => against.endpoint === 'gpt35')!;
    // GPT-3.5 never served simple queries here: estimated from the tier's tokens, and cheaper than Llama's marginal + fallback cost.
    expect(gpt35.estimated).toBe(true);
    expect(gpt35.perQueryUsd).toBeCloseTo((2000 * 0.5 + 70 * 1.5) / 1e6, 10);
    expect(gpt35.breakEvenMonthlyQueries).toBeUndefined();
  });

  it('estimates an endpoint on a tier it did not serve, and says so', () => {
    const mix = projectMix('medium on llama', resolveShares({ simple: { candidate: 1 }, medium: { gpt35: 0.5, gpt4: 0.5 }, complex: { llama: 1 } }, config, 'p'), 0, inputs, config);
    expect(mix.variablePerQueryUsd).toBeDefined();
    const noFallbackRate = projectMix('x', resolveShares({ simple: { gpt35: 1 }, medium: { candidate: 1 }, complex: { candidate: 1 } }, config, 'p'), 0, inputs, config);
    expect(noFallbackRate.notes!.some((note) => note.includes('gpt35 on simple is estimated'))).toBe(true);
  });

  it('estimates all-baseline from token usage when the baseline was logged, and says so', () => {
    const logged = costModelFrom({ ...inputs, cells: inputs.cells.filter((c) => !(c.endpoint === 'gpt4' && c.tier === 'simple')) }, config, plan);
    // 2000 prompt and 60 completion tokens at GPT-4 prices.
    expect(logged.allBaseline.perQueryUsd).toBeCloseTo(0.7 * (2000 * 30 + 60 * 60) / 1e6 + 0.25 * 0.065 + 0.05 * 0.07, 10);
    expect(logged.notes[0]).toMatch(/^all-baseline cost on simple is estimated from the measured token usage and gpt4's prices/);
    expect(model.notes).toEqual([]);
  });

  it("prices all-baseline from logged answers' usage where the baseline came from the log, and says its coverage", () => {
    // GPT-4 on simple answered from the log: 100 answers, 80 with usage (priced at $0.05 each), 20 without.
    const logged = costModelFrom(
      { ...inputs, cells: inputs.cells.map((c) => (c.endpoint === 'gpt4' && c.tier === 'simple' ? { ...c, knownCost: 80, loggedCalls: 100, loggedKnownCost: 80, meanCostUsd: 0.05 } : c)) },
      config,
      plan,
    );
    expect(logged.allBaseline.perQueryUsd).toBeCloseTo(0.7 * 0.05 + 0.25 * 0.065 + 0.05 * 0.07, 10);
    expect(logged.allBaseline.coverage).toEqual({ endpoint: 'gpt4', calls: 300, costed: 280, logged: 100, loggedCosted: 80, estimatedTiers: [] });
    expect(describeBaselineCoverage(logged.allBaseline.coverage)).toBe(
      "280 of 300 gpt4 answers costed; 100 from the log (logged usage at gpt4's prices; 20 without logged usage left out of the mean), 200 called live",
    );
    expect(logged.notes).toContain(`all-baseline cost: ${describeBaselineCoverage(logged.allBaseline.coverage)}`);
    expect(logged.target!.baselineCoverage).toEqual(logged.allBaseline.coverage);
  });

  it('leaves the bill unknown, not 0, without a monthly volume', () => {
    const unknown = costModelFrom({ ...inputs, volume: { monthlyQueries: undefined, source: 'unknown', detail: '' } }, config, plan);
    expect(unknown.target!.routedMonthlyUsd).toBeUndefined();
    expect(unknown.target!.reduction).toBeUndefined();
    expect(unknown.target!.variablePerQueryUsd).toBeCloseTo(0.00823, 8);
  });

  it('refuses a share for an endpoint the config does not have', () => {
    expect(() => resolveShares({ simple: { llamma: 1 }, medium: { candidate: 1 }, complex: { candidate: 1 } }, config, 'plan.yaml: step "10%"')).toThrow(
      /plan\.yaml: step "10%": shares\.simple: unknown endpoint "llamma" \(the run's config has llama, gpt35, gpt4; or use candidate \/ baseline\)/,
    );
  });
});

describe('monthlyVolume', () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore(`${dir.path}/v.duckdb`);
    await store.createRun({ runId: 'r', mode: 'shadow', dataset: 'x', policy: 'oracle', config: {} });
    // 101 queries evenly over 10 days: 10 a day, 300 a month.
    const start = Date.parse('2025-03-01T00:00:00Z');
    const queries = Array.from({ length: 101 }, (_, index) => query(`q${index}`, { timestamp: new Date(start + index * 2.4 * 3_600_000).toISOString() }));
    await store.writeBatch('r', { queries: [...queries, query('no-time'), query('bad-time', { timestamp: 'yesterday' })] });
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('uses the configured volume when there is one', async () => {
    expect(await monthlyVolume(store, 'r', 1_000_000)).toMatchObject({ monthlyQueries: 1_000_000, source: 'config' });
  });

  it("extrapolates the log's own rate to 30 days, ignoring unparseable timestamps", async () => {
    const volume = await monthlyVolume(store, 'r', undefined);
    expect(volume).toMatchObject({ monthlyQueries: 300, source: 'timestamps' });
    expect(volume.detail).toContain('101 timestamped queries over 10.0 days');
  });

  it('is unknown without two timestamps', async () => {
    expect(await monthlyVolume(store, 'nope', undefined)).toMatchObject({ monthlyQueries: undefined, source: 'unknown' });
  });
});

describe('readCostInputs', () => {
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore(`${dir.path}/c.duckdb`);
    await store.createRun({ runId: 'logged', mode: 'shadow', dataset: 'x', policy: 'oracle', config: {} });
    const ids = ['a', 'b', 'c'];
    await store.writeBatch('logged', {
      queries: ids.map((id) => query(id)),
      routes: ids.map((id) => route('logged', id, 'simple', { endpoint: 'llama' })),
      responses: [
        ...ids.map((id) => response('logged', id, 'candidate', { endpoint: 'llama', costUsd: 0.0004, promptTokens: 900, completionTokens: 50 })),
        // Production's answers: two with logged usage (priced at the baseline's prices by the replay), one without.
        response('logged', 'a', 'baseline', { endpoint: 'gpt4', source: 'log', attempts: 0, promptTokens: 1000, completionTokens: 100, costUsd: 0.036 }),
        response('logged', 'b', 'baseline', { endpoint: 'gpt4', source: 'log', attempts: 0, promptTokens: 2000, completionTokens: 200, costUsd: 0.072 }),
        response('logged', 'c', 'baseline', { endpoint: 'gpt4', source: 'log', attempts: 0 }),
      ],
    });
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('counts logged baseline answers with their cost, the ones without usage as unknown', async () => {
    const read = await readCostInputs(store, 'logged', config);
    const gpt4 = read.cells.find((c) => c.endpoint === 'gpt4')!;
    expect(gpt4).toMatchObject({ tier: 'simple', calls: 3, knownCost: 2, loggedCalls: 3, loggedKnownCost: 2, meanPromptTokens: 1500, meanCompletionTokens: 150 });
    expect(gpt4.meanCostUsd).toBeCloseTo(0.054, 10);
    expect(read.cells.find((c) => c.endpoint === 'llama')).toMatchObject({ calls: 3, knownCost: 3, loggedCalls: 0 });
    const model = costModelFrom(read, config, plan);
    // Measured, not estimated from Llama's token usage: 0.054 per query x 1M.
    expect(model.allBaseline.monthlyUsd).toBeCloseTo(54000, 4);
    expect(model.allBaseline.coverage).toMatchObject({ calls: 3, costed: 2, logged: 3, loggedCosted: 2, estimatedTiers: [] });
  });
});
