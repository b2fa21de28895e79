import { z } from 'zod';
import { REQUEST_PARAMETER_NAMES } from '../core/conversation.ts';
import { DUCKDB_SIZE } from '../core/duckdb-size.ts';
import { ANSWER_SOURCES } from '../core/query.ts';
import { privacyConfigIssues, privacyConfigSchema } from '../privacy/config-schema.ts';
import { cascadeConfigIssues, cascadeConfigSchema } from '../cascade/config-schema.ts';
import { capacitySchema, loadtestSchema, sloSchema } from './phase2-schema.ts';

/** Names are YAML keys: snake_case, as users write them. Unknown keys are errors everywhere (strictObject). */

const tokenPricing = z.strictObject({
  input_per_million: z.number().nonnegative().describe('USD per 1M prompt tokens'),
  output_per_million: z.number().nonnegative().describe('USD per 1M completion tokens'),
});

const fixedPricing = z.strictObject({
  fixed_monthly_usd: z.number().nonnegative().describe('Fixed monthly cost of the on-prem deployment (GPU servers, ops)'),
  per_query_usd: z.number().nonnegative().describe('Marginal cost of one query (power, amortised wear)'),
});

export const endpointSchema = z.strictObject({
  base_url: z.url().describe('OpenAI-compatible base URL, e.g. http://vllm:8000/v1 or https://api.openai.com/v1'),
  model: z.string().min(1),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional()
    .describe('Name of the environment variable holding the API key; omit for keyless local servers'),
  on_prem: z.boolean().default(false).describe('Runs on our own GPUs: fixed cost, data stays on the premises'),
  pricing: z.union([tokenPricing, fixedPricing]),
  max_concurrency: z.int().positive().default(8),
  timeout_ms: z.int().positive().default(60_000),
  retries: z.int().nonnegative().default(2),
  stream: z.boolean().default(true).describe('Stream responses (measures time to first token)'),
  unsupported_params: z
    .array(z.enum(REQUEST_PARAMETER_NAMES))
    .optional()
    .describe(
      "Logged request parameters this endpoint cannot take: left out of the request and recorded on the response (dropped_params). Omitted: on-prem (vLLM) endpoints drop parallel_tool_calls (vLLM's server accepts and ignores it); OpenAI o-series models drop temperature, top_p, presence_penalty and frequency_penalty; others drop nothing",
    ),
  max_tokens_param: z
    .enum(['max_tokens', 'max_completion_tokens'])
    .optional()
    .describe('Name a logged max_tokens is sent under. Omitted: max_completion_tokens for OpenAI o-series models (they reject max_tokens), as logged otherwise'),
  context_tokens: z
    .int()
    .positive()
    .optional()
    .describe("The model's context window in tokens (vLLM's max_model_len). A request estimated larger (characters / 4, plus the completion limit it asks for) is not sent: its response is stored failed with the size. Omitted: no check"),
  sim_model: z
    .enum(['llama-3-70b', 'gpt-3.5-turbo', 'gpt-4'])
    .optional()
    .describe('Which simulated model stands in for this endpoint under --sim (default: guessed from model)'),
});

const tierMap = z.strictObject({ simple: z.string(), medium: z.string(), complex: z.string() });

export const routingSchema = z.strictObject({
  policy: z
    .enum(['router', 'oracle', 'fixed'])
    .default('router')
    .describe("router: the BERT router in routing.router; oracle: the log's human tier label; fixed: every query gets fixed_tier"),
  router: z
    .strictObject({
      model: z.string().default('models/router').describe('Folder with model.onnx, tokenizer.json and config.json (a Hugging Face / Optimum export)'),
      thresholds: z
        .strictObject({
          simple: z.number().min(0).max(1.01).default(0.6).describe('Route to simple only when P(simple) reaches this'),
          medium: z.number().min(0).max(1.01).default(0.9).describe('Route to medium or cheaper only when P(simple) + P(medium) reaches this'),
        })
        .default({ simple: 0.6, medium: 0.9 }),
      max_batch: z.int().positive().default(32).describe('Concurrent queries classified in one ONNX run'),
      route_ahead: z
        .int()
        .positive()
        .default(256)
        .describe("A replay routes the log's queries in groups of this many before their calls: sorted by length within the group, then cut into ONNX runs of at most max_batch"),
      max_wait_ms: z.number().nonnegative().default(0).describe('How long the first query of a batch waits for others'),
      context: z
        .enum(['last_user', 'last_k'])
        .default('last_user')
        .describe("What the router classifies for a multi-turn request: the last user message, or the last context_messages user/assistant messages that fit the router's max_length (newest kept first)"),
      context_messages: z.int().positive().default(4).describe('With context: last_k, at most this many recent messages'),
      threads: z.int().positive().default(1).describe("onnxruntime intra-op threads; 1 leaves the other cores to the replay's HTTP and DuckDB work"),
    })
    .default({ model: 'models/router', thresholds: { simple: 0.6, medium: 0.9 }, max_batch: 32, route_ahead: 256, max_wait_ms: 0, context: 'last_user', context_messages: 4, threads: 1 }),
  fixed_tier: z.enum(['simple', 'medium', 'complex']).optional(),
  unlabeled_tier: z
    .enum(['simple', 'medium', 'complex'])
    .default('complex')
    .describe('Tier for a query without a label under the oracle policy (complex: the safe side)'),
  tiers: tierMap.describe('Candidate endpoint per tier'),
  fallback: z.string().optional().describe('Endpoint that serves a query when an on-prem candidate call fails'),
});

export const fieldMappingSchema = z.strictObject({
  id: z.string().optional(),
  query: z.string().optional(),
  timestamp: z.string().optional(),
  conversation_id: z.string().optional(),
  channel: z.string().optional(),
  label: z.string().optional(),
  reference: z.string().optional(),
  answer: z
    .string()
    .optional()
    .describe("Column holding the logged answer. With dataset.answer_source baseline (default) it is the production (GPT-4) answer: stored as the baseline, not re-called; with human it is a human agent's reply, stored as role human"),
  sensitive: z.string().optional().describe('Column tagging a query as sensitive (true/false, 1/0, yes/no): it stays on-prem'),
  turn: z.string().optional().describe('Turn tables: the column ordering messages within a conversation (default turn)'),
  role: z.string().optional().describe('Turn tables: the message role column (default role)'),
  content: z.string().optional().describe('Turn tables: the message text column (default content)'),
  tool_calls: z.string().optional().describe('Turn tables: assistant tool calls as JSON text (default tool_calls)'),
  tool_call_id: z.string().optional().describe('Turn tables: the call a tool message answers (default tool_call_id)'),
});

/** A size as DuckDB's settings take it: the pattern parseSize (core/duckdb-size.ts) reads, so what passes here parses there. */
const duckdbSize = () => z.string().regex(DUCKDB_SIZE, "a size such as '64MB' or '1GiB'");

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    project: z.string().default('hybrid-eval'),
    system_prompt: z.string().default('').describe('Sent before every customer query'),
    system_prompt_file: z.string().optional().describe('Read the system prompt from this file instead (e.g. a policy handbook)'),
    endpoints: z.record(z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, - and _'), endpointSchema),
    routing: routingSchema,
    baseline: z.string().describe('Endpoint of the current production model (GPT-4)'),
    judge: z.strictObject({
      endpoint: z.string(),
      rubric: z.string().describe('Rubric file (YAML) under judges/'),
      max_concurrency: z.int().positive().optional(),
      context_tokens: z
        .int()
        .positive()
        .default(2000)
        .describe('Token budget (characters / 4) for the earlier turns of a multi-turn request shown to the judge: the oldest are cut first (the system prompt last), and the cut is recorded in the judgment'),
      pairwise_rubric: z
        .string()
        .optional()
        .describe('Pairwise rubric (kind: pairwise) under judges/: when set, each served answer is also compared with the baseline, in both orders'),
    }),
    dataset: z.strictObject({
      path: z.string(),
      format: z
        .enum(['jsonl', 'json', 'csv', 'parquet', 'duckdb', 'openai-chat', 'openai-batch', 'otel', 'turns'])
        .optional()
        .describe('Omitted: detected from the extension and the content (chat logs, Batch files, OTLP spans, turn tables)'),
      batch_output: z.string().optional().describe('openai-batch: the Batch API output file, joined to the input by custom_id'),
      turns: z.enum(['last', 'all']).optional().describe('Turn tables: replay the last assistant turn of each conversation (default) or every one'),
      answer_source: z
        .enum(ANSWER_SOURCES)
        .optional()
        .describe(
          "Who wrote the logged answer (the answer field, or the logged response of a chat log). baseline (default): the production model, stored as the baseline and not re-called. human: a human agent's reply, stored as its own role (human) beside the models and judged like them; the baseline endpoint is called live as if no answer were logged, and cost and baseline quality never use the human reply",
        ),
      table: z.string().optional(),
      sql: z
        .string()
        .optional()
        .describe('DuckDB sources: exactly one read-only SELECT (or WITH ... SELECT) over the attached file; it can read nothing else'),
      fields: fieldMappingSchema.default({}),
    }),
    database: z.string().default('results/hybrid-eval.duckdb'),
    results_dir: z.string().default('results'),
    plan: z.string().default('suites/rollout.yaml'),
    volume: z
      .strictObject({
        monthly_queries: z
          .int()
          .positive()
          .optional()
          .describe("Monthly query volume for the cost projection; omitted: the log's own rate (queries per day over its timestamps, x 30)"),
      })
      .default({}),
    replay: z
      .strictObject({
        max_in_flight: z.int().positive().default(64).describe('Queries processed at once (each makes 2-4 calls)'),
        batch_size: z.int().positive().default(200).describe('Queries per database transaction'),
        database_memory_limit: duckdbSize()
          .default('64MB')
          .describe("DuckDB's memory limit while replaying: it caches table blocks up to it, so without one a long replay's memory grows with the tables. Too small fails a commit with an error that says so (32MB did at 400K queries; 64MB held 1M)"),
        checkpoint_threshold: duckdbSize()
          .optional()
          .describe("DuckDB's checkpoint_threshold while replaying (write-ahead log size that triggers a checkpoint); omitted: DuckDB's own (16MB). Larger costs less CPU but holds more uncheckpointed rows in memory: raise database_memory_limit with it"),
      })
      .default({ max_in_flight: 64, batch_size: 200, database_memory_limit: '64MB' }),
    privacy: privacyConfigSchema.describe('PII redaction for external endpoints, and where sensitive queries may go'),
    cascade: cascadeConfigSchema.optional(),
    slo: sloSchema,
    loadtest: loadtestSchema,
    capacity: capacitySchema,
  })
  .superRefine((config, context) => {
    const names = new Set(Object.keys(config.endpoints));
    const mustExist = (name: string | undefined, path: (string | number)[]): void => {
      if (name !== undefined && !names.has(name)) {
        context.addIssue({
          code: 'custom',
          path,
          message: `unknown endpoint "${name}" (defined: ${[...names].join(', ') || 'none'})`,
        });
      }
    };
    for (const tier of ['simple', 'medium', 'complex'] as const) mustExist(config.routing.tiers[tier], ['routing', 'tiers', tier]);
    mustExist(config.routing.fallback, ['routing', 'fallback']);
    mustExist(config.baseline, ['baseline']);
    mustExist(config.judge.endpoint, ['judge', 'endpoint']);
    if (config.system_prompt_file !== undefined && config.system_prompt !== '') {
      context.addIssue({ code: 'custom', path: ['system_prompt_file'], message: 'give system_prompt or system_prompt_file, not both' });
    }
    for (const issue of privacyConfigIssues(config.privacy, config)) context.addIssue({ code: 'custom', ...issue });
    for (const issue of cascadeConfigIssues(config.cascade, names)) context.addIssue({ code: 'custom', ...issue });
    mustExist(config.capacity?.endpoint, ['capacity', 'endpoint']);
    mustExist(config.capacity?.fallback, ['capacity', 'fallback']);
    if (config.routing.policy === 'fixed' && config.routing.fixed_tier === undefined) {
      context.addIssue({ code: 'custom', path: ['routing', 'fixed_tier'], message: 'required when policy is "fixed"' });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type FieldMappingConfig = z.infer<typeof fieldMappingSchema>;
