/** What the file's DuckDB storage format can hold, for DDL that depends on it. */
export interface StorageFeatures {
  /**
   * The column option for long free text (whole requests, answers): ` USING COMPRESSION zstd` where
   * the file's storage version has ZSTD for strings (v1.2 and later), '' otherwise. Forced, because
   * DuckDB's own choice for these columns is FSST, and a replay's checkpoints re-compress the
   * growing row group each time: FSST over 2 KB requests took most of a multi-turn replay's memory
   * and a fifth of its CPU (bench/RESULTS.md, "Multi-turn against single-turn requests").
   */
  longText: string;
}

/** One schema step. Applied migrations are frozen: change the schema with a new, higher version. */
export interface Migration {
  version: number;
  name: string;
  /**
   * The step's SQL. A function of the file's storage features only for physical options (column
   * compression): the logical schema a version creates is the same on every file.
   */
  sql: string | ((storage: StorageFeatures) => string);
}
