import { initial } from './001-initial.ts';
import { analystViews } from './002-analyst-views.ts';
import { judge } from './003-judge.ts';
import { spotcheck } from './004-spotcheck.ts';
import { routerEvals } from './005-router-evals.ts';
import { gateViews } from './006-gate-views.ts';
import { privacy } from './008-privacy.ts';
import { routeMixView } from './009-route-mix-view.ts';
import { conversations } from './010-conversations.ts';
import { onpremJudge } from './011-onprem-judge.ts';
import { runFingerprints } from './012-run-fingerprints.ts';
import { labelling } from './013-labelling.ts';
import { cascade } from './014-cascade.ts';
import { loadtestCapacity } from './015-loadtest-capacity.ts';
import { selectedRun } from './016-selected-run.ts';
import { humanReplies } from './017-human-replies.ts';
import type { Migration } from './migration.ts';

/** Every migration this binary knows, in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [initial, analystViews, judge, spotcheck, routerEvals, gateViews, privacy, routeMixView, conversations, onpremJudge, runFingerprints, labelling, cascade, loadtestCapacity, selectedRun, humanReplies];
