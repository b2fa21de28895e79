import { describe, expect, it } from 'vitest';
import { createRandom } from '../datasets/random.ts';
import { UsageError } from '../core/errors.ts';
import { drawFault, parseFaultSpec } from './fault-spec.ts';

describe('parseFaultSpec', () => {
  it('parses rates and down models', () => {
    const spec = parseFaultSpec('500=0.05,429=0.03,timeout=0.02,cut=0.01,bad_json=0.02,down=llama-3-70b');
    expect(spec.rates).toEqual({ '500': 0.05, '429': 0.03, timeout: 0.02, cut: 0.01, bad_json: 0.02 });
    expect(spec.down).toEqual([{ model: 'llama-3-70b', mode: 'reset' }]);
  });

  it('accepts spaces, an empty spec, aliases and a 503 mode', () => {
    expect(parseFaultSpec('')).toEqual({ rates: {}, down: [] });
    expect(parseFaultSpec(' 500 = .5 , down=meta-llama/Meta-Llama-3-70B-Instruct:503 ,down=gpt-4').down).toEqual([
      { model: 'llama-3-70b', mode: '503' },
      { model: 'gpt-4', mode: 'reset' },
    ]);
  });

  it.each([
    ['500=abc', /"500=abc".*rate/],
    ['500=1.5', /"500=1.5".*rate/],
    ['500=-0.1', /"500=-0.1".*rate/],
    ['boom=0.1', /"boom=0.1".*unknown fault/],
    ['timeout', /"timeout".*NAME=VALUE/],
    ['down=gpt-5', /"down=gpt-5".*unknown model/],
    ['down=gpt-4:slow', /"down=gpt-4:slow".*mode/],
    ['500=0.1,500=0.2', /"500=0.2".*twice/],
    ['500=0.6,429=0.6', /add up to/],
  ])('rejects %s naming the bad part', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
    expect(() => parseFaultSpec(spec)).toThrow(UsageError);
  });
});

describe('drawFault', () => {
  it('draws each fault at about its rate, bad_json only for judge calls', () => {
    const spec = parseFaultSpec('500=0.1,429=0.2,bad_json=0.3');
    const random = createRandom(5);
    const counts: Record<string, number> = {};
    for (let index = 0; index < 20_000; index++) {
      const fault = drawFault(spec, random.next(), { judge: false }) ?? 'none';
      counts[fault] = (counts[fault] ?? 0) + 1;
    }
    expect((counts['500'] ?? 0) / 20_000).toBeCloseTo(0.1, 1);
    expect((counts['429'] ?? 0) / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.bad_json).toBeUndefined();
    expect(drawFault(spec, 0.45, { judge: true })).toBe('bad_json');
    expect(drawFault(spec, 0.95, { judge: true })).toBeUndefined();
  });
});
