import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeConfigSchema, parseOptions, providerConfigSchema, resolveStackKey } from './options.ts';

const cwd = '/project';

describe('resolveStackKey', () => {
  it('defaults to the sim config, sim on, no delay', () => {
    expect(resolveStackKey({}, {}, undefined, cwd)).toEqual({ configFile: '/project/examples/sim.yaml', sim: { timeScale: 0, faults: undefined } });
  });

  it('takes the suite options', () => {
    expect(resolveStackKey({ config: 'my.yaml', sim_time_scale: 0.5, sim_faults: 'down=llama-3-70b' }, {}, undefined, cwd)).toEqual({
      configFile: '/project/my.yaml',
      sim: { timeScale: 0.5, faults: 'down=llama-3-70b' },
    });
    expect(resolveStackKey({ config: 'my.yaml', sim: false }, {}, undefined, cwd)).toEqual({ configFile: '/project/my.yaml', sim: undefined });
  });

  it('lets the environment win, and HYBRID_EVAL_CONFIG alone means real endpoints', () => {
    const env = { HYBRID_EVAL_CONFIG: 'examples/production.yaml' };
    expect(resolveStackKey({ config: 'examples/sim.yaml', sim: true }, env, undefined, cwd)).toEqual({ configFile: '/project/examples/production.yaml', sim: { timeScale: 0, faults: undefined } });
    expect(resolveStackKey({ config: 'examples/sim.yaml' }, env, undefined, cwd)).toEqual({ configFile: '/project/examples/production.yaml', sim: undefined });
    expect(resolveStackKey({ sim: true }, { HYBRID_EVAL_SIM: '0' }, undefined, cwd).sim).toBeUndefined();
    expect(resolveStackKey({}, { HYBRID_EVAL_SIM_TIME_SCALE: '2', HYBRID_EVAL_SIM_FAULTS: '500=0.1' }, undefined, cwd).sim).toEqual({ timeScale: 2, faults: '500=0.1' });
  });

  it('never switches to real endpoints because an API key is present', () => {
    expect(resolveStackKey({}, { OPENAI_API_KEY: 'sk-test' }, undefined, cwd).sim).toBeDefined();
  });

  it('inherits what the provider used when the judge names nothing', () => {
    const inherited = { configFile: '/elsewhere/c.yaml', sim: { timeScale: 1, faults: 'down=gpt-4' } };
    expect(resolveStackKey({}, {}, inherited, cwd)).toEqual(inherited);
    expect(resolveStackKey({}, {}, { configFile: '/elsewhere/c.yaml', sim: undefined }, cwd).sim).toBeUndefined();
    expect(resolveStackKey({ sim_time_scale: 0 }, {}, inherited, cwd).sim).toEqual({ timeScale: 0, faults: 'down=gpt-4' });
  });

  it('rejects bad environment values by name', () => {
    expect(() => resolveStackKey({}, { HYBRID_EVAL_SIM: 'maybe' })).toThrow(/HYBRID_EVAL_SIM must be 1 or 0, got "maybe"/);
    expect(() => resolveStackKey({}, { HYBRID_EVAL_SIM_TIME_SCALE: '-1' })).toThrow(/HYBRID_EVAL_SIM_TIME_SCALE must be a number >= 0/);
  });

  it('resolves relative paths from the working directory', () => {
    expect(resolveStackKey({ config: 'examples/sim.yaml' }, {}).configFile).toBe(resolve('examples/sim.yaml'));
  });
});

describe('parseOptions', () => {
  it('names the unknown or invalid key', () => {
    expect(() => parseOptions(providerConfigSchema, { config: 'x.yaml', endpiont: 'llama' }, 'provider "hybrid": config')).toThrow(
      'provider "hybrid": config: unknown key "endpiont"',
    );
    expect(() => parseOptions(judgeConfigSchema, { threshold: 7 }, 'judge: config')).toThrow(/judge: config\.threshold: .*5/);
  });

  it('accepts the basePath promptfoo adds and defaults the threshold', () => {
    expect(parseOptions(providerConfigSchema, { basePath: '/suites', endpoint: 'gpt4' }, 'p')).toMatchObject({ endpoint: 'gpt4' });
    expect(parseOptions(judgeConfigSchema, undefined, 'j').threshold).toBe(4);
  });
});
