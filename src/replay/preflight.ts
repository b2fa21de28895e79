import { UsageError } from '../core/errors.ts';
import { scrubUrl, scrubUrlsInText, scrubValues, urlCredentials } from '../core/secrets.ts';
import { endpointUrl } from '../endpoints/http-transport.ts';
import type { EndpointSettings } from '../endpoints/types.ts';

/**
 * Asks each endpoint for /models before the run is created, so an unreachable server or a
 * rejected key is one clear line and nothing is half-written.
 */
export async function preflight(endpoints: EndpointSettings[], fetchImpl: typeof fetch = fetch, timeoutMs = 10_000): Promise<void> {
  const seen = new Set<string>();
  await Promise.all(
    endpoints.map(async (endpoint) => {
      const url = endpointUrl(endpoint.baseUrl, '/models');
      // Said without credentials: a key may sit in the URL's user part or query (gateways).
      const shown = scrubUrl(endpoint.baseUrl);
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
        const reason = scrubValues(scrubUrlsInText(cause?.code ?? cause?.message ?? (error as Error).message), [endpoint.apiKey, ...urlCredentials(endpoint.baseUrl)]);
        throw new UsageError(`endpoint "${endpoint.name}" unreachable at ${shown}: ${reason}`);
      }
      await response.body?.cancel();
      if (response.status === 401 || response.status === 403) {
        throw new UsageError(`endpoint "${endpoint.name}" at ${shown} refused the API key (HTTP ${response.status})`);
      }
      if (response.status >= 500) {
        throw new UsageError(`endpoint "${endpoint.name}" at ${shown} is failing (HTTP ${response.status} on /models)`);
      }
    }),
  );
}
