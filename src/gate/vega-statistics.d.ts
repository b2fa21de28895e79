// vega-statistics ships no types; these are the two functions the gate uses (normal CDF and probit).
declare module 'vega-statistics' {
  export function cumulativeNormal(value: number, mean?: number, stdev?: number): number;
  export function quantileNormal(probability: number, mean?: number, stdev?: number): number;
}
