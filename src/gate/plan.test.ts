import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { loadPlan, parsePlan, selectStep } from './plan.ts';

describe('loadPlan', () => {
  it('reads the shipped plan: five steps (the last through the validator cascade), a default step, a target and regression limits', () => {
    const plan = loadPlan('suites/rollout.yaml');
    expect(plan.steps.map((step) => step.name)).toEqual(['shadow', '10%', '30%', '70%', '70% + cascade']);
    expect(selectStep(plan, '70% + cascade').cascade).toEqual({ threshold: 0.6, max_escalation_rate: 0.25, max_added_p95_latency_ms: 4000 });
    expect(selectStep(plan, '70%').cascade).toBeUndefined();
    expect(plan.defaultStep).toBe('10%');
    expect(selectStep(plan, undefined).name).toBe('10%');
    const last = selectStep(plan, '70%');
    // Plan-level thresholds reach every step; the step's own override them.
    expect(last.thresholds).toMatchObject({ min_quality: 4.5, quality_statistic: 'lower_bound', max_error_rate: 0.05, min_scored: 50, min_cost_reduction: 0.65 });
    expect(last.thresholds.tier_floors).toEqual({ simple: 4.4, medium: 4.3, complex: 4.5 });
    expect(selectStep(plan, 'shadow').thresholds.min_quality).toBeUndefined();
    expect(plan.target).toEqual({ simple: { candidate: 1 }, medium: { candidate: 1 }, complex: { candidate: 1 } });
    expect(plan.regression).toMatchObject({ max_quality_drop: 0.2, min_paired: 30 });
  });

  it('treats a plan without steps as one implicit step gating the run as routed', () => {
    const plan = parsePlan('name: lenient\nthresholds:\n  min_quality: 3\n  quality_statistic: mean\n', 'lenient.yaml');
    expect(plan.steps).toHaveLength(1);
    const step = selectStep(plan, undefined);
    expect(step).toMatchObject({ name: 'default', shares: undefined, shadowShare: 0 });
    // Left-out thresholds are not checked; the defaults that always apply are filled in.
    expect(step.thresholds).toEqual({ min_quality: 3, quality_statistic: 'mean', min_scored: 30 });
    expect(plan.regression.max_cost_increase).toBe(0.1);
  });

  it('picks the last step when there is no default_step', () => {
    const text = `steps:\n${['a', 'b'].map((name) => `  - name: ${name}\n    shares: { simple: { candidate: 1 }, medium: { baseline: 1 }, complex: { baseline: 1 } }\n`).join('')}`;
    expect(selectStep(parsePlan(text, 'p.yaml'), undefined).name).toBe('b');
  });

  it.each([
    ['a misspelt key, with its line', 'name: x\nthresholds:\n  min_qualty: 3\n', /p\.yaml:3: thresholds: unknown key "min_qualty"/],
    ['shares that do not add up to 1', 'steps:\n  - name: a\n    shares: { simple: { candidate: 0.5 }, medium: { baseline: 1 }, complex: { baseline: 1 } }\n', /steps\.0\.shares\.simple: shares add up to 0\.5, not 1/],
    ['a default_step that is not a step', 'default_step: nope\nsteps:\n  - name: a\n    shares: { simple: { candidate: 1 }, medium: { baseline: 1 }, complex: { baseline: 1 } }\n', /default_step: no step named "nope"/],
    ['invalid YAML', 'name: [oops\n', /p\.yaml:\d+: invalid YAML/],
  ])('refuses %s with one line naming file and key', (_name, text, message) => {
    expect(() => parsePlan(text, 'p.yaml')).toThrow(UsageError);
    expect(() => parsePlan(text, 'p.yaml')).toThrow(message);
  });

  it('names the steps when --step names none of them', () => {
    expect(() => selectStep(loadPlan('suites/rollout.yaml'), '50%')).toThrow(/no step named "50%" \(steps: shadow, 10%, 30%, 70%, 70% \+ cascade\)/);
    expect(() => loadPlan('suites/missing.yaml')).toThrow(/plan not found or unreadable: suites\/missing\.yaml/);
  });
});
