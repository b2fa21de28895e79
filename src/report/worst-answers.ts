import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import type { QueryFacts } from '../gate/metrics.ts';

/**
 * The `perTier` worst served answers of each tier: answers the judge could not score first (they
 * need a human most), then the lowest served score, then the largest loss against the baseline,
 * then query id, so that the choice is the same on every run of the report. Unknown scores sort
 * after known ones, as NULLs do in the analysts' SQL.
 *
 * This works on the facts the gate has already read: ranking the `pairs` view again in SQL was a
 * second pass over the run's joins (1.7 s of a 10 s gate over a million queries).
 */
export function worstServed(facts: Iterable<QueryFacts>, perTier: number): Array<{ tier: Tier; fact: QueryFacts }> {
  const kept = new Map<Tier, QueryFacts[]>(TIERS.map((tier) => [tier, []]));
  for (const fact of facts) {
    if (fact.tier === undefined) continue;
    const worst = kept.get(fact.tier)!;
    if (worst.length === perTier && compareWorst(fact, worst[worst.length - 1]!) >= 0) continue;
    let at = worst.length;
    while (at > 0 && compareWorst(fact, worst[at - 1]!) < 0) at--;
    worst.splice(at, 0, fact);
    if (worst.length > perTier) worst.pop();
  }
  return TIERS.flatMap((tier) => kept.get(tier)!.map((fact) => ({ tier, fact })));
}

/** Negative when `a` is worse (reported earlier) than `b`. */
export function compareWorst(a: QueryFacts, b: QueryFacts): number {
  return (
    Number(a.servedStatus === 'scored') - Number(b.servedStatus === 'scored') ||
    compareKnownFirst(a.servedScore, b.servedScore) ||
    compareKnownFirst(difference(a), difference(b)) ||
    (a.queryId < b.queryId ? -1 : a.queryId > b.queryId ? 1 : 0)
  );
}

function difference(fact: QueryFacts): number | undefined {
  return fact.servedScore === undefined || fact.baselineScore === undefined ? undefined : fact.servedScore - fact.baselineScore;
}

function compareKnownFirst(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0);
  return a - b;
}
