import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hybridEvalJudge, { NAMED_SCORE } from './judge-assertion.ts';
import { judgeMetadataSchema } from './metadata.ts';
import { closeStacks } from './stack.ts';

const REFERENCE =
  'Our customer service team is available Monday to Friday from 8am to 8pm Eastern Time. On Saturdays we are open from 9am to 5pm Eastern Time, and we are closed on Sundays and public holidays.';
const QUERY = 'What are your customer service hours?';
const vars = { query: QUERY, tier: 'simple', reference: REFERENCE };

// The judge reads process.env (promptfoo gives assertions no env of their own): keep it on the sim.
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const name of ['HYBRID_EVAL_CONFIG', 'HYBRID_EVAL_SIM', 'HYBRID_EVAL_SIM_TIME_SCALE', 'HYBRID_EVAL_SIM_FAULTS']) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
});
afterAll(async () => {
  Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, value]) => value !== undefined)));
  await closeStacks();
});

describe('hybrid-eval judge assertion', () => {
  it('passes a correct answer: score 1 on promptfoo scale, 5 as the named score, the verdict in metadata', async () => {
    const result = await hybridEvalJudge(`Happy to help. ${REFERENCE}`, { vars, config: { config: 'examples/sim.yaml' } });
    expect(result).toMatchObject({ pass: true, score: 1, namedScores: { [NAMED_SCORE]: 5 } });
    expect(result.reason).toMatch(/^support-single judge: 5\/5 \(passes at 4\): /);
    const judge = judgeMetadataSchema.parse(result.metadata?.hybrid_eval_judge);
    expect(judge).toMatchObject({
      spec: { name: 'support-single', rubric: 'support-single', rubricVersion: '1.1', model: 'gpt-4' },
      verdict: { status: 'scored', score: 5 },
      threshold: 4,
      configFile: 'examples/sim.yaml',
      sim: { timeScale: 0 },
    });
  });

  it('fails an answer below the threshold and scales its score to 0-1', async () => {
    const result = await hybridEvalJudge('We are open Monday to Friday from 9am to 3pm.', { vars });
    expect(result.pass).toBe(false);
    const score = judgeMetadataSchema.parse(result.metadata?.hybrid_eval_judge).verdict;
    expect(score.status).toBe('scored');
    if (score.status === 'scored') {
      expect(score.score).toBeLessThan(4);
      expect(result.score).toBe((score.score - 1) / 4);
      expect(result.namedScores).toEqual({ [NAMED_SCORE]: score.score });
    }
  });

  it('applies config.threshold', async () => {
    const answer = 'We are open Monday to Friday from 9am to 3pm.';
    expect((await hybridEvalJudge(answer, { vars, config: { threshold: 1 } })).pass).toBe(true);
  });

  it('grades with the stack the provider answered from (from its metadata)', async () => {
    const metadata = {
      hybrid_eval: {
        version: 1,
        kind: 'hybrid',
        role: 'candidate',
        configFile: 'examples/sim.yaml',
        sim: { timeScale: 0, faults: 'down=llama-3-70b' },
        calls: [{ role: 'candidate', endpoint: 'llama', model: 'llama-3-70b', status: 'ok', attempts: 1, startedAt: new Date().toISOString() }],
      },
    };
    const result = await hybridEvalJudge(REFERENCE, { vars, metadata });
    expect(judgeMetadataSchema.parse(result.metadata?.hybrid_eval_judge).sim).toEqual({ timeScale: 0, faults: 'down=llama-3-70b' });
  });

  it('fails without a number when the judge cannot score (stored as unscored on import)', async () => {
    const result = await hybridEvalJudge(REFERENCE, { vars, config: { sim_faults: 'bad_json=1' } });
    expect(result).toMatchObject({ pass: false, score: 0, metadata: { graderError: true } });
    expect(result.namedScores).toBeUndefined();
    expect(result.reason).toMatch(/^support-single judge gave no score \(unscored\): after one repair/);
    expect(judgeMetadataSchema.parse(result.metadata?.hybrid_eval_judge).verdict.status).toBe('unscored');
  });

  it('rejects an unknown option by name', async () => {
    await expect(hybridEvalJudge('x', { vars, config: { treshold: 3 } })).rejects.toThrow('hybrid-eval judge assertion: config: unknown key "treshold"');
  });
});
