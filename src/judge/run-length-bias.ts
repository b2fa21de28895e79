import { ROLES, type Role } from '../core/response.ts';
import type { Store } from '../store/types.ts';
import { answerLength, lengthBias, type LengthBias } from './length-bias.ts';

export interface RunLengthBias {
  all: LengthBias;
  byRole: Partial<Record<Role, LengthBias>>;
}

/**
 * Length bias of a stored run's single-answer judgments: the correlation of score with answer
 * length in words, over scored answers. By default the verdicts the analyst views show
 * (current_judgments); with `judgeName`, that judge's.
 */
export async function readRunLengthBias(store: Store, runId: string, judgeName?: string): Promise<RunLengthBias> {
  const source =
    judgeName === undefined
      ? `SELECT j.role, j.score, r.output FROM current_judgments AS j`
      : `SELECT j.role, j.score, r.output FROM judgments AS j`;
  const rows = await store.all<{ role: Role; score: number; output: string }>(
    `${source}
     JOIN responses AS r ON r.run_id = j.run_id AND r.query_id = j.query_id AND r.role = j.role
     WHERE j.run_id = $1 AND j.status = 'scored' AND r.output IS NOT NULL
       ${judgeName === undefined ? '' : `AND j.kind = 'single' AND j.judge_name = $2`}
     ORDER BY j.query_id, j.role`,
    judgeName === undefined ? [runId] : [runId, judgeName],
  );
  const items = rows.map((row) => ({ role: row.role, score: row.score, length: answerLength(row.output) }));
  const byRole: Partial<Record<Role, LengthBias>> = {};
  for (const role of ROLES) {
    const ofRole = items.filter((item) => item.role === role);
    if (ofRole.length > 0) byRole[role] = lengthBias(ofRole);
  }
  return { all: lengthBias(items), byRole };
}
