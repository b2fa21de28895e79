import { initial } from './001-initial.ts';
import { analystViews } from './002-analyst-views.ts';
import type { Migration } from './migration.ts';

/** Every migration this binary knows, in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [initial, analystViews];
