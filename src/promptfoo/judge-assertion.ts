import { isTier } from '../core/tier.ts';
import { judgeContext } from '../judge/judge-context.ts';
import { promptRequest } from './messages.ts';
import { JUDGE_METADATA_KEY, METADATA_VERSION, PROVIDER_METADATA_KEY, providerMetadataSchema, type JudgeMetadataInput } from './metadata.ts';
import { judgeConfigSchema, parseOptions, resolveStackKey, type StackKey } from './options.ts';
import type { PromptfooAssertionContext, PromptfooGradingResult } from './promptfoo-types.ts';
import { displayPath, stackFor } from './stack.ts';

/** The named score promptfoo averages per provider: the judge's 1-5 score, as in hybrid-eval's database. */
export const NAMED_SCORE = 'judge_score_1_5';

/**
 * promptfoo `javascript` assertion: grades the output with hybrid-eval's judge and rubric (the
 * config's `judge`), against `vars.reference` when the test has one. pass = score >= threshold
 * (config.threshold, 1-5, default 4); promptfoo's score is the judge's scaled to 0-1
 * ((score - 1) / 4), the 1-5 score is the named score `judge_score_1_5`. A verdict the judge could
 * not give (unparseable, endpoint down) fails with score 0 and metadata.graderError, and is stored
 * as unscored / error, never as a number, on import.
 */
export default async function hybridEvalJudge(output: unknown, context: PromptfooAssertionContext = {}): Promise<PromptfooGradingResult> {
  const options = parseOptions(judgeConfigSchema, context.config, 'hybrid-eval judge assertion: config');
  const stack = stackFor(resolveStackKey(options, process.env, providerStack(context.metadata)));
  const vars = context.vars ?? {};
  const query = typeof vars.query === 'string' ? vars.query : (context.prompt ?? '');
  const reference = options.reference ?? (typeof vars.reference === 'string' && vars.reference !== '' ? vars.reference : undefined);
  if (reference !== undefined) await stack.addReference(query, reference, isTier(vars.tier) ? vars.tier : undefined);
  const judge = await stack.judge(options.rubric);
  const answer = typeof output === 'string' ? output : JSON.stringify(output);
  // A conversation prompt: the judge sees the earlier turns (cut to the config's budget), as in a replay.
  const conversation = context.prompt === undefined ? undefined : promptRequest(context.prompt, '').conversation;
  const shown = judgeContext(conversation, stack.config.judge.context_tokens);
  const { verdict, latencyMs } = await judge.grade({ query, answer, reference, ...(shown.text === undefined ? {} : { context: shown.text }) });
  const metadata = {
    [JUDGE_METADATA_KEY]: {
      version: METADATA_VERSION,
      spec: judge.spec,
      verdict,
      latencyMs,
      threshold: options.threshold,
      configFile: displayPath(stack.key.configFile),
      sim: stack.key.sim,
    } satisfies JudgeMetadataInput,
  };
  if (verdict.status !== 'scored') {
    return {
      pass: false,
      score: 0,
      reason: `${judge.spec.name} judge gave no score (${verdict.status}): ${verdict.reason}`,
      metadata: { ...metadata, graderError: true },
    };
  }
  return {
    pass: verdict.score >= options.threshold,
    score: (verdict.score - 1) / 4,
    reason: `${judge.spec.name} judge: ${verdict.score}/5 (passes at ${options.threshold}): ${verdict.reasoning}`,
    namedScores: { [NAMED_SCORE]: verdict.score },
    metadata,
  };
}

/** The judge grades with the stack the provider answered from, unless told otherwise. */
function providerStack(metadata: Record<string, unknown> | undefined): StackKey | undefined {
  const parsed = providerMetadataSchema.safeParse(metadata?.[PROVIDER_METADATA_KEY]);
  return parsed.success ? { configFile: parsed.data.configFile, sim: parsed.data.sim } : undefined;
}
