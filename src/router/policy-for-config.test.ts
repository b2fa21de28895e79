import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Query } from '../core/query.ts';
import { generateQueries } from '../datasets/generate.ts';
import { routePolicyFor } from './policy-for-config.ts';

/** The example stack's config, with its router settings changed. */
function configWith(router: Partial<Config['routing']['router']>): Config {
  const config = loadConfig('examples/sim.yaml', { env: {} });
  return { ...config, routing: { ...config.routing, policy: 'router', router: { ...config.routing.router, ...router } } };
}

describe('routePolicyFor: the router policy', () => {
  it('routes ahead in groups of route_ahead (not max_batch), with the decisions of routing one by one', async () => {
    const handle = await routePolicyFor(configWith({ route_ahead: 100, max_batch: 8 }));
    try {
      expect(handle.routeAhead?.size).toBe(100);
      const queries: Query[] = [...generateQueries({ n: 100, seed: 3 })].map((generated, index) => ({
        queryId: generated.query_id,
        text: generated.query,
        source: { file: 'generated', line: index + 1 },
      }));
      const grouped = await handle.routeAhead!.route(queries);
      const single = await Promise.all(queries.map((query) => handle.route(query)));
      expect(grouped.map((decision) => decision.tier)).toEqual(single.map((decision) => decision.tier));
      grouped.forEach((decision, index) => {
        for (const tier of ['simple', 'medium', 'complex'] as const) expect(decision.probabilities![tier]).toBeCloseTo(single[index]!.probabilities![tier], 4);
      });
    } finally {
      await handle.close?.();
    }
  });

  it('defaults to groups of 256 and runs of 32', () => {
    const router = configWith({}).routing.router;
    expect([router.route_ahead, router.max_batch]).toEqual([256, 32]);
  });
});
