import { finished } from 'node:stream';
import { Pool } from 'undici';
import type { HeaderReader } from './retry-policy.ts';

/**
 * One POST to an OpenAI-compatible server. The chat client used the openai SDK over fetch; at zero
 * endpoint latency its per-call work (request building, web streams, SSE decoding through three
 * layers, composite abort signals) was half of the replay's CPU (bench/RESULTS.md). undici's
 * `Pool.request` (the HTTP client inside Node's own fetch, without the web-streams layer) keeps the
 * connections alive and hands the body over as Node stream chunks.
 */
export interface TransportResponse {
  status: number;
  headers: HeaderReader;
  /**
   * Hands the body's bytes to `onChunk` chunk by chunk as they arrive (UTF-8 characters may
   * straddle chunks); resolves at the end of the body, rejects when it fails or onChunk throws.
   * A callback, not an async iterator: a streamed answer arrives in many small chunks, and
   * `for await` costs a promise and an iterator result for each (2% of the replay's allocations).
   */
  forEachChunk(onChunk: (chunk: Buffer) => void): Promise<void>;
  text(): Promise<string>;
}

export interface Transport {
  /** The body as UTF-8 bytes (JSON). */
  post(path: string, body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<TransportResponse>;
  close(): void;
}

export interface TransportSettings {
  baseUrl: string;
  headers: Record<string, string>;
  /** Connections kept to the server: the endpoint's concurrency limit. */
  connections: number;
}

function basePath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/**
 * The URL of an API path under a base URL, keeping the base's query string: gateways (Azure-style)
 * take `?api-version=...` or a key there, and appending the path after it would break both.
 */
export function endpointUrl(baseUrl: string, path: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${basePath(url)}${path}`;
  return url.href;
}

export function undiciTransport(settings: TransportSettings): Transport {
  const url = new URL(settings.baseUrl);
  const prefix = basePath(url);
  // Timeouts are the client's (per attempt, headers and body together); undici's own are a backstop.
  const pool = new Pool(url.origin, { connections: settings.connections, pipelining: 1, keepAliveTimeout: 10_000 });
  return {
    async post(path, body, signal) {
      const response = await pool.request({ path: `${prefix}${path}${url.search}`, method: 'POST', headers: settings.headers, body, signal });
      const headers = response.headers;
      const stream = response.body;
      return {
        status: response.statusCode,
        headers: {
          get(name) {
            const value = headers[name];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        forEachChunk: (onChunk) =>
          new Promise<void>((resolve, reject) => {
            stream.on('data', (chunk: Buffer) => {
              try {
                onChunk(chunk);
              } catch (error) {
                stream.destroy(error as Error);
              }
            });
            // finished() also reports a body that closes before its end as an error.
            finished(stream, (error) => (error ? reject(error) : resolve()));
          }),
        text: () => stream.text(),
      };
    },
    close() {
      void pool.close().catch(() => undefined);
    },
  };
}

/** Body chunks as Buffers, without a copy: fetch gives plain Uint8Arrays. */
async function eachAsBuffer(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onChunk: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of chunks) onChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
}

/** The same over an injected fetch (tests, proxies, instrumentation). */
export function fetchTransport(settings: TransportSettings, fetchImpl: typeof fetch): Transport {
  return {
    async post(path, body, signal) {
      const response = await fetchImpl(endpointUrl(settings.baseUrl, path), { method: 'POST', headers: settings.headers, body, signal });
      return {
        status: response.status,
        headers: response.headers,
        forEachChunk: (onChunk) => eachAsBuffer(response.body === null ? [] : (response.body as unknown as AsyncIterable<Uint8Array>), onChunk),
        text: () => response.text(),
      };
    },
    close() {},
  };
}
