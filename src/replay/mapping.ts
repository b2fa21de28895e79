import type { FieldMappingConfig } from '../config/schema.ts';
import { parseFieldFlags, type FieldMapping } from '../ingest/field-mapping.ts';

/** flags > config > ingest's defaults (filled in by the reader, which knows which columns exist). */
export function mergeFieldMappings(fromConfig: FieldMappingConfig, flags: readonly string[]): FieldMapping {
  const configured = Object.fromEntries(Object.entries(fromConfig).filter(([, column]) => column !== undefined)) as FieldMapping;
  return { ...configured, ...parseFieldFlags(flags) };
}
