import type { Migration } from './migration.ts';

// `hybrid-eval router eval` results, one row per evaluation, so router versions can be compared
// over time next to the runs they routed.
export const routerEvals: Migration = {
  version: 5,
  name: 'router-evals',
  sql: `
CREATE TABLE router_evals (
  eval_id        VARCHAR PRIMARY KEY,
  created_at     TIMESTAMPTZ NOT NULL,
  router_version VARCHAR NOT NULL,
  model_dir      VARCHAR NOT NULL,
  data_file      VARCHAR NOT NULL,
  n              INTEGER NOT NULL,
  accuracy       DOUBLE NOT NULL,
  complex_recall DOUBLE,
  ece            DOUBLE,
  misroute_cost  DOUBLE,
  latency_p50_us DOUBLE,
  latency_p99_us DOUBLE,
  metrics_json   JSON NOT NULL
);
`,
};
