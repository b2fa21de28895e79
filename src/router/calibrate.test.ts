import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { calibrateThresholds } from './calibrate.ts';
import { routeTier } from './thresholds.ts';

/** n queries with spread-out probabilities, deterministic. */
function spread(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const simple = ((i * 37) % n) / n;
    const medium = (1 - simple) * (((i * 53) % 97) / 97);
    return { simple, medium, complex: 1 - simple - medium };
  });
}

describe('calibrateThresholds', () => {
  it('hits a 70/25/5 mix on 1,000 queries', () => {
    const probabilities = spread(1000);
    const calibration = calibrateThresholds(probabilities, { simple: 0.7, medium: 0.25, complex: 0.05 });
    expect(calibration.achieved.simple).toBeCloseTo(0.7, 2);
    expect(calibration.achieved.medium).toBeCloseTo(0.25, 2);
    expect(calibration.achieved.complex).toBeCloseTo(0.05, 2);
    // The thresholds reproduce the reported mix through the routing rule itself.
    const routed = probabilities.map((p) => routeTier(p, calibration.thresholds));
    expect(routed.filter((tier) => tier === 'simple').length).toBe(Math.round(calibration.achieved.simple * 1000));
    expect(routed.filter((tier) => tier === 'complex').length).toBe(Math.round(calibration.achieved.complex * 1000));
  });

  it('can send nothing to a tier', () => {
    const calibration = calibrateThresholds(spread(200), { simple: 0, medium: 1, complex: 0 });
    expect(calibration.achieved).toEqual({ simple: 0, medium: 1, complex: 0 });
    expect(calibration.thresholds.simple).toBeGreaterThan(1);
  });

  it('keeps tied queries together and prefers the more conservative threshold', () => {
    const probabilities = [
      { simple: 0.9, medium: 0.05, complex: 0.05 },
      { simple: 0.9, medium: 0.05, complex: 0.05 },
      { simple: 0.2, medium: 0.7, complex: 0.1 },
      { simple: 0.1, medium: 0.1, complex: 0.8 },
    ];
    // Half simple: both 0.9 queries (a tie) clear 0.9.
    const calibration = calibrateThresholds(probabilities, { simple: 0.5, medium: 0.25, complex: 0.25 });
    expect(calibration.thresholds.simple).toBe(0.9);
    expect(calibration.thresholds.medium).toBeCloseTo(0.9, 12);
    expect(calibration.achieved).toEqual({ simple: 0.5, medium: 0.25, complex: 0.25 });
  });

  it('refuses a target that does not sum to 1', () => {
    expect(() => calibrateThresholds(spread(10), { simple: 0.7, medium: 0.25, complex: 0.1 })).toThrow(UsageError);
    expect(() => calibrateThresholds(spread(10), { simple: -0.1, medium: 1, complex: 0.1 })).toThrow(/between 0 and 1/);
  });
});
