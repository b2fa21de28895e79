/** One schema step. Applied migrations are frozen: change the schema with a new, higher version. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
