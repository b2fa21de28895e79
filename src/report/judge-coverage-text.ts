import { describeCoverage, describeOnpremJudge } from '../gate/judge-coverage.ts';
import { describeHumanReplies } from '../gate/human-replies.ts';
import type { RunMetrics } from '../gate/metrics.ts';
import type { Tier } from '../core/tier.ts';

/** "n judged of m served" for a tier's quality row (the coverage check's own words). */
export function coverageCell(metrics: RunMetrics, tier: Tier): string {
  const coverage = metrics.coverage?.find((row) => row.tier === tier);
  return coverage === undefined ? 'not read' : `${coverage.judged} of ${coverage.served}`;
}

/** Per-tier coverage and who judged the sensitive answers, as sentences for both report formats. */
export function judgeCoverageSentences(metrics: RunMetrics): string[] {
  const lines = (metrics.coverage ?? []).filter((row) => row.served > 0).map((row) => `${describeCoverage(row)}.`);
  const sensitive = (metrics.coverage ?? []).reduce((sum, row) => sum + row.sensitive, 0);
  const evidence = metrics.onpremJudge;
  if (evidence !== undefined && !('absent' in evidence)) {
    lines.push(`${sensitive} sensitive answers were judged on the premises. Its measured agreement: ${describeOnpremJudge(evidence)}.`);
  } else if (sensitive > 0) {
    lines.push(`${sensitive} sensitive answers; on-prem judge agreement: ${evidence === undefined ? 'not read' : evidence.absent}.`);
  }
  if (metrics.humanReplies !== undefined) lines.push(`${describeHumanReplies(metrics.humanReplies)}.`);
  return lines;
}
