import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tier } from '../core/tier.ts';
import { createRandom, hashString } from '../datasets/random.ts';
import type { Random } from '../datasets/random.ts';
import { composeAnswer } from './answer.ts';
import { downMode, drawFault, NO_FAULTS } from './fault-spec.ts';
import type { FaultKind, FaultSpec } from './fault-spec.ts';
import { createBatchService, isBatchPath } from './batch-service.ts';
import { simJudgeFormat, simJudgeReply, simRubricReply } from './judge.ts';
import { DEFAULT_VALIDATOR_SKILL, isValidatorRequest, simValidatorReply } from './validator.ts';
import { createMetrics } from './metrics.ts';
import type { SimMetrics } from './metrics.ts';
import { LATENCY_PROFILES, MODEL_OWNERS, resolveModel, SIM_MODELS } from './models.ts';
import type { SimModel } from './models.ts';
import {
  chunkBody, completionBody, errorBody, estimateTokens, sseEvent, streamPieces, usage, usageChunkBody,
} from './protocol.ts';
import type { ChatUsage, CompletionIdentity, FinishReason, WireToolCall } from './protocol.ts';
import { contextSentences, conversationKey, messageText, planToolCall, readConversation, type ConversationView, type WireMessageLike } from './conversation.ts';
import { matchIntent } from '../datasets/knowledge-base.ts';
import type { ReferenceStore } from './reference-store.ts';
import { createReferenceStore, loadReferenceFile } from './reference-store.ts';
import { createBatchEngine, type BatchEngine } from './batch-engine.ts';
import { loadModelFor, type LoadModelParams } from './load-model.ts';

// Re-exported so callers that start a sim can parse a CLI fault string from the same module.
export { parseFaultSpec } from './fault-spec.ts';
import type { ReferenceEntry } from './reference-store.ts';

export interface SimOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Latency multiplier: 1 is the profiles' real-world pace, 0 answers at once. */
  timeScale?: number;
  faults?: FaultSpec;
  /** Seeds the fault and latency draws; answers depend only on (model, query). */
  seed?: number;
  references?: Iterable<ReferenceEntry>;
  /** JSONL files whose lines carry `query` and `reference` (and optionally `tier`). */
  referenceFiles?: string[];
  /** The request log keeps at most this many recent entries (default 100,000). */
  requestLogLimit?: number;
  /** How long a Batch API job takes from creation to completed (default 2000 ms x timeScale). */
  batchMs?: number;
  /** Cascade validator skill (0-1) per simulated model that validates (default 0.8; see validator.ts). */
  validatorSkills?: Readonly<Record<string, number>>;
  /**
   * Opt-in: vLLM-flavoured models (llama-3-70b) answer through a continuous-batching load model
   * (load-model.ts) instead of their fixed latency profile, so they saturate like one replica.
   * true for the defaults, or overrides of its parameters. Needs timeScale > 0.
   */
  loadModel?: boolean | Partial<LoadModelParams>;
}

export interface SimRequestLogEntry {
  /** ISO time the request arrived. */
  time: string;
  method: string;
  path: string;
  model: string | undefined;
  stream: boolean;
  judge: boolean;
  /** undefined when no HTTP status was sent: a held (timeout) or dropped (down) connection. */
  status: number | undefined;
  fault?: FaultKind | 'down';
  /** The first 200 characters of the last user message: what left the premises. */
  userText: string | undefined;
}

export interface SimServer {
  /** Base URL for the openai SDK, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  requestLog: SimRequestLogEntry[];
  addReference(query: string, reference: string, tier?: Tier): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HOLD_MS = 10 * 60 * 1000;
/** Stream deltas closer together than this are sent together, to keep timers few. */
const MIN_CHUNK_GAP_MS = 10;

type ChatMessage = WireMessageLike;

/**
 * The sim's text answer. A single-turn request is answered as always: from the reference stored for
 * its text, else the knowledge base. A multi-turn request is answered from the context: the
 * reference stored for the whole conversation (all its customer messages), else the knowledge base
 * for the last message (or, when that alone names no topic, for the conversation), with the order
 * number, the tool's result and the showroom the earlier turns gave. Without its history the same
 * last message finds neither, as a real model would not.
 */
function answerText(model: SimModel, view: ConversationView, store: ReferenceStore): string {
  const last = view.lastUser ?? '';
  if (!view.multiTurn && view.userTexts.length <= 1) return composeAnswer(model, last, store.lookup(last)).text;
  const key = conversationKey(view.userTexts);
  const known = store.lookup(key);
  if (known !== undefined) return composeAnswer(model, key, known).text;
  const topic = matchIntent(last) !== undefined ? last : [...view.userTexts].reverse().join('\n');
  const base = composeAnswer(model, topic, undefined).text;
  const context = contextSentences(view);
  return context.length > 0 ? `${context.join(' ')} ${base}` : base;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The request body; 'too-large' past MAX_BODY_BYTES, 'aborted' when the client went away first. */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
    req.on('error', reject);
  });
}

function between(random: Random, [low, high]: readonly [number, number]): number {
  return low + random.next() * (high - low);
}

const MALFORMED_VERDICTS = [
  (json: string) => json.slice(0, Math.max(8, Math.floor(json.length / 2))),
  (json: string) => `Score: ${/"score":(\d)/.exec(json)?.[1] ?? '3'}/5. ${json}`,
  (json: string) => json.replace(/"score":/, 'score:').replace(/}$/, ',}'),
];

export async function startSim(options: SimOptions = {}): Promise<SimServer> {
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new RangeError(`timeScale must be a number >= 0, got ${timeScale}`);
  const faults = options.faults ?? NO_FAULTS;
  const seed = options.seed ?? 0;
  const logLimit = options.requestLogLimit ?? 100_000;
  const store = createReferenceStore();
  for (const entry of options.references ?? []) store.add(entry);
  for (const file of options.referenceFiles ?? []) await loadReferenceFile(file, store);

  const faultRandom = createRandom(seed);
  const latencyRandom = createRandom(hashString('latency', String(seed)));
  const engines = new Map<SimModel, BatchEngine>();
  if (options.loadModel !== undefined && options.loadModel !== false) {
    if (!(timeScale > 0)) throw new RangeError('the sim load model needs timeScale > 0 (it is a model of time)');
    const overrides = options.loadModel === true ? {} : options.loadModel;
    for (const model of SIM_MODELS) {
      const params = loadModelFor(model, overrides);
      if (params !== undefined) engines.set(model, createBatchEngine(params, timeScale));
    }
  }
  const metrics: SimMetrics = createMetrics((model) => engines.get(model)?.stats());
  const requestLog: SimRequestLogEntry[] = [];
  let sequence = 0;
  const batches = createBatchService({
    batchMs: options.batchMs ?? 2000 * timeScale,
    lookup: (query) => store.lookup(query),
    validatorSkill: (model) => options.validatorSkills?.[model] ?? DEFAULT_VALIDATOR_SKILL,
  });

  function log(entry: SimRequestLogEntry): SimRequestLogEntry {
    requestLog.push(entry);
    // Trim in batches so a long replay does not pay an O(n) shift on every request.
    if (requestLog.length > logLimit * 1.1) requestLog.splice(0, requestLog.length - logLimit);
    return entry;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = new Date().toISOString();
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const entry = (status: number | undefined, extra: Partial<SimRequestLogEntry> = {}): SimRequestLogEntry =>
      log({ time: arrived, method, path, model: undefined, stream: false, judge: false, status, userText: undefined, ...extra });

    if (method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      await handleChat(req, res, arrived, method, path);
      return;
    }
    if (isBatchPath(path)) {
      const body = await readBody(req);
      if (body === 'aborted') return;
      if (body === 'too-large') {
        entry(413);
        sendJson(res, 413, errorBody('Request body too large.', 'invalid_request_error'));
        return;
      }
      entry(await batches.handle(req, res, method, path, body));
      return;
    }
    req.resume();
    if (method === 'GET' && path === '/health') {
      entry(200);
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'GET' && path === '/metrics') {
      entry(200);
      const text = metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      const created = 1_700_000_000;
      const card = (id: string) => ({ id, object: 'model', created, owned_by: MODEL_OWNERS[resolveModel(id) as SimModel] });
      if (path === '/v1/models') {
        entry(200);
        sendJson(res, 200, { object: 'list', data: SIM_MODELS.map(card) });
        return;
      }
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (resolveModel(id)) {
        entry(200, { model: id });
        sendJson(res, 200, card(id));
      } else {
        entry(404, { model: id });
        sendJson(res, 404, errorBody(`The model \`${id}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
      }
      return;
    }
    entry(404);
    sendJson(res, 404, errorBody(`Unknown request URL: ${method} ${path}.`, 'invalid_request_error', 'unknown_url'));
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse, arrived: string, method: string, path: string): Promise<void> {
    const startedAt = performance.now();
    const raw = await readBody(req);
    const record: SimRequestLogEntry = { time: arrived, method, path, model: undefined, stream: false, judge: false, status: undefined, userText: undefined };
    const fail = (status: number, message: string, type: string, code: string | null = null, param: string | null = null, headers?: Record<string, string>): void => {
      record.status = status;
      log(record);
      sendJson(res, status, errorBody(message, type, code, param), headers);
    };
    if (raw === 'aborted') return;
    if (raw === 'too-large') return fail(413, 'Request body too large.', 'invalid_request_error');

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return fail(400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)', 'invalid_request_error');
    }
    const requestedModel = body.model;
    record.stream = body.stream === true;
    const judgeFormat = simJudgeFormat(body.response_format);
    const validating = isValidatorRequest(body.response_format);
    // The request log's `judge` counts judge calls; a validator call is not one (it draws the same faults).
    record.judge = judgeFormat !== undefined;
    const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : undefined;
    const valid = messages?.every((message) => typeof message === 'object' && message !== null && typeof (message as ChatMessage).role === 'string');
    const userMessages = (messages ?? []).filter((message) => (message as ChatMessage).role === 'user') as ChatMessage[];
    const lastUser = userMessages[userMessages.length - 1];
    const userText = lastUser ? messageText(lastUser.content) : undefined;
    record.userText = userText?.slice(0, 200);
    if (typeof requestedModel !== 'string' || requestedModel.length === 0) {
      return fail(400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
    }
    record.model = requestedModel;
    if (!messages || messages.length === 0 || !valid) {
      return fail(400, 'Missing required parameter: \'messages\' (a non-empty array of {role, content}).', 'invalid_request_error', 'missing_required_parameter', 'messages');
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') {
      return fail(400, 'Invalid type for \'stream\': expected a boolean.', 'invalid_request_error', 'invalid_type', 'stream');
    }
    const model = resolveModel(requestedModel);
    if (!model) {
      return fail(404, `The model \`${requestedModel}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }

    const down = downMode(faults, model);
    if (down === 'reset') {
      record.fault = 'down';
      log(record);
      res.socket?.destroy();
      return;
    }
    if (down === '503') {
      record.fault = 'down';
      return fail(503, `The model \`${requestedModel}\` is currently unavailable.`, 'server_error', 'model_unavailable');
    }

    const fault = drawFault(faults, faultRandom.next(), { judge: record.judge || validating });
    if (fault) record.fault = fault;
    if (fault === '500') return fail(500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
    if (fault === '503') return fail(503, 'The engine is currently overloaded, please try again later.', 'server_error');
    if (fault === '429') {
      const retryMs = Math.max(5, Math.round(1000 * timeScale));
      return fail(429, 'Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded', null, {
        'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))),
        'retry-after-ms': String(retryMs),
        'x-ratelimit-remaining-requests': '0',
      });
    }
    if (fault === 'timeout') {
      // Hold the connection open with no answer, until the client gives up.
      log(record);
      const timer = setTimeout(() => res.socket?.destroy(), HOLD_MS);
      timer.unref();
      res.on('close', () => clearTimeout(timer));
      return;
    }

    let content = '';
    let toolCalls: WireToolCall[] | undefined;
    if (validating) {
      const skill = options.validatorSkills?.[model] ?? DEFAULT_VALIDATOR_SKILL;
      content = simValidatorReply(userMessages.map((message) => messageText(message.content)).join('\n'), skill, (query) => store.lookup(query)?.reference);
      if (fault === 'bad_json') content = content.slice(0, Math.max(8, Math.floor(content.length / 2)));
    } else if (judgeFormat !== undefined) {
      content = simJudgeReply(judgeFormat, userMessages.map((message) => messageText(message.content)).join('\n'), (query) => store.lookup(query)?.reference, model);
      const malform = fault === 'bad_json' ? MALFORMED_VERDICTS[faultRandom.int(0, MALFORMED_VERDICTS.length - 1)] : undefined;
      if (malform) content = malform(content);
    } else {
      const rubricReply = userText === undefined ? undefined : simRubricReply(userText, (query) => store.lookup(query)?.reference);
      if (rubricReply !== undefined) {
        record.judge = true;
        content = rubricReply;
      } else {
        const view = readConversation(messages as ChatMessage[]);
        const planned = planToolCall(model, body.tools, body.tool_choice, view);
        if (planned !== undefined) {
          toolCalls = [{ id: `call_sim${(sequence + 1).toString(36).padStart(6, '0')}`, type: 'function', function: planned }];
        } else {
          content = answerText(model, view, store);
        }
      }
    }

    let finishReason: FinishReason = toolCalls === undefined ? 'stop' : 'tool_calls';
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    if (typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0 && estimateTokens(content) > maxTokens) {
      content = content.slice(0, maxTokens * 4);
      finishReason = 'length';
    }
    const promptText = (messages as ChatMessage[]).map((message) => messageText(message.content)).join('\n');
    const tokens = usage(estimateTokens(promptText), estimateTokens(content + (toolCalls?.map((call) => call.function.name + call.function.arguments).join('') ?? '')));

    const profile = LATENCY_PROFILES[model];
    const ttftMs = between(latencyRandom, profile.ttftMs);
    const rawTotal = ttftMs + tokens.completion_tokens * between(latencyRandom, profile.perTokenMs);
    const totalMs = Math.max(ttftMs, Math.min(profile.totalMs[1], Math.max(profile.totalMs[0], rawTotal)));
    const plan = { ttftMs: ttftMs * timeScale, totalMs: totalMs * timeScale };

    record.status = 200;
    log(record);
    const identity: CompletionIdentity = { id: `chatcmpl-sim${(++sequence).toString(36).padStart(6, '0')}`, created: Math.floor(Date.now() / 1000), model: requestedModel };
    const done = metrics.started(model, tokens.total_tokens);
    res.on('close', done);
    const finish = (firstTokenAt: number): void => {
      const now = performance.now();
      metrics.finished(model, {
        ttftSeconds: (firstTokenAt - startedAt) / 1000,
        e2eSeconds: (now - startedAt) / 1000,
        promptTokens: tokens.prompt_tokens,
        completionTokens: tokens.completion_tokens,
        // The engine stopped normally; the API names it tool_calls (vLLM's metrics count it as stop).
        finishReason: finishReason === 'length' ? 'length' : 'stop',
      });
      done();
    };
    const cut = fault === 'cut';
    if (toolCalls !== undefined) {
      const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      answerToolCalls(res, { identity, content, finishReason, tokens, cut, plan, finish }, toolCalls, record.stream, includeUsage);
      return;
    }
    const engine = engines.get(model);
    if (engine !== undefined) {
      const first = (messages as ChatMessage[])[0];
      const prefixText = first !== undefined && first.role === 'system' && messages.length > 1 ? messageText(first.content) : '';
      engineAnswer(res, engine, {
        identity, content, finishReason, tokens, cut, plan, finish,
        stream: record.stream,
        includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
        prefixKey: prefixText.length > 0 ? `${hashString(prefixText)}:${prefixText.length}` : undefined,
        prefixTokens: estimateTokens(prefixText),
      });
      return;
    }
    if (record.stream) {
      const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      streamAnswer(res, { identity, content, finishReason, tokens, includeUsage, cut, plan, finish });
    } else {
      answerOnce(res, { identity, content, finishReason, tokens, cut, plan, finish });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(`sim internal error: ${String(error)}`, 'server_error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sim: server has no TCP address');
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    requestLog,
    addReference(query, reference, tier) {
      store.add({ query, reference, tier });
    },
    close() {
      batches.close();
      for (const engine of engines.values()) engine.close();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

interface Plan {
  ttftMs: number;
  totalMs: number;
}

interface Reply {
  identity: CompletionIdentity;
  content: string;
  finishReason: FinishReason;
  tokens: ChatUsage;
  cut: boolean;
  plan: Plan;
  finish: (firstTokenAt: number) => void;
}

/** Sends part of the bytes, then drops the connection: what a crashed upstream looks like. */
function cutAfter(res: ServerResponse, partial: string): void {
  res.write(partial, () => res.socket?.destroy());
}

function answerOnce(res: ServerResponse, reply: Reply): void {
  const send = (firstTokenAt: number): void => {
    const text = JSON.stringify(completionBody(reply.identity, reply.content, reply.finishReason, reply.tokens));
    if (reply.cut) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      cutAfter(res, text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    reply.finish(firstTokenAt);
  };
  if (reply.plan.totalMs <= 0) {
    send(performance.now());
    return;
  }
  let timer = setTimeout(() => {
    const firstTokenAt = performance.now();
    timer = setTimeout(() => send(firstTokenAt), reply.plan.totalMs - reply.plan.ttftMs);
  }, reply.plan.ttftMs);
  res.on('close', () => clearTimeout(timer));
}

/**
 * A tool-call answer, streamed as OpenAI and vLLM stream one: the first delta names the call (id,
 * function name, empty arguments), later deltas carry pieces of the arguments under the same index,
 * then finish_reason "tool_calls". Sent at once after the planned time.
 */
function answerToolCalls(res: ServerResponse, reply: Reply, toolCalls: WireToolCall[], stream: boolean, includeUsage: boolean): void {
  const send = (): void => {
    const firstTokenAt = performance.now();
    if (!stream) {
      const text = JSON.stringify(completionBody(reply.identity, reply.content, reply.finishReason, reply.tokens, toolCalls));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      if (reply.cut) return cutAfter(res, text.slice(0, Math.floor(text.length / 2)));
      res.end(text);
      reply.finish(firstTokenAt);
      return;
    }
    const { identity } = reply;
    let events = '';
    toolCalls.forEach((call, index) => {
      const head = { index, id: call.id, type: 'function' as const, function: { name: call.function.name, arguments: '' } };
      events += sseEvent(chunkBody(identity, index === 0 ? { role: 'assistant', content: null, tool_calls: [head] } : { tool_calls: [head] }, null, includeUsage));
      const args = call.function.arguments;
      const third = Math.max(1, Math.ceil(args.length / 3));
      for (let at = 0; at < args.length; at += third) {
        events += sseEvent(chunkBody(identity, { tool_calls: [{ index, function: { arguments: args.slice(at, at + third) } }] }, null, includeUsage));
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    if (reply.cut) return cutAfter(res, events);
    res.end(events + sseEvent(chunkBody(identity, {}, reply.finishReason, includeUsage)) + (includeUsage ? sseEvent(usageChunkBody(identity, reply.tokens)) : '') + sseEvent('[DONE]'));
    reply.finish(firstTokenAt);
  };
  if (reply.plan.totalMs <= 0) {
    send();
    return;
  }
  const timer = setTimeout(send, reply.plan.totalMs);
  res.on('close', () => clearTimeout(timer));
}

function streamAnswer(res: ServerResponse, reply: Reply & { includeUsage: boolean }): void {
  const { identity, includeUsage } = reply;
  const pieces = streamPieces(reply.content);
  const cutAt = reply.cut ? Math.max(1, Math.floor(pieces.length / 2)) : Number.POSITIVE_INFINITY;
  const head = sseEvent(chunkBody(identity, { role: 'assistant', content: '' }, null, includeUsage));
  const piece = (text: string): string => sseEvent(chunkBody(identity, { content: text }, null, includeUsage));
  const tail = (): string =>
    sseEvent(chunkBody(identity, {}, reply.finishReason, includeUsage)) +
    (includeUsage ? sseEvent(usageChunkBody(identity, reply.tokens)) : '') +
    sseEvent('[DONE]');

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  if (reply.plan.totalMs <= 0) {
    const firstTokenAt = performance.now();
    if (reply.cut) {
      cutAfter(res, head + pieces.slice(0, cutAt).map(piece).join(''));
      return;
    }
    res.end(head + pieces.map(piece).join('') + tail());
    reply.finish(firstTokenAt);
    return;
  }

  const gap = pieces.length > 1 ? (reply.plan.totalMs - reply.plan.ttftMs) / (pieces.length - 1) : 0;
  const perTick = gap > 0 && gap < MIN_CHUNK_GAP_MS ? Math.ceil(MIN_CHUNK_GAP_MS / gap) : 1;
  let sent = 0;
  let firstTokenAt = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on('close', () => clearTimeout(timer));
  const tick = (): void => {
    const next = Math.min(pieces.length, sent + (sent === 0 ? 1 : perTick), cutAt);
    let text = sent === 0 ? head : '';
    if (sent === 0) firstTokenAt = performance.now();
    text += pieces.slice(sent, next).map(piece).join('');
    sent = next;
    if (sent >= cutAt) {
      cutAfter(res, text);
      return;
    }
    if (sent >= pieces.length) {
      res.end(text + tail());
      reply.finish(firstTokenAt);
      return;
    }
    res.write(text);
    timer = setTimeout(tick, gap * perTick);
  };
  timer = setTimeout(tick, reply.plan.ttftMs);
}

/** Token-sized pieces (the sim's four characters a token), so one stream event carries one token as vLLM's do. */
function tokenPieces(text: string, count: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < count; index++) pieces.push(text.slice(index * 4, index === count - 1 ? undefined : (index + 1) * 4));
  return pieces;
}

/** An answer paced by the batch engine: tokens go out as the scheduler's steps produce them. */
function engineAnswer(
  res: ServerResponse,
  engine: BatchEngine,
  reply: Reply & { stream: boolean; includeUsage: boolean; prefixKey: string | undefined; prefixTokens: number },
): void {
  const { identity, includeUsage } = reply;
  const outputTokens = Math.max(1, reply.tokens.completion_tokens);
  const pieces = tokenPieces(reply.content, outputTokens);
  const cutAt = reply.cut ? Math.max(1, Math.floor(outputTokens / 2)) : Number.POSITIVE_INFINITY;
  const piece = (text: string): string => sseEvent(chunkBody(identity, { content: text }, null, includeUsage));
  let sent = 0;
  let firstTokenAt = 0;
  if (reply.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(sseEvent(chunkBody(identity, { role: 'assistant', content: '' }, null, includeUsage)));
  }
  const cancel = engine.submit(
    { promptTokens: reply.tokens.prompt_tokens, prefixTokens: reply.prefixTokens, prefixKey: reply.prefixKey, outputTokens },
    {
      onTokens(count, done) {
        if (sent === 0) firstTokenAt = performance.now();
        const next = Math.min(outputTokens, sent + count, cutAt);
        const text = reply.stream ? pieces.slice(sent, next).map(piece).join('') : '';
        sent = next;
        if (sent >= cutAt) {
          cancel();
          if (reply.stream) cutAfter(res, text);
          else {
            const body = JSON.stringify(completionBody(identity, reply.content, reply.finishReason, reply.tokens));
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
            cutAfter(res, body.slice(0, Math.floor(body.length / 2)));
          }
          return;
        }
        if (!done) {
          if (text.length > 0) res.write(text);
          return;
        }
        if (reply.stream) {
          res.end(text + sseEvent(chunkBody(identity, {}, reply.finishReason, includeUsage)) + (includeUsage ? sseEvent(usageChunkBody(identity, reply.tokens)) : '') + sseEvent('[DONE]'));
        } else {
          const body = JSON.stringify(completionBody(identity, reply.content, reply.finishReason, reply.tokens));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        }
        reply.finish(firstTokenAt);
      },
    },
  );
  res.on('close', cancel);
}
