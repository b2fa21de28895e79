import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, classify, drawSample, type SampleSource } from './strata.ts';

function source(queryId: string, tier: string | undefined, candidate: number | undefined, baseline: number | undefined): SampleSource {
  return {
    queryId,
    tier,
    candidateStatus: candidate === undefined ? 'unscored' : 'scored',
    candidateScore: candidate,
    baselineStatus: baseline === undefined ? undefined : 'scored',
    baselineScore: baseline,
  };
}

describe('classify', () => {
  it('puts unscored first, then a judge gap of 2 or more, then the candidate score', () => {
    expect(classify(source('q', 'simple', undefined, 5)).band).toBe('unscored');
    expect(classify(source('q', 'simple', 4, undefined))).toEqual({ band: 'unscored', reason: 'judge did not score: baseline not judged' });
    expect(classify(source('q', 'simple', 2, 5))).toEqual({ band: 'disagree', reason: 'judge scores 3 apart: candidate 2, baseline 5' });
    expect(classify(source('q', 'simple', 5, 3)).band).toBe('disagree');
    expect(classify(source('q', 'simple', 2, 3)).band).toBe('low');
    expect(classify(source('q', 'simple', 3.5, 4)).band).toBe('mid');
    expect(classify(source('q', 'simple', 4, 5)).band).toBe('high');
  });
});

describe('allocate', () => {
  it('gives every stratum one when it can, then shares by size x weight (Sainte-Lague)', () => {
    const slots = allocate(
      [
        { key: 'low', size: 10, weight: 4 },
        { key: 'high', size: 100, weight: 1 },
      ],
      20,
    );
    // After one each, 18 slots by priorities 40/(2a+1) and 100/(2a+1): high gets 100/140 of them, about 13.
    expect(Object.fromEntries(slots)).toEqual({ low: 6, high: 14 });
  });

  it('never exceeds a stratum, and hands out exactly min(n, total)', () => {
    const strata = fc.array(fc.record({ size: fc.integer({ min: 0, max: 30 }), weight: fc.constantFrom(1, 2, 4) }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(strata, fc.integer({ min: 1, max: 200 }), (list, n) => {
        const keyed = list.map((stratum, index) => ({ ...stratum, key: `s${index}` }));
        const total = keyed.reduce((sum, stratum) => sum + stratum.size, 0);
        if (n >= total) return true;
        const slots = allocate(keyed, n);
        const given = [...slots.values()].reduce((sum, count) => sum + count, 0);
        const nonEmpty = keyed.filter((stratum) => stratum.size > 0);
        return (
          given === n &&
          keyed.every((stratum) => slots.get(stratum.key)! <= stratum.size) &&
          (n < nonEmpty.length || nonEmpty.every((stratum) => slots.get(stratum.key)! >= 1))
        );
      }),
    );
  });
});

describe('drawSample', () => {
  const population: SampleSource[] = [];
  for (let index = 0; index < 1000; index++) {
    const id = `q${String(index).padStart(4, '0')}`;
    // 10% low scores, 5% judge disagreements, the rest high; three tiers.
    const tier = ['simple', 'medium', 'complex'][index % 3];
    const candidate = index % 20 === 0 ? 1 : index % 10 === 1 ? 2 : 5;
    population.push(source(id, tier, candidate, candidate === 1 ? 5 : candidate === 2 ? 3 : 5));
  }

  it('over-samples low scores and judge disagreements', () => {
    const sample = drawSample(population, { n: 100, seed: 1, runId: 'r' });
    expect(sample).toHaveLength(100);
    const share = (band: string) => sample.filter((item) => item.band === band).length / sample.length;
    // Size x weight: disagreements 50 x 4, low 100 x 4, high 850 x 1, so about 14%, 28% and 59%
    // of the sample, against 5%, 10% and 85% of the run.
    expect(share('disagree')).toBeGreaterThan(0.12);
    expect(share('low')).toBeGreaterThan(0.25);
    expect(share('high')).toBeLessThan(0.65);
    expect(new Set(sample.map((item) => item.tier))).toEqual(new Set(['simple', 'medium', 'complex']));
    expect(sample.map((item) => item.position)).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    expect(new Set(sample.map((item) => item.queryId)).size).toBe(100);
  });

  it('is the same for the same seed and run, whatever the input order, and differs for another seed', () => {
    const first = drawSample(population, { n: 50, seed: 7, runId: 'r' });
    expect(drawSample([...population].reverse(), { n: 50, seed: 7, runId: 'r' })).toEqual(first);
    expect(drawSample(population, { n: 50, seed: 8, runId: 'r' }).map((item) => item.queryId)).not.toEqual(first.map((item) => item.queryId));
  });

  it('takes everything when n covers the run, and labels unrouted queries', () => {
    const small = [source('a', undefined, 5, 5), source('b', 'simple', 1, 1)];
    const sample = drawSample(small, { n: 10, seed: 1, runId: 'r' });
    expect(sample.map((item) => item.stratum).sort()).toEqual(['simple/low', 'unrouted/high']);
  });
});

describe('sensitive answers', () => {
  it('are banded by the on-prem score alone and drawn about four times as often', () => {
    const sensitive = (id: string, score: number): SampleSource => ({ ...source(id, 'complex', score, undefined), baselineStatus: undefined, sensitive: true });
    expect(classify(sensitive('s', 5))).toEqual({ band: 'high', reason: 'sensitive answer judged on the premises only: score 5' });
    const population: SampleSource[] = [];
    for (let index = 0; index < 900; index++) population.push(source(`n${index}`, 'complex', 5, 5));
    for (let index = 0; index < 100; index++) population.push(sensitive(`s${index}`, 5));
    const sample = drawSample(population, { n: 100, seed: 1, runId: 'r' });
    const drawn = sample.filter((item) => item.stratum === 'complex/high/sensitive').length;
    // 100 x 4 against 900 x 1: about 31 of 100, against 10% of the run.
    expect(drawn).toBeGreaterThan(25);
    expect(drawn).toBeLessThan(37);
  });
});
