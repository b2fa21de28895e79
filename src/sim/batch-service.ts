import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeAnswer } from './answer.ts';
import { createFileStore, fileObject, parseUpload, type SimFile } from './batch-files.ts';
import { simJudgeFormat, simJudgeReply } from './judge.ts';
import { resolveModel } from './models.ts';
import { completionBody, errorBody, estimateTokens, usage } from './protocol.ts';
import { isValidatorRequest, simValidatorReply } from './validator.ts';
import type { KnownReference } from './answer.ts';

// The sim's OpenAI Batch API: POST /v1/files, GET /v1/files/{id}[/content], POST /v1/batches,
// GET /v1/batches/{id}, POST /v1/batches/{id}/cancel. A batch goes validating -> in_progress ->
// finalizing -> completed in the background (timers), answering each line as the chat endpoint
// would (judge requests included), without faults; its output file is OpenAI's batch output JSONL.

export interface BatchServiceOptions {
  /** From creation to completed, in milliseconds; split 10% validating, 80% in progress, 10% finalizing. */
  batchMs: number;
  lookup(query: string): KnownReference | undefined;
  /** The simulated validator's skill for a model, as the chat endpoint uses it (`validate --batch`). */
  validatorSkill(model: string): number;
}

export interface BatchService {
  /** Handles a /v1/files or /v1/batches request; returns the HTTP status sent. */
  handle(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: Buffer): Promise<number>;
  close(): void;
}

export function isBatchPath(path: string): boolean {
  return path === '/v1/files' || path.startsWith('/v1/files/') || path === '/v1/batches' || path.startsWith('/v1/batches/');
}

type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

interface SimBatch {
  id: string;
  status: BatchStatus;
  endpoint: string;
  completionWindow: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  times: Partial<Record<'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'cancelling_at' | 'cancelled_at', number>>;
  outputFileId: string | undefined;
  errorFileId: string | undefined;
  errors: { object: 'list'; data: { code: string; message: string; param: string | null; line: number | null }[] } | null;
  counts: { total: number; completed: number; failed: number };
}

const ENDPOINT = '/v1/chat/completions';

export function createBatchService(options: BatchServiceOptions): BatchService {
  const files = createFileStore();
  const batches = new Map<string, SimBatch>();
  const timers = new Set<NodeJS.Timeout>();
  let sequence = 0;
  let closed = false;
  const nextId = (prefix: string): string => `${prefix}${(++sequence).toString(36).padStart(6, '0')}`;
  const seconds = (): number => Math.floor(Date.now() / 1000);

  function later(ms: number, task: () => void): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      task();
    }, Math.max(0, ms));
    timers.add(timer);
  }

  function validate(batch: SimBatch): void {
    if (batch.status !== 'validating') return;
    const input = files.get(batch.inputFileId)!;
    const problems: { code: string; message: string; param: string | null; line: number | null }[] = [];
    const lines = input.bytes.toString('utf8').split('\n').map((line) => line.trim());
    const requests: { customId: string; body: Record<string, unknown> }[] = [];
    const seen = new Set<string>();
    lines.forEach((line, index) => {
      if (line === '') return;
      let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        problems.push({ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', param: null, line: index + 1 });
        return;
      }
      if (typeof parsed.custom_id !== 'string' || parsed.custom_id === '') {
        problems.push({ code: 'missing_required_parameter', message: 'Missing custom_id.', param: 'custom_id', line: index + 1 });
      } else if (seen.has(parsed.custom_id)) {
        problems.push({ code: 'duplicate_custom_id', message: `The custom_id ${parsed.custom_id} is used more than once.`, param: 'custom_id', line: index + 1 });
      } else if (parsed.method !== 'POST' || parsed.url !== batch.endpoint) {
        problems.push({ code: 'invalid_request', message: `Each line must be a POST to ${batch.endpoint}.`, param: 'url', line: index + 1 });
      } else if (typeof parsed.body !== 'object' || parsed.body === null) {
        problems.push({ code: 'missing_required_parameter', message: 'Missing body.', param: 'body', line: index + 1 });
      } else {
        seen.add(parsed.custom_id);
        requests.push({ customId: parsed.custom_id, body: parsed.body as Record<string, unknown> });
      }
    });
    if (requests.length === 0 && problems.length === 0) problems.push({ code: 'empty_file', message: 'The input file has no requests.', param: null, line: null });
    if (problems.length > 0) {
      batch.status = 'failed';
      batch.times.failed_at = seconds();
      batch.errors = { object: 'list', data: problems };
      return;
    }
    batch.status = 'in_progress';
    batch.times.in_progress_at = seconds();
    batch.counts.total = requests.length;
    later(options.batchMs * 0.8, () => processLines(batch, requests));
  }

  function processLines(batch: SimBatch, requests: { customId: string; body: Record<string, unknown> }[]): void {
    if (batch.status !== 'in_progress') return;
    const outputs: string[] = [];
    const errors: string[] = [];
    for (const request of requests) {
      const answer = completeLine(request.body, options, nextId('chatcmpl-simb'));
      const line = JSON.stringify({
        id: nextId('batch_req_sim'),
        custom_id: request.customId,
        response: { status_code: answer.status, request_id: nextId('req_sim'), body: answer.body },
        error: null,
      });
      if (answer.status === 200) {
        outputs.push(line);
        batch.counts.completed++;
      } else {
        errors.push(line);
        batch.counts.failed++;
      }
    }
    batch.status = 'finalizing';
    batch.times.finalizing_at = seconds();
    later(options.batchMs * 0.1, () => {
      if (batch.status !== 'finalizing') return;
      // OpenAI creates an output file only when some request succeeded, an error file only when some failed.
      if (outputs.length > 0) batch.outputFileId = files.add(Buffer.from(`${outputs.join('\n')}\n`), `${batch.id}_output.jsonl`, 'batch_output').id;
      if (errors.length > 0) batch.errorFileId = files.add(Buffer.from(`${errors.join('\n')}\n`), `${batch.id}_error.jsonl`, 'batch_output').id;
      batch.status = 'completed';
      batch.times.completed_at = seconds();
    });
  }

  function send(res: ServerResponse, status: number, body: unknown): number {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return status;
  }
  const fail = (res: ServerResponse, status: number, message: string, param: string | null = null, code: string | null = null): number =>
    send(res, status, errorBody(message, 'invalid_request_error', code, param));

  async function handle(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: Buffer): Promise<number> {
    if (method === 'POST' && path === '/v1/files') {
      const upload = await parseUpload(req.headers['content-type'], body);
      if (!upload.ok) return fail(res, 400, upload.message, upload.param);
      if (upload.purpose === 'batch' && !upload.filename.endsWith('.jsonl')) return fail(res, 400, 'Batch input files must be .jsonl.', 'file');
      return send(res, 200, fileObject(files.add(upload.bytes, upload.filename, upload.purpose)));
    }
    const fileMatch = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (method === 'GET' && fileMatch) {
      const file: SimFile | undefined = files.get(decodeURIComponent(fileMatch[1]!));
      if (file === undefined) return fail(res, 404, `No such File object: ${fileMatch[1]}`, 'id');
      if (fileMatch[2] === undefined) return send(res, 200, fileObject(file));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      res.end(file.bytes);
      return 200;
    }
    if (method === 'POST' && path === '/v1/batches') {
      let params: Record<string, unknown>;
      try {
        params = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return fail(res, 400, 'We could not parse the JSON body of your request.');
      }
      const input = typeof params.input_file_id === 'string' ? files.get(params.input_file_id) : undefined;
      if (input === undefined) return fail(res, 400, `Invalid input_file_id: ${String(params.input_file_id)}`, 'input_file_id');
      if (input.purpose !== 'batch') return fail(res, 400, `File ${input.id} was not uploaded for purpose 'batch'.`, 'input_file_id');
      if (params.endpoint !== ENDPOINT) return fail(res, 400, `The sim's batches support only ${ENDPOINT}.`, 'endpoint');
      if (params.completion_window !== '24h') return fail(res, 400, "completion_window must be '24h'.", 'completion_window');
      const batch: SimBatch = {
        id: nextId('batch_sim'),
        status: 'validating',
        endpoint: ENDPOINT,
        completionWindow: '24h',
        inputFileId: input.id,
        metadata: (params.metadata as Record<string, string> | undefined) ?? null,
        createdAt: seconds(),
        times: {},
        outputFileId: undefined,
        errorFileId: undefined,
        errors: null,
        counts: { total: 0, completed: 0, failed: 0 },
      };
      batches.set(batch.id, batch);
      later(options.batchMs * 0.1, () => validate(batch));
      return send(res, 200, batchObject(batch));
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (batchMatch) {
      const batch = batches.get(decodeURIComponent(batchMatch[1]!));
      if (batch === undefined) return fail(res, 404, `No batch found with id '${batchMatch[1]}'.`, 'batch_id', 'not_found');
      if (method === 'GET' && batchMatch[2] === undefined) return send(res, 200, batchObject(batch));
      if (method === 'POST' && batchMatch[2] !== undefined) {
        if (batch.status === 'validating' || batch.status === 'in_progress' || batch.status === 'finalizing') {
          batch.status = 'cancelling';
          batch.times.cancelling_at = seconds();
          later(options.batchMs * 0.1, () => {
            batch.status = 'cancelled';
            batch.times.cancelled_at = seconds();
          });
        }
        return send(res, 200, batchObject(batch));
      }
    }
    return fail(res, 404, `Unknown request URL: ${method} ${path}.`, null, 'unknown_url');
  }

  return {
    handle,
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

function batchObject(batch: SimBatch): object {
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors,
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId ?? null,
    error_file_id: batch.errorFileId ?? null,
    created_at: batch.createdAt,
    in_progress_at: batch.times.in_progress_at ?? null,
    expires_at: batch.createdAt + 24 * 3600,
    finalizing_at: batch.times.finalizing_at ?? null,
    completed_at: batch.times.completed_at ?? null,
    failed_at: batch.times.failed_at ?? null,
    expired_at: null,
    cancelling_at: batch.times.cancelling_at ?? null,
    cancelled_at: batch.times.cancelled_at ?? null,
    request_counts: batch.counts,
    metadata: batch.metadata,
  };
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof (part as { text?: unknown })?.text === 'string' ? (part as { text: string }).text : '')).join('');
  return '';
}

/** One batch line's chat completion, as the chat endpoint would answer it (without faults or latency). */
export function completeLine(body: Record<string, unknown>, options: Pick<BatchServiceOptions, 'lookup' | 'validatorSkill'>, id: string): { status: number; body: unknown } {
  const { lookup } = options;
  const requested = body.model;
  if (typeof requested !== 'string' || requested === '') return { status: 400, body: errorBody('you must provide a model parameter', 'invalid_request_error', null, 'model') };
  const model = resolveModel(requested);
  if (!model) return { status: 404, body: errorBody(`The model \`${requested}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found') };
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  if (messages.length === 0) return { status: 400, body: errorBody("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages') };
  const userTexts = messages.filter((message) => message?.role === 'user').map((message) => messageText(message.content));
  const format = simJudgeFormat(body.response_format);
  const content = isValidatorRequest(body.response_format)
    ? simValidatorReply(userTexts.join('\n'), options.validatorSkill(model), (query) => lookup(query)?.reference)
    : format
      ? simJudgeReply(format, userTexts.join('\n'), (query) => lookup(query)?.reference, model)
      : composeAnswer(model, userTexts.at(-1) ?? '', lookup(userTexts.at(-1) ?? '')).text;
  const prompt = messages.map((message) => messageText(message.content)).join('\n');
  return {
    status: 200,
    body: completionBody({ id, created: Math.floor(Date.now() / 1000), model: requested }, content, 'stop', usage(estimateTokens(prompt), estimateTokens(content))),
  };
}
