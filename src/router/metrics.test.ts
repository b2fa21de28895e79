import { describe, expect, it } from 'vitest';
import type { Tier } from '../core/tier.ts';
import { classificationMetrics, expectedCalibrationError, percentile, type Prediction } from './metrics.ts';

function prediction(tier: Tier, rawTier: Tier, confidence: number): Prediction {
  const rest = (1 - confidence) / 2;
  const probabilities = { simple: rest, medium: rest, complex: rest };
  probabilities[rawTier] = confidence;
  return { tier, rawTier, probabilities };
}

// Ten queries with hand-worked answers. Query 3 is simple by argmax but was escalated to medium.
const labels: Tier[] = ['simple', 'simple', 'simple', 'simple', 'medium', 'medium', 'medium', 'complex', 'complex', 'complex'];
const predictions: Prediction[] = [
  prediction('simple', 'simple', 0.95),
  prediction('simple', 'simple', 0.95),
  prediction('simple', 'simple', 0.95),
  prediction('medium', 'simple', 0.95),
  prediction('medium', 'medium', 0.95),
  prediction('medium', 'medium', 0.55),
  prediction('simple', 'simple', 0.55),
  prediction('complex', 'complex', 0.55),
  prediction('complex', 'complex', 0.55),
  prediction('simple', 'simple', 0.55),
];

describe('classificationMetrics', () => {
  const metrics = classificationMetrics(labels, predictions);

  it('counts the confusion matrix with labels as rows and routed tiers as columns', () => {
    expect(metrics.confusion).toEqual({
      simple: { simple: 3, medium: 1, complex: 0 },
      medium: { simple: 1, medium: 2, complex: 0 },
      complex: { simple: 1, medium: 0, complex: 2 },
    });
    expect(metrics.n).toBe(10);
    expect(metrics.accuracy).toBeCloseTo(0.7, 12);
    expect(metrics.accuracy_argmax).toBeCloseTo(0.8, 12);
  });

  it('computes precision, recall and F1 per class', () => {
    expect(metrics.per_class.simple.precision).toBeCloseTo(3 / 5, 12);
    expect(metrics.per_class.simple.recall).toBeCloseTo(3 / 4, 12);
    expect(metrics.per_class.simple.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.per_class.medium.precision).toBeCloseTo(2 / 3, 12);
    expect(metrics.per_class.medium.recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.per_class.complex.precision).toBe(1);
    expect(metrics.per_class.complex.recall).toBeCloseTo(2 / 3, 12);
    expect(metrics.per_class.complex.f1).toBeCloseTo(0.8, 12);
    expect(metrics.per_class.complex).toMatchObject({ support: 3, predicted: 2 });
  });

  it('weighs misroutes asymmetrically: complex -> simple is the severe one', () => {
    // simple -> medium 1, medium -> simple 3, complex -> simple 10.
    expect(metrics.misroute_cost.total).toBe(14);
    expect(metrics.misroute_cost.mean).toBeCloseTo(1.4, 12);
  });

  it('reports the traffic mix', () => {
    expect(metrics.traffic_mix.simple).toBeCloseTo(0.5, 12);
    expect(metrics.traffic_mix.medium).toBeCloseTo(0.3, 12);
    expect(metrics.traffic_mix.complex).toBeCloseTo(0.2, 12);
  });

  it('computes ECE on the argmax tier: |1.0 - 0.95| * 0.5 + |0.6 - 0.55| * 0.5', () => {
    expect(metrics.ece).toBeCloseTo(0.05, 12);
  });

  it('leaves precision unknown (undefined, not 0) for a class never predicted', () => {
    const none = classificationMetrics(['complex'], [prediction('medium', 'medium', 0.9)]);
    expect(none.per_class.complex.precision).toBeUndefined();
    expect(none.per_class.complex.recall).toBe(0);
    expect(none.per_class.simple.recall).toBeUndefined();
    expect(none.per_class.simple.f1).toBeUndefined();
  });

  it('refuses mismatched or empty inputs', () => {
    expect(() => classificationMetrics(['simple'], [])).toThrow(/1 labels but 0 predictions/);
    expect(() => classificationMetrics([], [])).toThrow(/no labelled queries/);
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 for a perfectly calibrated set and 1 for confident and always wrong', () => {
    expect(expectedCalibrationError([1, 1, 0.5, 0.5], [true, true, true, false])).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([1, 1], [false, false])).toBeCloseTo(1, 12);
  });

  it('puts a confidence on a bin edge in the lower bin', () => {
    // 0.1 is in (0, 0.1]: one bin of confidence 0.1 with accuracy 0.
    expect(expectedCalibrationError([0.1], [false])).toBeCloseTo(0.1, 12);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile([], 50)).toThrow();
  });
});
