import type { FieldMapping } from './field-mapping.ts';
import type { LogFormat, LogSource } from './log-reader.ts';
import type { TurnMode } from './turns-reader.ts';

/** The dataset section of a config, as far as reading the log goes. */
export interface DatasetSettings {
  format?: LogFormat | undefined;
  table?: string | undefined;
  sql?: string | undefined;
  batch_output?: string | undefined;
  turns?: TurnMode | undefined;
}

/** flags > config: the LogSource for a replay, from the config's dataset section and the command's flags. */
export function logSourceFor(
  dataset: DatasetSettings,
  flags: { path: string; mapping: FieldMapping; format?: LogFormat | undefined; batchOutput?: string | undefined; turns?: TurnMode | undefined },
): LogSource {
  const source: LogSource = { path: flags.path, mapping: flags.mapping };
  const format = flags.format ?? dataset.format;
  const batchOutput = flags.batchOutput ?? dataset.batch_output;
  const turns = flags.turns ?? dataset.turns;
  if (format !== undefined) source.format = format;
  if (dataset.table !== undefined) source.table = dataset.table;
  if (dataset.sql !== undefined) source.sql = dataset.sql;
  if (batchOutput !== undefined) source.batchOutput = batchOutput;
  if (turns !== undefined) source.turns = turns;
  return source;
}
