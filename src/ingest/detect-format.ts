import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { documentSelector } from './json-document-reader.ts';
import { JsonScanner, ScanError } from './json-scanner.ts';

/**
 * Where records come from (the container) and what they mean (the shape). The container follows
 * the extension, and for JSON the content: a first line that parses on its own is JSONL, else one
 * JSON document. The shape follows the first record: `resourceSpans` -> otel, `custom_id` with a
 * `body` -> openai-batch, `messages` (or `request.messages`) -> openai-chat, `conversation_id`, `turn`,
 * `role` and `content` without `query` -> turns, anything else flat rows.
 * Tables (CSV, Parquet, DuckDB) are flat unless their columns are a turn table's (decided in open-log).
 */
export type Container = 'jsonl' | 'json' | 'csv' | 'parquet' | 'duckdb';
export type Shape = 'flat' | 'openai-chat' | 'openai-batch' | 'otel' | 'turns';

const CONTAINER_BY_EXTENSION: Record<string, Container> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.duckdb': 'duckdb',
  '.db': 'duckdb',
  '.json': 'json',
};

/** How far the sniffing reads: enough for the first record of any sane log. */
const SNIFF_BYTES = 4 * 1024 * 1024;
const SNIFF_LINES = 100;

export function containerFromExtension(path: string): Container | undefined {
  return CONTAINER_BY_EXTENSION[extname(path).toLowerCase()];
}

export const KNOWN_EXTENSIONS = Object.keys(CONTAINER_BY_EXTENSION);

async function head(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function shapeOf(record: unknown): Shape {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'flat';
  const object = record as Record<string, unknown>;
  if (Array.isArray(object['resourceSpans']) || Array.isArray(object['scopeSpans']) || Array.isArray(object['instrumentationLibrarySpans'])) return 'otel';
  if (typeof object['custom_id'] === 'string' && typeof object['body'] === 'object' && object['body'] !== null) return 'openai-batch';
  const request = object['request'];
  // A `messages` key of any type: a broken one is then a reject naming it, not a flat row without a query.
  if ('messages' in object || (typeof request === 'object' && request !== null && 'messages' in request)) return 'openai-chat';
  if (typeof object['spanId'] === 'string' && Array.isArray(object['attributes'])) return 'otel';
  // Turn rows exported as JSON: the default column names, and no query of their own.
  if (['conversation_id', 'turn', 'role', 'content'].every((key) => key in object) && !('query' in object)) return 'turns';
  return 'flat';
}

export interface JsonSniff {
  container: 'jsonl' | 'json';
  /** The first record's shape (flat when no record could be read). */
  shape: Shape;
  /** For a JSON document holding one OTLP export: its spans are the records. */
  otlpDocument: boolean;
}

/** Reads the head of a JSON or JSONL file to tell its container (unless `jsonl` says it) and shape. */
export async function sniffJson(path: string, jsonl = false): Promise<JsonSniff> {
  const bytes = await head(path);
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x0a || bytes[start] === 0x0d || bytes[start] === 0x09)) start++;
  if (start >= bytes.length) {
    if (jsonl) return { container: 'jsonl', shape: 'flat', otlpDocument: false };
    throw new UsageError(`${path}: empty file, no records`);
  }
  const first = String.fromCharCode(bytes[start]!);
  if (!jsonl && first !== '{' && first !== '[') throw new UsageError(`${path}: not JSON or JSONL (starts with '${first}')`);
  if (jsonl || first === '{') {
    const lines = bytes.subarray(start).toString('utf8').split('\n');
    const firstLine = lines[0]!;
    let firstParses = true;
    try {
      JSON.parse(firstLine);
    } catch {
      firstParses = false;
    }
    if (jsonl || firstParses) {
      // JSONL: the first line that parses decides (an early broken line is a reject, not a format).
      for (const line of lines.slice(0, SNIFF_LINES)) {
        try {
          return { container: 'jsonl', shape: shapeOf(JSON.parse(line)), otlpDocument: false };
        } catch {
          // next line
        }
      }
      return { container: 'jsonl', shape: 'flat', otlpDocument: false };
    }
  }
  // One JSON document: its first record, found by the same splitter the reader uses.
  const scanner = new JsonScanner(documentSelector('records'));
  let record: unknown;
  try {
    const values = scanner.push(bytes);
    if (values.length === 0 && bytes.length < SNIFF_BYTES) scanner.end();
    if (values[0] !== undefined) record = JSON.parse(values[0].text);
  } catch (error) {
    if (error instanceof ScanError) throw new UsageError(`${path}:${error.line}: not a JSON document or JSONL: ${error.message}`);
    if (error instanceof SyntaxError) return { container: 'json', shape: 'flat', otlpDocument: false };
    throw error;
  }
  if (record === undefined) throw new UsageError(`${path}: no records: expected a JSON array of objects, or an object holding one under a key`);
  const shape = shapeOf(record);
  // The records selector picked the `resourceSpans` array of an export: read its spans instead.
  const otlpDocument = first === '{' && shape === 'otel' && typeof record === 'object' && record !== null && !Array.isArray((record as Record<string, unknown>)['resourceSpans']);
  return { container: 'json', shape, otlpDocument };
}
