import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpotcheckTables } from '../store/spotcheck-tables.ts';
import { openStore } from '../store/store.ts';
import { tempDir } from '../store/test-records.ts';
import { blindOrder } from './blind-order.ts';
import { sampleRun } from './sample.ts';
import { startSpotcheckServer, type SpotcheckServer } from './server.ts';
import { scored, writeTestRun } from './test-run.ts';

const RUN = 'r1';
const dir = tempDir('hybrid-eval-spotcheck-server-');
const path = join(dir.path, 's.duckdb');
let server: SpotcheckServer;
let origin: string;

beforeAll(async () => {
  await writeTestRun(path, RUN, ['q1', 'q2', 'q3'].map((id) => ({ id, candidate: scored(3), baseline: scored(4) })));
  const tables = await openSpotcheckTables(path);
  try {
    await sampleRun(tables, RUN, { n: 3, seed: 1 });
  } finally {
    await tables.close();
  }
  server = await startSpotcheckServer({ databasePath: path, runId: RUN, now: () => new Date('2025-07-01T00:00:00Z') });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

function call(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${pathname}`, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json', 'x-spotcheck-token': server.token }, body: JSON.stringify(body) });

describe('spotcheck server', () => {
  it('listens on 127.0.0.1 only and prints the token in the URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    expect((await call(`/?token=${server.token}`, { headers: { host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await call(`/?token=${server.token}`, { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('stores a blind rating un-blinded, and hands it back blind', async () => {
    const saved = await call('/api/ratings', json({ rater: ' ann ', itemId: 'q2', scores: [5, 2], preference: '1' }));
    expect(saved).toEqual({ status: 200, body: '{"saved":true}' });
    const store = await openStore(path, { readOnly: true });
    const rows = await store.all('SELECT role, score, preference, source, rater, rated_at FROM human_ratings ORDER BY role');
    await store.close();
    const [first, second] = blindOrder(RUN, 'q2');
    expect(rows).toEqual(
      [
        { role: first, score: 5, preference: first, source: 'page', rater: 'ann', rated_at: '2025-07-01T00:00:00.000Z' },
        { role: second, score: 2, preference: first, source: 'page', rater: 'ann', rated_at: '2025-07-01T00:00:00.000Z' },
      ].sort((a, b) => a.role.localeCompare(b.role)),
    );
    const items = JSON.parse((await call('/api/items?rater=ann', { headers: { 'x-spotcheck-token': server.token } })).body) as {
      items: { id: string; rating: unknown }[];
    };
    expect(items.items.find((item) => item.id === 'q2')!.rating).toEqual({ scores: [5, 2], preference: '1' });
    expect(items.items.filter((item) => item.rating === null)).toHaveLength(2);
  });

  it('hands back a partial imported rating with nulls, so the page asks for the rest', async () => {
    const tables = await openSpotcheckTables(path);
    try {
      await tables.upsertRatings([{ runId: RUN, queryId: 'q3', rater: 'bo', role: 'baseline', score: 4, preference: undefined, ratedAt: new Date(), source: 'import' }]);
    } finally {
      await tables.close();
    }
    const items = JSON.parse((await call('/api/items?rater=bo', { headers: { 'x-spotcheck-token': server.token } })).body) as {
      items: { id: string; rating: unknown }[];
    };
    const answer = blindOrder(RUN, 'q3').indexOf('baseline');
    expect(items.items.find((item) => item.id === 'q3')!.rating).toEqual({ scores: answer === 0 ? [4, null] : [null, 4], preference: null });
  });

  it('answers bad requests with their reason', async () => {
    expect((await call('/api/ratings', { ...json({}), headers: { 'x-spotcheck-token': server.token, 'content-type': 'text/plain' } })).status).toBe(415);
    const bad = await call('/api/ratings', json({ rater: 'ann', itemId: 'q1', scores: [6, 2], preference: '1' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('scores');
    expect((await call('/api/ratings', json({ rater: 'ann', itemId: 'q9', scores: [1, 2], preference: 'tie' }))).status).toBe(404);
    expect((await call('/api/ratings', json({ rater: 'ann', itemId: 'q1', scores: [1, 2], preference: 'tie', role: 'x' }))).status).toBe(400);
    expect((await call('/api/ratings', { headers: { 'x-spotcheck-token': server.token } })).status).toBe(405);
    expect((await call('/elsewhere', { headers: { 'x-spotcheck-token': server.token } })).status).toBe(404);
    expect((await call('/api/ratings', { ...json({ rater: 'x'.repeat(70_000) }) })).status).toBe(413);
  });
});
