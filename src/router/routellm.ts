/**
 * RouteLLM's measures for a binary router (weak vs strong model), from a run where both models
 * answered every query and both answers were judged (e.g. `routing.policy: fixed` to the weak
 * model, with the strong model as the shadow baseline).
 *
 * The router sends a query to the strong model when its score (here 1 - P(weak tier)) is at or
 * above a threshold. Sweeping the threshold traces quality against the share of strong calls.
 *   PGR (performance gap recovered) = (quality - weak) / (strong - weak)
 *   CPT(x) (call-performance threshold) = the smallest share of strong calls that reaches PGR x
 *   APGR = the area under PGR over the strong-call share from 0 to 1
 * (Ong et al., "RouteLLM: Learning to Route LLMs with Preference Data", 2024.)
 */
export interface BothJudged {
  /** How strongly the router wants the strong model (higher: more). */
  strongScore: number;
  weakQuality: number;
  strongQuality: number;
}

export interface CurvePoint {
  threshold: number;
  strongShare: number;
  quality: number;
  pgr: number | undefined;
}

export interface RouteLlmMeasures {
  n: number;
  weakQuality: number;
  strongQuality: number;
  curve: CurvePoint[];
  /** undefined when the gap is zero or negative (nothing to recover). */
  cpt50: number | undefined;
  cpt80: number | undefined;
  apgr: number | undefined;
}

export function routeLlmMeasures(items: readonly BothJudged[]): RouteLlmMeasures {
  const n = items.length;
  if (n === 0) throw new RangeError('no queries with both models judged');
  const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
  const weakQuality = mean(items.map((item) => item.weakQuality));
  const strongQuality = mean(items.map((item) => item.strongQuality));
  const gap = strongQuality - weakQuality;
  // Most strong-wanting first: sending the top k to the strong model is threshold = their k-th score.
  const sorted = [...items].sort((a, b) => b.strongScore - a.strongScore);
  const curve: CurvePoint[] = [{ threshold: Number.POSITIVE_INFINITY, strongShare: 0, quality: weakQuality, pgr: gap > 0 ? 0 : undefined }];
  let total = items.reduce((sum, item) => sum + item.weakQuality, 0);
  for (let k = 0; k < n; k++) {
    const item = sorted[k]!;
    total += item.strongQuality - item.weakQuality;
    // Only a point where the threshold changes is reachable (ties move together).
    if (k + 1 < n && sorted[k + 1]!.strongScore === item.strongScore) continue;
    const quality = total / n;
    curve.push({ threshold: item.strongScore, strongShare: (k + 1) / n, quality, pgr: gap > 0 ? (quality - weakQuality) / gap : undefined });
  }
  const cpt = (target: number): number | undefined =>
    gap > 0 ? curve.find((point) => point.pgr !== undefined && point.pgr >= target)?.strongShare : undefined;
  let apgr: number | undefined;
  if (gap > 0) {
    apgr = 0;
    for (let i = 1; i < curve.length; i++) {
      const previous = curve[i - 1]!;
      const point = curve[i]!;
      apgr += ((point.strongShare - previous.strongShare) * (previous.pgr! + point.pgr!)) / 2;
    }
  }
  return { n, weakQuality, strongQuality, curve, cpt50: cpt(0.5), cpt80: cpt(0.8), apgr };
}
