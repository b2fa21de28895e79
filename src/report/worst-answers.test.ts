import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tier } from '../core/tier.ts';
import type { QueryFacts } from '../gate/metrics.ts';
import { readRows } from '../store/convert-rows.ts';
import { worstServed } from './worst-answers.ts';

function fact(queryId: string, tier: Tier | undefined, servedStatus: string | undefined, servedScore?: number, baselineScore?: number): QueryFacts {
  return {
    queryId,
    tier,
    label: undefined,
    candidateEndpoint: 'llama',
    candidateStatus: 'ok',
    servedStatus,
    servedScore,
    baselineSource: 'endpoint',
    baselineStatus: 'ok',
    baselineJudgeStatus: baselineScore === undefined ? undefined : 'scored',
    baselineScore,
    fallbackUsed: false,
    servedLatencyMs: undefined,
    routerLatencyUs: undefined,
  };
}

describe('worstServed', () => {
  it('puts unscored answers first, then low scores, then the larger loss, then query id; unknown scores last', () => {
    const facts = [
      fact('a', 'simple', 'scored', 5, 5),
      fact('b', 'simple', 'scored', 2, 5),
      fact('c', 'simple', 'scored', 2, 3),
      fact('d', 'simple', 'error'),
      fact('e', 'simple', 'scored', 2, undefined),
      fact('f', 'simple', 'scored', undefined, 4),
      fact('g', 'simple', undefined),
      fact('h', 'medium', 'scored', 1, 1),
      fact('i', undefined, 'error'),
    ];
    const chosen = worstServed(facts, 5);
    expect(chosen.map(({ tier, fact }) => `${tier}:${fact.queryId}`)).toEqual(['simple:d', 'simple:g', 'simple:b', 'simple:c', 'simple:e', 'medium:h']);
  });

  // The report ranked the `pairs` view in SQL before; the JS ranking must choose the same answers.
  describe('agrees with the SQL ranking it replaced', () => {
    let instance: DuckDBInstance;
    beforeAll(async () => {
      instance = await DuckDBInstance.create(':memory:');
    });
    afterAll(() => instance.closeSync());

    const score = fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined });
    const generated = fc.uniqueArray(
      fc.record({
        queryId: fc.stringMatching(/^q[0-9]{1,3}$/),
        tier: fc.constantFrom<Tier>('simple', 'medium', 'complex'),
        status: fc.constantFrom('scored', 'unscored', 'error', undefined),
        served: score,
        baseline: score,
      }),
      { selector: (row) => row.queryId, maxLength: 60 },
    );

    it('on generated runs with ties and unknowns', async () => {
      const connection = await instance.connect();
      try {
        await fc.assert(
          fc.asyncProperty(generated, async (rows) => {
            const facts = rows.map((row) => fact(row.queryId, row.tier, row.status, row.served, row.baseline));
            await connection.run('CREATE OR REPLACE TABLE p (query_id VARCHAR, tier VARCHAR, served_judge_status VARCHAR, served_score DOUBLE, baseline_score DOUBLE)');
            for (const row of rows) {
              await connection.run('INSERT INTO p VALUES ($1, $2, $3, $4, $5)', [row.queryId, row.tier, row.status ?? null, row.served ?? null, row.baseline ?? null]);
            }
            const expected = await readRows<{ tier: string; query_id: string }>(
              connection,
              `SELECT tier, query_id FROM (
                 SELECT tier, query_id, row_number() OVER (
                   PARTITION BY tier
                   ORDER BY CASE WHEN served_judge_status = 'scored' THEN 1 ELSE 0 END, served_score, served_score - baseline_score, query_id
                 ) AS position FROM p
               ) WHERE position <= 5
               ORDER BY CASE tier WHEN 'simple' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, position`,
            );
            expect(worstServed(facts, 5).map(({ tier, fact }) => `${tier}:${fact.queryId}`)).toEqual(expected.map((row) => `${row.tier}:${row.query_id}`));
          }),
          { numRuns: 60 },
        );
      } finally {
        connection.closeSync();
      }
    });
  });
});
