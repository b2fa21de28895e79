import type { Config } from '../config/schema.ts';
import type { Query } from '../core/query.ts';
import { redactOptionsFromConfig, sensitivityPolicyFromConfig } from '../privacy/config-schema.ts';
import { outboundJudgeInput, outboundText } from '../privacy/outbound.ts';
import { createRedactor } from '../privacy/redact.ts';
import { querySensitivity } from '../privacy/customer-text.ts';
import type { PairwiseWork, SingleWork } from './judge-work.ts';

/**
 * Re-judging follows the same privacy policy as the replay: an external judge never sees a
 * sensitive query, and sees everything else redacted (when redact_external is on). An on-prem
 * judge sees the text as stored.
 */
export function judgeWorkPrivacy(config: Config, judgeEndpoint: string, queries: readonly Query[]) {
  const external = config.endpoints[judgeEndpoint]?.on_prem !== true;
  const policy = sensitivityPolicyFromConfig(config.privacy);
  // Every user message and tool result of a multi-turn query, as the replay classified it.
  const sensitive = new Set(queries.filter((query) => querySensitivity(query, policy).sensitive).map((query) => query.queryId));
  const target = { withheld: false as const, endpoint: judgeEndpoint, redact: external && config.privacy.redact_external };
  const options = redactOptionsFromConfig(config.privacy);
  const allowed = (queryId: string): boolean => !(external && sensitive.has(queryId));
  return {
    /** Queries left out because their judge would be external. */
    withheld: external ? sensitive.size : 0,
    single(work: SingleWork[]): SingleWork[] {
      return work
        .filter((item) => allowed(item.queryId))
        .map((item) => ({ ...item, input: outboundJudgeInput(item.input, target, createRedactor(options)) }));
    },
    pairwise(work: PairwiseWork[]): PairwiseWork[] {
      return work.filter((item) => allowed(item.queryId)).map((item) => {
        // One redactor per comparison: the query, both answers and the reference share placeholder numbers.
        const redactor = createRedactor(options);
        const text = (value: string): string => outboundText(value, target, redactor);
        return {
          ...item,
          input: {
            ...item.input,
            query: text(item.input.query),
            candidate: text(item.input.candidate),
            baseline: text(item.input.baseline),
            reference: item.input.reference === undefined ? undefined : text(item.input.reference),
            ...(item.input.context === undefined ? {} : { context: text(item.input.context) }),
          },
        };
      });
    },
  };
}
