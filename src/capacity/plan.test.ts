import { describe, expect, it } from 'vitest';
import { flatProfile, profileFromTimestamps } from './arrival-profile.ts';
import { planCapacity, replicasFor, WEEKS_PER_MONTH, type CapacitySettings } from './plan.ts';

const SETTINGS: CapacitySettings = {
  perReplicaRps: 2,
  headroom: 1.25,
  gpusPerReplica: 8,
  gpuHourUsd: { onDemand: 2, spot: 1, reserved: 1.5 },
  minReplicas: 1,
  coldStartMinutes: 12,
  nightHours: [0, 1, 2, 3, 4, 5],
  spotShare: 0.5,
  spotPreemptionsPerHour: 0.1,
  fallbackPerQueryUsd: 0.05,
};

describe('replicasFor', () => {
  it('is ceil(rate / capacity x headroom), exact multiples not rounded up by floating point', () => {
    expect(replicasFor(4, 2, 1.5)).toBe(3);
    expect(replicasFor(0.1 * 3, 0.1, 1)).toBe(3);
    expect(replicasFor(0, 2, 1.25)).toBe(0);
  });
});

describe('planCapacity', () => {
  it('flat traffic: every policy from the same hourly load', () => {
    // 3 req/s x 3600 x 168 hours x 30/7 weeks = 7,776,000 on-prem queries a month: 60% of 12,960,000.
    const plan = planCapacity({ profile: flatProfile(), plannedMonthlyQueries: 12_960_000, onPremShare: 0.6, settings: SETTINGS });
    expect(plan.peak.onPremRps).toBeCloseTo(3);
    expect(plan.peak.replicas).toBe(2); // ceil(3 / 2 x 1.25) = ceil(1.875)
    const byName = Object.fromEntries(plan.policies.map((policy) => [policy.name, policy]));
    expect(byName.always_on_peak!.gpuHoursPerMonth).toBe(2 * 720 * 8);
    expect(byName.always_on_peak!.monthlyUsd).toBe(2 * 720 * 8 * 2);
    expect(byName.always_on_reserved!.monthlyUsd).toBe(2 * 720 * 8 * 1.5);
    // Flat load: autoscaling never changes the count, so it costs what always-on does.
    expect(byName.autoscale_hourly!.gpuHoursPerMonth).toBeCloseTo(2 * 720 * 8);
    // Six night hours a day at 3 req/s go to the fallback, plus 12 minutes after each wake-up.
    const nightQueries = 6 * 7 * 3 * 3600 * WEEKS_PER_MONTH + 7 * 3 * 12 * 60 * WEEKS_PER_MONTH;
    expect(byName.scale_to_zero_night!.fallbackQueriesPerMonth).toBeCloseTo(nightQueries);
    expect(byName.scale_to_zero_night!.fallbackUsd).toBeCloseTo(nightQueries * 0.05);
    expect(byName.spot_mix!.gpuUsd).toBeLessThan(byName.autoscale_hourly!.gpuUsd);
    expect(byName.spot_mix!.fallbackQueriesPerMonth).toBeGreaterThan(0);
  });

  it('an unknown fallback price leaves the policies that need the fallback without a total, not free', () => {
    const plan = planCapacity({ profile: flatProfile(), plannedMonthlyQueries: 1_000_000, onPremShare: 0.7, settings: { ...SETTINGS, fallbackPerQueryUsd: undefined } });
    const byName = Object.fromEntries(plan.policies.map((policy) => [policy.name, policy]));
    expect(byName.scale_to_zero_night!.monthlyUsd).toBeUndefined();
    expect(byName.autoscale_hourly!.monthlyUsd).toBeDefined();
  });

  it('a log profile puts the peak at its busiest day and hour', () => {
    const times = [
      ...Array.from({ length: 30 }, () => new Date('2025-03-03T14:10:00Z')), // Monday 14h
      ...Array.from({ length: 10 }, () => new Date('2025-03-05T03:00:00Z')), // Wednesday 03h
    ];
    const profile = profileFromTimestamps(times);
    expect(profile.shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1);
    const plan = planCapacity({ profile, plannedMonthlyQueries: 1_000_000, onPremShare: 1, settings: SETTINGS });
    expect(plan.peak).toMatchObject({ dayOfWeek: 1, hour: 14 });
  });
});
