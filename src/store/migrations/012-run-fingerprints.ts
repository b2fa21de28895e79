import type { Migration } from './migration.ts';

// What defines a run (replay/run-fingerprint.ts), so --resume can refuse a different config; and every
// resume that went ahead with a different one (--force-resume), with what differed. Keyed, so that
// `merge` (INSERT OR IGNORE) stays idempotent.
export const runFingerprints: Migration = {
  version: 12,
  name: 'run-fingerprints',
  sql: `
CREATE TABLE run_fingerprints (
  run_id      VARCHAR PRIMARY KEY,
  fingerprint JSON NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE run_forced_resumes (
  run_id          VARCHAR NOT NULL,
  resumed_at      TIMESTAMPTZ NOT NULL,
  differences     JSON NOT NULL,
  old_fingerprint JSON NOT NULL,
  new_fingerprint JSON NOT NULL,
  PRIMARY KEY (run_id, resumed_at)
);
`,
};
