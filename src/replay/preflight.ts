import { UsageError } from '../core/errors.ts';
import type { EndpointSettings } from '../endpoints/types.ts';

/**
 * Asks each endpoint for /models before the run is created, so an unreachable server or a
 * rejected key is one clear line and nothing is half-written.
 */
export async function preflight(endpoints: EndpointSettings[], fetchImpl: typeof fetch = fetch, timeoutMs = 10_000): Promise<void> {
  const seen = new Set<string>();
  await Promise.all(
    endpoints.map(async (endpoint) => {
      const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/models`;
      const key = `${url} ${endpoint.apiKey === undefined ? '' : 'auth'}`;
      if (seen.has(key)) return;
      seen.add(key);
      let response: Response;
      try {
        response = await fetchImpl(url, {
          headers: endpoint.apiKey === undefined ? {} : { authorization: `Bearer ${endpoint.apiKey}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const { cause } = error as { cause?: { code?: string; message?: string } };
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        throw new UsageError(`endpoint "${endpoint.name}" unreachable at ${endpoint.baseUrl}: ${reason}`);
      }
      await response.body?.cancel();
      if (response.status === 401 || response.status === 403) {
        throw new UsageError(`endpoint "${endpoint.name}" at ${endpoint.baseUrl} refused the API key (HTTP ${response.status})`);
      }
      if (response.status >= 500) {
        throw new UsageError(`endpoint "${endpoint.name}" at ${endpoint.baseUrl} is failing (HTTP ${response.status} on /models)`);
      }
    }),
  );
}
