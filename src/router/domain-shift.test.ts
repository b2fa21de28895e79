import { describe, expect, it } from 'vitest';
import { compareToReference, domainProfile, readDomainReference } from './domain-shift.ts';

const p = (simple: number, medium: number, complex: number) => ({ probabilities: { simple, medium, complex } });

describe('domain shift', () => {
  it('profiles the share of routes whose top probability is below 0.8', () => {
    const profile = domainProfile([p(0.9, 0.05, 0.05), p(0.5, 0.3, 0.2), p(0.1, 0.1, 0.8), p(0.4, 0.4, 0.2)]);
    expect(profile.n).toBe(4);
    expect(profile.low_confidence_share).toBe(0.5);
    expect(profile.mean_top_probability).toBeCloseTo((0.9 + 0.5 + 0.8 + 0.4) / 4, 10);
  });

  it('flags a share at least twice the reference and 2 points above it, with the advice to label and train', () => {
    const reference = { n: 1000, low_confidence_share: 0.01, mean_top_probability: 0.98, low_confidence_below: 0.8, data: 'x' };
    const at = (share: number, n = 500) => compareToReference({ n, low_confidence_share: share, mean_top_probability: 0.9, low_confidence_below: 0.8 }, reference);
    expect(at(0.03).shifted).toBe(false);
    expect(at(0.031).shifted).toBe(true);
    expect(at(0.031).message).toMatch(/label a sample .*hybrid-eval label sample.*hybrid-eval router train/);
    expect(at(0.5, 50).shifted).toBeUndefined();
    expect(compareToReference(at(0.5).profile, undefined).shifted).toBeUndefined();
  });

  it('reads the reference from a training log, and nothing from one without it', () => {
    expect(readDomainReference({ domain_reference: { n: 10, low_confidence_share: 0.1, mean_top_probability: 0.9, low_confidence_below: 0.8, data: 'd' } })).toMatchObject({ n: 10, low_confidence_share: 0.1 });
    expect(readDomainReference({})).toBeUndefined();
    expect(readDomainReference({ domain_reference: { n: 10, low_confidence_share: 0.1, low_confidence_below: 0.5 } })).toBeUndefined();
  });
});
