import { z } from 'zod';
import { configSchema } from './schema.ts';

/** JSON Schema for editors (yaml-language-server: `# yaml-language-server: $schema=...`). */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
