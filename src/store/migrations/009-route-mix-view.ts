import type { Migration } from './migration.ts';

// Router drift for analysts: the routed mix per day of the log's own timestamps, and how often
// the routed tier agrees with the human label, without joining raw tables.
export const routeMixView: Migration = {
  version: 9,
  name: 'route-mix-view',
  sql: `
CREATE VIEW route_mix_by_day AS
SELECT
  rt.run_id,
  CAST(try_cast(q.timestamp AS TIMESTAMPTZ) AS DATE) AS day,
  rt.policy,
  rt.router_version,
  rt.tier,
  count(*) AS n,
  count(rt.label) AS n_labelled,
  count(*) FILTER (WHERE rt.label = rt.tier) AS n_agree,
  count(*) FILTER (WHERE rt.label IS NOT NULL) AS n_with_label
FROM routes AS rt
JOIN queries AS q ON q.run_id = rt.run_id AND q.query_id = rt.query_id
GROUP BY ALL;
`,
};
