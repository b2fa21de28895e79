import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { configSchema } from '../config/schema.ts';

// Loaded (environment references expanded), then validated again with another cascade.
const example = loadConfig('examples/sim.yaml');

describe('config cascade', () => {
  it('accepts the example: a validator and an escalation target per tier', () => {
    const parsed = configSchema.safeParse(example);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.cascade?.simple?.escalate_to).toBe('gpt4');
    expect(parsed.data?.cascade?.complex).toBeUndefined();
  });

  it('names the field of an unknown endpoint, an unknown key and a skill out of range', () => {
    const issue = (cascade: unknown): string => {
      const parsed = configSchema.safeParse({ ...example, cascade });
      expect(parsed.success).toBe(false);
      const first = parsed.error!.issues[0]!;
      return `${first.path.join('.')}: ${first.message}`;
    };
    expect(issue({ simple: { validator: { endpoint: 'nope' }, escalate_to: 'gpt4' } })).toMatch(/^cascade\.simple\.validator\.endpoint: unknown endpoint "nope"/);
    expect(issue({ simple: { validator: { endpoint: 'llama' }, escalate_to: 'gpt5' } })).toMatch(/^cascade\.simple\.escalate_to: unknown endpoint "gpt5"/);
    expect(issue({ simple: { validator: { endpoint: 'llama', sim_skill: 2 }, escalate_to: 'gpt4' } })).toMatch(/^cascade\.simple\.validator\.sim_skill/);
    expect(issue({ tiny: {} })).toMatch(/^cascade/);
  });
});
