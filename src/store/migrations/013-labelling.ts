import type { Migration } from './migration.ts';

// Phase 1 labelling (`hybrid-eval label ...`). label_items keeps the original query text (it never
// leaves the database) next to the redacted text raters see; ratings, adjudications and the final
// label per item (the adjudicated label wins, else the raters' unanimous one) are views away.
export const labelling: Migration = {
  version: 13,
  name: 'labelling',
  sql: `
CREATE TABLE label_items (
  item_id         VARCHAR PRIMARY KEY,
  split           VARCHAR NOT NULL CHECK (split IN ('test', 'train')),
  round           INTEGER NOT NULL,
  selected_by     VARCHAR NOT NULL CHECK (selected_by IN ('random', 'margin', 'entropy')),
  uncertainty     DOUBLE,
  router_version  VARCHAR,
  probabilities   JSON,
  original_text   VARCHAR NOT NULL,
  display_text    VARCHAR NOT NULL,
  dedup_key       VARCHAR NOT NULL,
  duplicates      INTEGER NOT NULL,
  source_file     VARCHAR NOT NULL,
  source_line     INTEGER NOT NULL,
  source_query_id VARCHAR NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX label_items_dedup ON label_items (dedup_key);

CREATE TABLE label_ratings (
  item_id  VARCHAR NOT NULL,
  rater    VARCHAR NOT NULL,
  label    VARCHAR NOT NULL CHECK (label IN ('simple', 'medium', 'complex', 'skip')),
  rated_at TIMESTAMPTZ NOT NULL,
  source   VARCHAR NOT NULL CHECK (source IN ('page', 'import')),
  PRIMARY KEY (item_id, rater)
);

CREATE TABLE label_adjudications (
  item_id     VARCHAR PRIMARY KEY,
  label       VARCHAR NOT NULL CHECK (label IN ('simple', 'medium', 'complex')),
  adjudicator VARCHAR NOT NULL,
  reason      VARCHAR,
  decided_at  TIMESTAMPTZ NOT NULL
);

CREATE VIEW label_final AS
WITH votes AS (
  SELECT item_id, count(*) AS ratings, count(DISTINCT label) AS distinct_labels, min(label) AS only_label
  FROM label_ratings WHERE label <> 'skip' GROUP BY item_id
)
SELECT i.item_id, i.split, i.round, i.display_text,
       coalesce(v.ratings, 0) AS ratings,
       a.label AS adjudicated_label,
       CASE WHEN a.label IS NOT NULL THEN a.label WHEN v.distinct_labels = 1 THEN v.only_label END AS label,
       CASE WHEN a.label IS NOT NULL THEN 'adjudicated' WHEN v.distinct_labels = 1 THEN 'raters'
            WHEN v.distinct_labels > 1 THEN 'disputed' ELSE 'unlabelled' END AS status
FROM label_items i LEFT JOIN votes v USING (item_id) LEFT JOIN label_adjudications a USING (item_id);
`,
};
