import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { openStore } from '../store/store.ts';
import { runCharts } from './charts.ts';
import { viewData } from './data.ts';
import { queryFilters, toFilters } from './filters.ts';
import type { Html } from './html.ts';
import { linker, page } from './layout.ts';
import { comparePage, messagePage, preparingPage, queriesPage, queryPage, runPage, runsPage } from './pages.ts';
import { runIndexes } from './run-index.ts';

export interface ViewServerOptions {
  databasePath: string;
  /** Loopback only: 127.0.0.1 (the default), ::1 or localhost. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface ViewServer {
  /** The viewer's address, token included. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const runParam = z.object({ run: z.string().min(1).max(300) });
const queryParam = z.object({ run: z.string().min(1).max(300), id: z.string().min(1).max(300) });
const compareParams = z.object({
  base: z.string().max(300).optional(),
  run: z.string().max(300).optional(),
  tier: z.enum(['', 'simple', 'medium', 'complex']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
});

/**
 * The read-only results viewer on loopback. Security as the rating page's (src/spotcheck/server.ts):
 * a random token required on every request (403 without it), the Host header must name this
 * server (DNS rebinding), and no page runs script: the CSP allows none, styles only by nonce and
 * images only as data: URIs (server-rendered SVG charts). It only ever answers GET and HEAD, so no
 * other site can make it do anything. The database is open read-only for the server's life
 * (DuckDB then lets no process write the file until it stops): its reads can be cached.
 */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new UsageError(`--host ${host}: the viewer serves loopback only (127.0.0.1, ::1 or localhost): it shows production queries and answers`);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = await openStore(options.databasePath, { mustExist: true, readOnly: true });
  const indexes = runIndexes(store);
  const data = viewData(store, indexes);
  const token = randomBytes(24).toString('base64url');
  const expected = digest(token);
  const link = linker(token);
  const chartCache = new Map<string, Promise<Array<{ title: string; svg: string }>>>();
  let port = 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`view: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) sendText(response, 500, 'internal error (see the server log)');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://viewer.invalid');
    const hostHeader = request.headers.host ?? '';
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (!allowedHosts.includes(hostHeader)) return sendText(response, 403, 'forbidden');
    const given = url.searchParams.get('token');
    if (given === null || !timingSafeEqual(digest(given), expected)) return sendText(response, 403, 'forbidden: this page needs the token printed by hybrid-eval view');
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'method not allowed: the viewer is read-only');
    const params = Object.fromEntries(url.searchParams);
    delete params['token'];
    const nonce = randomBytes(16).toString('base64');
    const send = (status: number, title: string, body: Html, refresh?: number) =>
      sendPage(response, status, nonce, page({ title, nonce, link, ...(refresh === undefined ? {} : { refresh }) }, body));

    switch (url.pathname) {
      case '/': {
        const latest = await data.latestRunId();
        if (latest === undefined) return send(200, 'No runs', messagePage('No runs yet', 'This database holds no run: replay one first (npm run demo).'));
        return showRun(latest, send);
      }
      case '/runs':
        return send(200, 'Runs', runsPage(await data.runs(), link, token));
      case '/run': {
        const parsed = runParam.safeParse(params);
        if (!parsed.success) return send(400, 'Bad request', messagePage('Bad request', z.prettifyError(parsed.error)));
        return showRun(parsed.data.run, send);
      }
      case '/queries': {
        const parsed = queryFilters.safeParse(params);
        if (!parsed.success) return send(400, 'Bad request', messagePage('Bad request', z.prettifyError(parsed.error)));
        const run = await data.run(parsed.data.run);
        if (run === undefined) return send(404, 'No such run', messagePage('No such run', `There is no run ${parsed.data.run} in this database.`));
        const filters = toFilters(parsed.data);
        const rejects = parsed.data.rejected === 'only';
        const [result, endpoints] = rejects ? [await data.rejectPage(parsed.data.run, filters), []] : [await data.queryPage(parsed.data.run, filters), await data.endpoints(parsed.data.run)];
        if (result === undefined || endpoints === undefined) return send(200, 'Preparing', preparingPage(parsed.data.run, run['query_count']), 2);
        return send(200, `Queries of ${parsed.data.run}`, queriesPage({ runId: parsed.data.run, params: parsed.data, endpoints, result, rejects, token, link }));
      }
      case '/query': {
        const parsed = queryParam.safeParse(params);
        if (!parsed.success) return send(400, 'Bad request', messagePage('Bad request', z.prettifyError(parsed.error)));
        const detail = await data.query(parsed.data.run, parsed.data.id);
        if (detail === undefined) return send(404, 'No such query', messagePage('No such query', `Run ${parsed.data.run} has no query ${parsed.data.id}.`));
        return send(200, `Query ${parsed.data.id}`, queryPage({ runId: parsed.data.run, detail, link }));
      }
      case '/compare': {
        const parsed = compareParams.safeParse(params);
        if (!parsed.success) return send(400, 'Bad request', messagePage('Bad request', z.prettifyError(parsed.error)));
        const runs = await data.runs();
        const runId = parsed.data.run || (await data.latestRunId());
        const base = parsed.data.base || (runId === undefined ? undefined : await data.previousRun(runId));
        const tier = parsed.data.tier || undefined;
        const known = new Set(runs.map((run) => run['run_id']));
        if ((runId !== undefined && !known.has(runId)) || (base !== undefined && !known.has(base))) {
          return send(404, 'No such run', messagePage('No such run', `No run ${!known.has(runId) ? runId : base} in this database.`));
        }
        const ready = base !== undefined && runId !== undefined;
        const tiers = ready ? await data.compareTiers(base, runId) : undefined;
        const regressions = ready && tiers !== undefined ? await data.regressions(base, runId, parsed.data.page, tier) : undefined;
        if (ready && (tiers === undefined || regressions === undefined)) return send(200, 'Preparing', preparingPage(`${base} and ${runId}`, undefined), 2);
        return send(200, 'Compare runs', comparePage({ base, runId, runs, tiers, regressions, page: parsed.data.page, tier, token, link }));
      }
      default:
        return send(404, 'Not found', messagePage('Not found', `Nothing at ${url.pathname}.`));
    }
  }

  async function showRun(runId: string, send: (status: number, title: string, body: Html, refresh?: number) => void): Promise<void> {
    const run = await data.run(runId);
    if (run === undefined) return send(404, 'No such run', messagePage('No such run', `There is no run ${runId} in this database.`));
    const tiers = await data.tiers(runId);
    if (tiers === undefined) return send(200, 'Preparing', preparingPage(runId, run['query_count']), 2);
    let charts = chartCache.get(runId);
    if (charts === undefined) {
      charts = runCharts(tiers, (await data.scoreCounts(runId)) ?? []);
      charts.catch(() => chartCache.delete(runId));
      chartCache.set(runId, charts);
    }
    const [cost, checks] = await Promise.all([data.cost(runId), data.gateChecks(runId)]);
    return send(200, `Run ${runId}`, runPage({ run, tiers, cost, checks, charts: await charts, link }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new UsageError(`cannot listen on ${host}:${options.port}: ${error.message}`) : error),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  // The newest run is what the printed address opens on: start indexing it now.
  void data.latestRunId().then((runId) => (runId === undefined ? undefined : indexes.ready(runId, 0)), () => undefined);
  const shownHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => store.close()),
  };
}


// Hashing both sides gives equal lengths, so timingSafeEqual leaks neither the token nor its length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function sendPage(response: ServerResponse, status: number, nonce: string, body: string): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      'img-src data:',
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  response.end(body);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
