import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Marked } from 'marked';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { hashString } from '../spotcheck/random.ts';
import { digest, headerValue, listenOnLoopback, readBody, sendJson, sendNoncedPage, sendText } from '../spotcheck/server.ts';
import { openLabelTables, RATING_LABELS, type LabelTables } from '../store/label-tables.ts';

export const DEFAULT_GUIDELINES = join(import.meta.dirname, '../../guidelines/labelling.md');
export const DEFAULT_OVERLAP = 0.2;
export const DEFAULT_BATCH = 20;

export interface LabelServerOptions {
  databasePath: string;
  guidelines?: string;
  /** Share of items every batch takes from the overlap, which two raters label. */
  overlap?: number;
  /** Raters per overlap item. Default 2. */
  overlapRaters?: number;
  batch?: number;
  round?: number;
  port?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface LabelServer {
  url: string;
  token: string;
  port: number;
  items: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const PAGE_DIR = join(import.meta.dirname, 'page');

const labelBody = z.strictObject({
  rater: z.string().trim().min(1).max(100),
  itemId: z.string().min(1).max(100),
  label: z.enum(RATING_LABELS),
});

interface ServedItem {
  id: string;
  text: string;
  overlap: boolean;
}

/**
 * An item is in the overlap when its id hashes below the overlap share: fixed per item, so a
 * restarted server (or another rater) agrees on which items need two raters.
 */
export function inOverlap(itemId: string, overlap: number): boolean {
  return hashString(`overlap:${itemId}`) / 4294967296 < overlap;
}

/**
 * The labelling page on 127.0.0.1, token-protected like the spot-check page (same token check,
 * Host check and headers). Each rater asks for a batch: items they have not labelled that still
 * need a label, the overlap share of the batch from the overlap items (labelled by
 * `overlapRaters` raters each, for `label agreement`), the rest from items no one has labelled.
 */
export async function startLabelServer(options: LabelServerOptions): Promise<LabelServer> {
  const overlap = options.overlap ?? DEFAULT_OVERLAP;
  if (!(overlap >= 0 && overlap <= 1)) throw new UsageError(`--overlap must be a share from 0 to 1, got ${overlap}`);
  const overlapRaters = options.overlapRaters ?? 2;
  const batchSize = options.batch ?? DEFAULT_BATCH;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const guidelinesPath = options.guidelines ?? DEFAULT_GUIDELINES;
  let guidelinesMarkdown: string;
  try {
    guidelinesMarkdown = readFileSync(guidelinesPath, 'utf8');
  } catch (error) {
    throw new UsageError(`${guidelinesPath}: cannot read the guidelines (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const guidelinesHtml = renderGuidelines(guidelinesMarkdown);

  const items = await withTables(options.databasePath, async (tables) => {
    const rows = await tables.store.all<{ item_id: string; display_text: string }>(
      `SELECT item_id, display_text FROM label_items ${options.round === undefined ? '' : 'WHERE round = $1'} ORDER BY split, round, item_id`,
      options.round === undefined ? [] : [options.round],
    );
    return rows.map((row): ServedItem => ({ id: row.item_id, text: row.display_text, overlap: inOverlap(row.item_id, overlap) }));
  });
  if (items.length === 0) throw new UsageError(`${options.databasePath}: no items to label${options.round === undefined ? '' : ` in round ${options.round}`}; run label sample first`);
  const byId = new Map(items.map((item) => [item.id, item]));

  const token = randomBytes(24).toString('base64url');
  const expected = digest(token);
  const template = readFileSync(join(PAGE_DIR, 'page.html'), 'utf8');
  const script = readFileSync(join(PAGE_DIR, 'page.js'), 'utf8');
  const style = readFileSync(join(PAGE_DIR, 'page.css'), 'utf8');
  let port = 0;

  async function nextBatch(rater: string): Promise<{ batch: { id: string; text: string }[]; done: number; remaining: number }> {
    const ratings = await withTables(options.databasePath, (tables) =>
      tables.store.all<{ item_id: string; rater: string; label: string }>('SELECT item_id, rater, label FROM label_ratings'),
    );
    const countBy = new Map<string, number>();
    const mine = new Set<string>();
    for (const row of ratings) {
      if (!byId.has(row.item_id)) continue;
      // A skip takes the item off this rater's list without counting as one of its labels.
      if (row.label !== 'skip') countBy.set(row.item_id, (countBy.get(row.item_id) ?? 0) + 1);
      if (row.rater === rater) mine.add(row.item_id);
    }
    const open = items.filter((item) => !mine.has(item.id) && (countBy.get(item.id) ?? 0) < (item.overlap ? overlapRaters : 1));
    const overlapOpen = open.filter((item) => item.overlap);
    const singleOpen = open.filter((item) => !item.overlap);
    const wantOverlap = Math.min(overlapOpen.length, Math.max(overlap > 0 ? 1 : 0, Math.round(batchSize * overlap)));
    const chosen = [...overlapOpen.slice(0, wantOverlap), ...singleOpen.slice(0, batchSize - wantOverlap)];
    if (chosen.length < batchSize) chosen.push(...overlapOpen.slice(wantOverlap, wantOverlap + batchSize - chosen.length));
    // Mixed, not overlap first: a rater should not be able to tell which items are double-labelled.
    chosen.sort((a, b) => hashString(`${rater}:${a.id}`) - hashString(`${rater}:${b.id}`));
    return { batch: chosen.map(({ id, text }) => ({ id, text })), done: mine.size, remaining: open.length };
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const busy = error instanceof UsageError;
      if (!busy) log(`label serve: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) sendJson(response, busy ? 503 : 500, { error: busy ? (error as Error).message : 'internal error (see the server log)' });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://${HOST}`);
    const host = request.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) return sendText(response, 403, 'forbidden');
    const given = url.searchParams.get('token') ?? headerValue(request.headers['x-label-token']);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) return sendText(response, 403, 'forbidden');

    if (url.pathname === '/' && request.method === 'GET') return sendPage(response);
    if (url.pathname === '/api/batch' && request.method === 'GET') {
      const rater = (url.searchParams.get('rater') ?? '').trim();
      if (rater === '' || rater.length > 100) return sendJson(response, 400, { error: 'rater: give a name of 1 to 100 characters' });
      return sendJson(response, 200, await nextBatch(rater));
    }
    if (url.pathname === '/api/labels' && request.method === 'POST') {
      if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return sendJson(response, 415, { error: 'expected application/json' });
      const text = await readBody(request);
      if (text === undefined) return sendJson(response, 413, { error: 'body too large' });
      let body: z.infer<typeof labelBody>;
      try {
        body = labelBody.parse(JSON.parse(text));
      } catch (error) {
        return sendJson(response, 400, { error: `bad label: ${error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message}` });
      }
      if (!byId.has(body.itemId)) return sendJson(response, 404, { error: `no item ${body.itemId}` });
      await withTables(options.databasePath, (tables) => tables.upsertRatings([{ itemId: body.itemId, rater: body.rater, label: body.label, ratedAt: now(), source: 'page' }]));
      return sendJson(response, 200, { saved: true });
    }
    if (['/', '/api/batch', '/api/labels'].includes(url.pathname)) return sendJson(response, 405, { error: 'method not allowed' });
    return sendText(response, 404, 'not found');
  }

  function sendPage(response: ServerResponse): void {
    sendNoncedPage(response, (nonce) =>
      template
        .replaceAll('__NONCE__', () => nonce)
        .replace('__STYLE__', () => style)
        .replace('__GUIDELINES__', () => guidelinesHtml)
        .replace('__SCRIPT__', () => script),
    );
  }

  port = await listenOnLoopback(server, options.port);
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    token,
    port,
    items: items.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The team's Markdown guidelines as HTML; raw HTML in the file is shown as text, not run. */
export function renderGuidelines(markdown: string): string {
  const marked = new Marked({ async: false, gfm: true });
  marked.use({ renderer: { html: ({ text }) => escapeHtml(text) } });
  return marked.parse(markdown, { async: false }) as string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

async function withTables<T>(path: string, work: (tables: LabelTables) => Promise<T>): Promise<T> {
  const tables = await openLabelTables(path, { mustExist: true });
  try {
    return await work(tables);
  } finally {
    await tables.close();
  }
}
