import type { Migration } from './migration.ts';

// The on-prem judge (issue 15). Sensitive queries never leave the premises, so their answers are
// graded by an on-prem judge (privacy.sensitive.judge, e.g. Llama-as-judge). That judge is trusted
// only as far as it is measured: after each replay it also grades a sample of NON-sensitive answers
// that the main (GPT-4) judge already graded, and the two are compared.
//
// judge_crosschecks: one row per sampled answer: the on-prem judge's verdict beside the main
//   judge's score. Kept out of `judgments` on purpose: a second verdict on a non-sensitive answer
//   must never become the answer's current judgment (current_judgments takes the latest row).
// onprem_judge_agreement: per run and on-prem judge, the measured agreement (quadratic-weighted
//   kappa, mean score bias = on-prem minus main, exact and within-one rates) over the scored pairs.
//   NULL figures are undefined (too few pairs, no variation), never 0.
export const onpremJudge: Migration = {
  version: 11,
  name: 'onprem-judge',
  sql: `
CREATE TABLE judge_crosschecks (
  run_id               VARCHAR NOT NULL,
  query_id             VARCHAR NOT NULL,
  role                 VARCHAR NOT NULL,
  judge_name           VARCHAR NOT NULL,
  judge_endpoint       VARCHAR NOT NULL,
  judge_model          VARCHAR NOT NULL,
  status               VARCHAR NOT NULL CHECK (status IN ('scored', 'unscored', 'error')),
  score                DOUBLE,
  reason               VARCHAR,
  reference_judge_name VARCHAR NOT NULL,
  reference_score      DOUBLE NOT NULL,
  created_at           TIMESTAMPTZ NOT NULL,
  CHECK ((status = 'scored') = (score IS NOT NULL)),
  PRIMARY KEY (run_id, query_id, role, judge_name)
);

CREATE TABLE onprem_judge_agreement (
  run_id               VARCHAR NOT NULL,
  judge_name           VARCHAR NOT NULL,
  judge_endpoint       VARCHAR NOT NULL,
  judge_model          VARCHAR NOT NULL,
  reference_judge_name VARCHAR NOT NULL,
  reference_model      VARCHAR,
  sample_rate          DOUBLE NOT NULL,
  n_sampled            INTEGER NOT NULL,
  n                    INTEGER NOT NULL,
  weighted_kappa       DOUBLE,
  mean_bias            DOUBLE,
  exact                DOUBLE,
  within_one           DOUBLE,
  computed_at          TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, judge_name)
);
`,
};
