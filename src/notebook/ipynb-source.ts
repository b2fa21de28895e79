import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import type { ChartSpec } from '../report/svg-chart.ts';
import type { Cell } from './parse.ts';

/** The cell magic that marks a SQL cell, for jupysql in a kernel and for hybrid-eval's runner alike. */
export const SQL_MAGIC = '%%sql';

const source = z.union([z.string(), z.array(z.string())]).transform((value) => (Array.isArray(value) ? value.join('') : value));
const metadata = z
  .looseObject({
    tags: z.array(z.string()).optional(),
    hybrid_eval: z.looseObject({ chart: z.record(z.string(), z.unknown()).optional() }).optional(),
  })
  .optional();

const ipynb = z.looseObject({
  nbformat: z.literal(4),
  nbformat_minor: z.int(),
  metadata: z.record(z.string(), z.unknown()),
  cells: z.array(
    z.looseObject({
      cell_type: z.enum(['markdown', 'code', 'raw']),
      id: z.string().optional(),
      source,
      metadata,
    }),
  ),
});

/**
 * An .ipynb as cells: markdown; code cells that start with %%sql (the SQL is what follows the
 * magic line); the code cell tagged `setup` (the kernel's connection, not run here). Any other
 * code cell is an error: the runner could not execute it, and a notebook that only half runs
 * would render stale or missing results.
 */
export function parseIpynb(text: string, file: string): Cell[] {
  let parsed: z.infer<typeof ipynb>;
  try {
    parsed = ipynb.parse(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${file}: not an nbformat 4 notebook: ${error instanceof z.ZodError ? z.prettifyError(error).split('\n').slice(0, 3).join('; ') : (error as Error).message}`);
  }
  return parsed.cells.flatMap((cell, index): Cell[] => {
    const id = cell.id;
    const tags = cell.metadata?.tags ?? [];
    const where = `${file} cell ${index + 1}`;
    if (cell.cell_type === 'raw') return [];
    if (cell.cell_type === 'markdown') return [{ kind: 'markdown', markdown: cell.source, ...(id === undefined ? {} : { id }) }];
    if (tags.includes('setup')) return [{ kind: 'setup', code: cell.source, tags, ...(id === undefined ? {} : { id }) }];
    // The runner inserts its own run cell; a stale one from an executed copy would be run twice.
    if (tags.includes('injected-parameters')) return [];
    const lines = cell.source.split('\n');
    if (lines[0]?.trim() !== SQL_MAGIC) {
      throw new UsageError(`${where}: a code cell must start with ${SQL_MAGIC} (or be tagged "setup"); hybrid-eval runs SQL cells only`);
    }
    const chart = cell.metadata?.hybrid_eval?.chart as ChartSpec | undefined;
    return [{ kind: 'sql', sql: lines.slice(1).join('\n'), line: index + 1, tags, where, ...(id === undefined ? {} : { id }), ...(chart === undefined ? {} : { chartSpec: chart }) }];
  });
}
