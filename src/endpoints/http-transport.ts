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
  /** The body's bytes, chunk by chunk as they arrive (UTF-8 characters may straddle chunks). */
  chunks(): AsyncIterable<Buffer>;
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

export function undiciTransport(settings: TransportSettings): Transport {
  const url = new URL(settings.baseUrl);
  const prefix = basePath(url);
  // Timeouts are the client's (per attempt, headers and body together); undici's own are a backstop.
  const pool = new Pool(url.origin, { connections: settings.connections, pipelining: 1, keepAliveTimeout: 10_000 });
  return {
    async post(path, body, signal) {
      const response = await pool.request({ path: `${prefix}${path}`, method: 'POST', headers: settings.headers, body, signal });
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
        chunks: () => stream,
        text: () => stream.text(),
      };
    },
    close() {
      void pool.close().catch(() => undefined);
    },
  };
}

/** Body chunks as Buffers, without a copy: fetch gives plain Uint8Arrays. */
async function* asBuffers(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Buffer> {
  for await (const chunk of chunks) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The same over an injected fetch (tests, proxies, instrumentation). */
export function fetchTransport(settings: TransportSettings, fetchImpl: typeof fetch): Transport {
  const prefix = settings.baseUrl.replace(/\/+$/, '');
  return {
    async post(path, body, signal) {
      const response = await fetchImpl(`${prefix}${path}`, { method: 'POST', headers: settings.headers, body, signal });
      return {
        status: response.status,
        headers: response.headers,
        chunks: () => asBuffers(response.body === null ? [] : (response.body as unknown as AsyncIterable<Uint8Array>)),
        text: () => response.text(),
      };
    },
    close() {},
  };
}
