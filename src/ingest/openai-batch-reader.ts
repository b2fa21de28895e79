import { createReadStream } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import type { LoggedResponse } from '../core/conversation.ts';
import type { IngestItem } from '../core/query.ts';
import { parseChatRequest, parseChatResponse } from './chat-request.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import { describeValue, FieldProblem } from './field-problem.ts';
import type { PrepareHandler } from './record-handler.ts';
import { createRecordConverter, rejectItem, type ChatPart } from './record-to-item.ts';
import { splitLines } from './split-lines.ts';
import { MAX_JSONL_LINE_BYTES } from './jsonl-reader.ts';

/**
 * The OpenAI Batch API pair: an input file of `{custom_id, method, url, body}` lines (streamed)
 * and, optionally, its output file of `{id, custom_id, response: {status_code, body}, error}` lines,
 * joined by custom_id. The output file is read first into an index of the parsed responses (a few
 * hundred bytes each, so memory is bounded by the output file's size); input lines then stream.
 */

type OutputEntry = { line: number; response?: LoggedResponse; failure?: string };

export interface BatchOutputIndex {
  file: string;
  byId: Map<string, OutputEntry>;
  /** Output lines that could not be joined (bad JSON, no custom_id, a repeated custom_id). */
  rejects: IngestItem[];
}

export async function loadBatchOutput(file: string): Promise<BatchOutputIndex> {
  const byId = new Map<string, OutputEntry>();
  const rejects: IngestItem[] = [];
  let stream;
  try {
    stream = createReadStream(file);
    await new Promise<void>((resolve, reject) => {
      stream!.once('open', () => resolve());
      stream!.once('error', reject);
    });
  } catch {
    throw new UsageError(`batch output file not found: ${file}`);
  }
  for await (const entry of splitLines(stream, MAX_JSONL_LINE_BYTES)) {
    if ('tooLong' in entry) {
      rejects.push(rejectItem(file, entry.line, `line longer than ${MAX_JSONL_LINE_BYTES} bytes (${entry.tooLong.bytes} bytes)`, entry.tooLong.head));
      continue;
    }
    if (entry.text.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(entry.text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      record = parsed as Record<string, unknown>;
    } catch (error) {
      rejects.push(rejectItem(file, entry.line, `batch output: invalid JSON: ${(error as Error).message}`, entry.text));
      continue;
    }
    const id = record['custom_id'];
    if (typeof id !== 'string' || id === '') {
      rejects.push(rejectItem(file, entry.line, `batch output custom_id: expected a non-empty string, got ${describeValue(id)}`, entry.text));
      continue;
    }
    const first = byId.get(id);
    if (first !== undefined) {
      rejects.push(rejectItem(file, entry.line, `batch output: custom_id ${id} repeated (first at line ${first.line})`, entry.text));
      continue;
    }
    byId.set(id, outputEntry(record, entry.line));
  }
  return { file, byId, rejects };
}

function outputEntry(record: Record<string, unknown>, line: number): OutputEntry {
  const error = record['error'];
  if (error !== undefined && error !== null) {
    const message = typeof error === 'object' && typeof (error as Record<string, unknown>)['message'] === 'string' ? (error as Record<string, unknown>)['message'] : JSON.stringify(error);
    return { line, failure: `the batch call failed: ${String(message)}` };
  }
  const response = record['response'] as Record<string, unknown> | undefined;
  const status = response?.['status_code'];
  if (typeof status === 'number' && status !== 200) return { line, failure: `the batch call returned HTTP ${status}` };
  try {
    const parsed = parseChatResponse(response?.['body'], 'response.body');
    return parsed === undefined ? { line } : { line, response: parsed };
  } catch (problem) {
    if (problem instanceof FieldProblem) return { line, failure: `batch output line ${line}: ${problem.message}` };
    throw problem;
  }
}

function batchPart(record: Record<string, unknown>, output: BatchOutputIndex | undefined): ChatPart {
  const id = record['custom_id'];
  if (typeof id !== 'string' || id === '') throw new FieldProblem(id === '' ? 'custom_id: empty' : `custom_id: expected a non-empty string, got ${describeValue(id)}`);
  const url = record['url'];
  if (typeof url === 'string' && !url.endsWith('/chat/completions')) throw new FieldProblem(`url: ${url} is not a chat-completions call (/v1/chat/completions)`);
  const body = record['body'];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new FieldProblem(`body: expected the request body object, got ${describeValue(body)}`);
  const part: ChatPart = { request: parseChatRequest(body as Record<string, unknown>, 'body.'), logId: id };
  const joined = output?.byId.get(id);
  // A failed or missing batch call leaves the baseline unknown: it is called live, never taken as empty.
  if (joined?.response !== undefined) part.response = joined.response;
  return part;
}

export function openaiBatchHandler(file: string, mapping: ResolvedMapping, output: BatchOutputIndex | undefined): PrepareHandler {
  return () => () => {
    const convert = createRecordConverter(file, mapping);
    let first = true;
    return {
      *take(record) {
        if (first) {
          first = false;
          yield* output?.rejects ?? [];
        }
        yield convert(record.read, record.line, record.raw, { chat: () => batchPart(record.object ?? {}, output) });
      },
      finish: () => (first ? (output?.rejects ?? []) : []),
    };
  };
}
