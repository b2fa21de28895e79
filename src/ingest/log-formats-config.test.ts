import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { LOG_FIELDS } from './field-mapping.ts';
import { LOG_FORMATS } from './log-reader.ts';
import { TURN_MODES } from './turns-reader.ts';

// The config schema spells the formats, turn modes and fields out (config imports nothing from the
// stages); this keeps the two lists the same.
describe('config schema and ingest agree', () => {
  it('names the same formats, turn modes and mapped fields', () => {
    const dataset = configSchema.shape.dataset;
    expect(dataset.shape.format.unwrap().options).toEqual([...LOG_FORMATS]);
    expect(dataset.shape.turns.unwrap().options).toEqual([...TURN_MODES]);
    expect(Object.keys(dataset.shape.fields.unwrap().shape)).toEqual([...LOG_FIELDS]);
  });
});
