/**
 * The kernel's first cell: jupysql over a native DuckDB connection, read-only. hybrid-eval's runner
 * never executes it (it has its own connection); an analyst's kernel does, and then runs the same
 * %%sql cells. HYBRID_EVAL_DB names the database; otherwise the first results/hybrid-eval.duckdb
 * found from the notebook's folder upwards.
 */
export const KERNEL_SETUP = `# Run interactively: pip install jupyterlab 'jupysql>=0.9' 'duckdb>=1.5'  (see notebooks/README.md). hybrid-eval skips this cell.
import os
from pathlib import Path
import duckdb

db = os.environ.get("HYBRID_EVAL_DB") or next(
    (str(folder / "results" / "hybrid-eval.duckdb") for folder in [Path.cwd(), *Path.cwd().parents]
     if (folder / "results" / "hybrid-eval.duckdb").exists()),
    "results/hybrid-eval.duckdb",
)
conn = duckdb.connect(db, read_only=True)
%load_ext sql
%sql conn --alias hybrid-eval
%config SqlMagic.displaylimit = 200`;

/** The cell a runner puts after the `parameters` cell (papermill's convention), naming the run. */
export function runParameterSql(runId: string): string {
  return `SET VARIABLE run_id = '${runId.replaceAll("'", "''")}';`;
}
