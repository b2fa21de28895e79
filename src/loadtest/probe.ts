import { UsageError } from '../core/errors.ts';
import { scrubUrl } from '../core/secrets.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import { endpointUrl } from '../endpoints/http-transport.ts';
import type { ChatMessage, EndpointSettings } from '../endpoints/types.ts';

/**
 * Before any load: the endpoint must list models at /models and stream one chat completion, as
 * OpenAI and vLLM's OpenAI server do. Anything else (a web page, a different API, a wrong model
 * name) is one clear line and exit 2, rather than a sweep of errors.
 */
export async function probeOpenAiCompatible(settings: EndpointSettings, messages: ChatMessage[], fetchImpl: typeof fetch = fetch): Promise<void> {
  // The base URL's query string stays on the wire (a gateway's api-version or key) and out of messages.
  const modelsUrl = endpointUrl(settings.baseUrl, '/models');
  const where = `endpoint "${settings.name}" at ${scrubUrl(settings.baseUrl)}`;
  let response: Response;
  try {
    response = await fetchImpl(modelsUrl, {
      headers: settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const { cause } = error as { cause?: { code?: string; message?: string } };
    throw new UsageError(`${where} is unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  const text = await response.text().catch(() => '');
  if (response.status === 401 || response.status === 403) throw new UsageError(`${where} refused the API key (HTTP ${response.status})`);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  const data = typeof list === 'object' && list !== null ? (list as { data?: unknown }).data : undefined;
  if (response.status !== 200 || !Array.isArray(data)) {
    throw new UsageError(
      `${where} is not an OpenAI-compatible endpoint: GET ${scrubUrl(modelsUrl)} answered HTTP ${response.status} (${response.headers.get('content-type') ?? 'no content type'}) without a model list ("data": [...])`,
    );
  }
  const client = createEndpointClient({ ...settings, retries: 0, stream: true, maxConcurrency: 1 });
  try {
    const result = await client.chat(messages, { maxTokens: 8 });
    if (result.status !== 'ok' && result.status !== 'ok_after_retry') {
      throw new UsageError(`${where} is not an OpenAI-compatible chat endpoint for model "${settings.model}": a streamed chat completion failed: ${result.error ?? result.status}`);
    }
  } finally {
    client.close?.();
  }
}
