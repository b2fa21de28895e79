// The shared implementation: ties share their average rank (see src/stats/correlation.ts).
export { averageRanks, spearman } from '../stats/correlation.ts';
