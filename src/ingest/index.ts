// Public surface for other modules. Files inside src/ingest import each other directly.
export { defaultMapping, LOG_FIELDS, parseFieldFlags } from './field-mapping.ts';
export type { FieldMapping, LogField } from './field-mapping.ts';
export { LOG_FORMATS } from './log-reader.ts';
export type { LogFormat, LogReader, LogSource } from './log-reader.ts';
export { detectFormat, openLog } from './open-log.ts';
