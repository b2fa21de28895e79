import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { openSpotcheckTables, type HumanRating } from '../store/spotcheck-tables.ts';
import { loadBlindRatings, loadItems, unblindPreference, type BlindRating, type SpotcheckItem } from './items.ts';

export interface SpotcheckServerOptions {
  databasePath: string;
  runId: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  now?: () => Date;
  /** Where unexpected errors are logged; defaults to stderr. */
  log?: (line: string) => void;
}

export interface SpotcheckServer {
  /** The page's address, token included. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

// Loopback only: the page shows production queries and answers.
const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 64 * 1024;
const PAGE_DIR = join(import.meta.dirname, 'page');

const ratingBody = z.strictObject({
  rater: z.string().trim().min(1).max(100),
  itemId: z.string().min(1),
  scores: z.tuple([z.int().min(1).max(5), z.int().min(1).max(5)]),
  preference: z.enum(['1', '2', 'tie']),
});

/**
 * Serves the rating page for a run's sample on 127.0.0.1. Every request must carry the access token
 * (?token=... or an x-spotcheck-token header) or it gets 403. The items are read once at start;
 * the database is opened per request, so other hybrid-eval commands can use the file between
 * ratings (DuckDB lets one process at a time open it).
 */
export async function startSpotcheckServer(options: SpotcheckServerOptions): Promise<SpotcheckServer> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const items = await withTables(options.databasePath, (tables) => loadItems(tables.store, options.runId));
  const byId = new Map(items.map((item) => [item.queryId, item]));
  const token = randomBytes(24).toString('base64url');
  const expected = digest(token);
  const template = readFileSync(join(PAGE_DIR, 'page.html'), 'utf8');
  const script = readFileSync(join(PAGE_DIR, 'page.js'), 'utf8');
  const style = readFileSync(join(PAGE_DIR, 'page.css'), 'utf8');
  let port = 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const busy = error instanceof UsageError;
      if (!busy) log(`spotcheck: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) {
        sendJson(response, busy ? 503 : 500, { error: busy ? (error as Error).message : 'internal error (see the server log)' });
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    // A page on another site cannot reach loopback under its own name (DNS rebinding) without this.
    const host = request.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) return sendText(response, 403, 'forbidden');
    const given = url.searchParams.get('token') ?? headerValue(request.headers['x-spotcheck-token']);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) return sendText(response, 403, 'forbidden');

    if (url.pathname === '/' && request.method === 'GET') return sendPage(response);
    if (url.pathname === '/api/items' && request.method === 'GET') {
      const rater = (url.searchParams.get('rater') ?? '').trim();
      const ratings: Map<string, BlindRating> = rater === '' ? new Map() : await withTables(options.databasePath, (tables) => loadBlindRatings(tables.store, options.runId, rater, items));
      return sendJson(response, 200, {
        items: items.map((item) => ({
          id: item.queryId,
          position: item.position,
          query: item.query,
          answers: item.answers,
          rating: blindRatingJson(ratings.get(item.queryId)),
        })),
      });
    }
    if (url.pathname === '/api/ratings' && request.method === 'POST') {
      if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return sendJson(response, 415, { error: 'expected application/json' });
      const text = await readBody(request);
      if (text === undefined) return sendJson(response, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      let body: z.infer<typeof ratingBody>;
      try {
        body = ratingBody.parse(JSON.parse(text));
      } catch (error) {
        return sendJson(response, 400, { error: `bad rating: ${error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message}` });
      }
      const item = byId.get(body.itemId);
      if (item === undefined) return sendJson(response, 404, { error: `no item ${body.itemId} in this sample` });
      await withTables(options.databasePath, (tables) => tables.upsertRatings(ratingRows(options.runId, item, body, now())));
      return sendJson(response, 200, { saved: true });
    }
    if (['/', '/api/items', '/api/ratings'].includes(url.pathname)) return sendJson(response, 405, { error: 'method not allowed' });
    return sendText(response, 404, 'not found');
  }

  function sendPage(response: ServerResponse): void {
    // Function replacements: a string one would read $& and $' in the script as patterns.
    sendNoncedPage(response, (nonce) =>
      template
        .replaceAll('__NONCE__', () => nonce)
        .replace('__STYLE__', () => style)
        .replace('__SCRIPT__', () => script),
    );
  }

  port = await listenOnLoopback(server, options.port);
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function blindRatingJson(rating: BlindRating | undefined): unknown {
  return rating === undefined ? null : { scores: [rating.scores[0] ?? null, rating.scores[1] ?? null], preference: rating.preference ?? null };
}

/** The page's blind rating as two human_ratings rows. */
export function ratingRows(
  runId: string,
  item: SpotcheckItem,
  body: { rater: string; scores: [number, number]; preference: '1' | '2' | 'tie' },
  ratedAt: Date,
): HumanRating[] {
  const preference = unblindPreference(body.preference, item.roles);
  return item.roles.map((role, answer) => ({
    runId,
    queryId: item.queryId,
    rater: body.rater,
    role,
    score: body.scores[answer]!,
    preference,
    ratedAt,
    source: 'page' as const,
  }));
}

async function withTables<T>(path: string, work: (tables: Awaited<ReturnType<typeof openSpotcheckTables>>) => Promise<T>): Promise<T> {
  const tables = await openSpotcheckTables(path);
  try {
    return await work(tables);
  } finally {
    await tables.close();
  }
}

// Hashing both sides gives equal lengths, so timingSafeEqual leaks neither the token nor its length.
/**
 * Sends a local page whose inline style and script carry a fresh nonce: the CSP allows nothing
 * else (no other script, no framing, no form posts elsewhere). `render` fills the template.
 */
export function sendNoncedPage(response: ServerResponse, render: (nonce: string) => string): void {
  const nonce = randomBytes(16).toString('base64');
  const html = render(nonce);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  response.end(html);
}

/** Listens on 127.0.0.1 only (port 0: a free one); a port in use or forbidden is a usage error. */
export async function listenOnLoopback(server: Server, port: number | undefined): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new UsageError(`cannot listen on ${HOST}:${port}: ${error.message}`, { cause: error }) : error),
    );
    server.listen(port ?? 0, HOST, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}

export function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
