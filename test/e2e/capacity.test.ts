import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';

interface CapacityJson {
  plan_id: string;
  per_replica_rps: number;
  headroom: number;
  peak: { hour: number; onprem_rps: number; replicas: number };
  policies: Array<{ name: string; gpu_hours_per_month: number; monthly_usd: number | null }>;
  planned_monthly_queries: number;
  loadtest_id: string;
}

describe('capacity from a load test, a routed run and the log timestamps', () => {
  const dir = tempDir();
  const db = join(dir, 'cap.duckdb');
  let loadtestRps: number;
  beforeAll(async () => {
    // This test is about the plan's arithmetic, not about timer jitter on a busy machine: an SLO
    // loose enough that the low levels meet it whatever the load of the machine running the test.
    const loose = join(dir, 'loose.yaml');
    const config = readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')
      .replace('slo: { ttft_p95_ms: 1000, itl_p95_ms: 80 }', 'slo: { ttft_p95_ms: 5000, itl_p95_ms: 1000 }')
      .replace(/\b(prompts|datasets|judges|suites)\//g, `${ROOT}/$1/`)
      .replace('models/router', `${ROOT}/models/router`);
    writeFileSync(loose, config);
    const loadtest = await runCli(['loadtest', '-c', loose, '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--concurrency', '1,4', '--duration', '10', '--db', join(dir, 'lt.duckdb'), '--json']);
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '120', '--db', db]);
    expect(loadtest.code, loadtest.stderr).toBe(0);
    expect(replay.code, replay.stderr).toBe(0);
    const lt = JSON.parse(loadtest.stdout) as { loadtest_id: string; max_sustainable: { requests_per_s: number } | null };
    expect(lt.max_sustainable).not.toBeNull();
    loadtestRps = lt.max_sustainable!.requests_per_s;
    // The load test lives in its own file; an analyst copies it next to the run (one database, as a team keeps).
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db);
    try {
      await store.all(`ATTACH '${join(dir, 'lt.duckdb')}' AS lt (READ_ONLY)`);
      for (const table of ['loadtests', 'loadtest_levels', 'loadtest_requests', 'loadtest_metrics']) await store.all(`INSERT INTO ${table} SELECT * FROM lt.${table}`);
      await store.all('DETACH lt');
    } finally {
      await store.close();
    }
  }, 240_000);

  it('sizes the peak at ceil(peak on-prem rate / per-replica capacity x headroom), recomputable from stored rows', async () => {
    const result = await runCli(['capacity', '-c', 'examples/sim.yaml', '--growth', '0.2', '--months', '6', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as CapacityJson;
    expect(json.per_replica_rps).toBe(loadtestRps);
    expect(json.headroom).toBe(1.2);
    expect(json.planned_monthly_queries).toBeCloseTo(1_000_000 * 1.2 ** 6, 3);
    expect(json.peak.replicas).toBe(Math.ceil((json.peak.onprem_rps / json.per_replica_rps) * json.headroom - 1e-9));
    expect(json.peak.replicas).toBeGreaterThan(0);
    expect(json.policies.map((policy) => policy.name)).toEqual(['always_on_peak', 'always_on_reserved', 'autoscale_hourly', 'scale_to_zero_night', 'spot_mix']);
    const byName = Object.fromEntries(json.policies.map((policy) => [policy.name, policy]));
    expect(byName.always_on_peak!.gpu_hours_per_month).toBe(json.peak.replicas * 720 * 8);
    expect(byName.always_on_peak!.monthly_usd).toBe(json.peak.replicas * 720 * 8 * 2.0);
    expect(byName.autoscale_hourly!.gpu_hours_per_month).toBeLessThanOrEqual(byName.always_on_peak!.gpu_hours_per_month);
    for (const policy of json.policies) expect(policy.monthly_usd).toBeGreaterThan(0);

    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db, { readOnly: true });
    try {
      const [plan] = await store.all<{ peak_replicas: number; peak_onprem_rps: number; per_replica_rps: number; headroom: number; max_rps: number; loadtest_rps: number }>(
        `SELECT p.peak_replicas, p.peak_onprem_rps, p.per_replica_rps, p.headroom,
                (SELECT max(onprem_rps) FROM capacity_hours h WHERE h.plan_id = p.plan_id) AS max_rps,
                t.max_sustainable_rps AS loadtest_rps
         FROM capacity_plans p JOIN loadtests t USING (loadtest_id) WHERE p.plan_id = ?`,
        [json.plan_id],
      );
      expect(plan!.peak_onprem_rps).toBe(plan!.max_rps);
      expect(plan!.per_replica_rps).toBe(plan!.loadtest_rps);
      expect(plan!.peak_replicas).toBe(json.peak.replicas);
      const mismatches = await store.all('SELECT * FROM capacity_check WHERE plan_id = ? AND stored_replicas <> recomputed_replicas', [json.plan_id]);
      expect(mismatches).toEqual([]);
      const [hours] = await store.all<{ n: number }>('SELECT count(*) AS n FROM capacity_check WHERE plan_id = ?', [json.plan_id]);
      expect(hours!.n).toBe(168);
      // The whole chain again from the raw rows, without the view: one replica's capacity from the load
      // test's own requests, the on-prem share from the run's routes, each hour's rate from the planned
      // volume and its traffic share, the peak's replicas and the always-on GPU-hours.
      const [chain] = await store.all<{ per_replica_rps: number; onprem_share: number; worst_rps_gap: number; peak_rps: number; peak_replicas: number; always_on_gpu_hours: number; gpus_per_replica: number }>(
        `WITH p AS (SELECT * FROM capacity_plans WHERE plan_id = ?),
         lt AS (
           SELECT l.measured_s, count(*) FILTER (WHERE r.status = 'ok') AS ok
           FROM loadtests t JOIN loadtest_levels l USING (loadtest_id)
           JOIN loadtest_requests r ON r.loadtest_id = l.loadtest_id AND r.level_index = l.level_index
           WHERE t.loadtest_id = (SELECT loadtest_id FROM p)
             AND coalesce(l.concurrency, l.rate) = t.max_sustainable_level
           GROUP BY l.measured_s),
         share AS (
           SELECT count(*) FILTER (WHERE tier = 'simple') / count(*) AS onprem_share
           FROM routes WHERE run_id = (SELECT run_id FROM p)),
         hours AS (
           SELECT h.onprem_rps,
                  p.monthly_queries * (1 + p.growth) ^ p.months / (30 / 7) * h.traffic_share * s.onprem_share / 3600 AS rps
           FROM capacity_hours h JOIN p USING (plan_id), share s)
         SELECT (SELECT ok / measured_s FROM lt) AS per_replica_rps,
                (SELECT onprem_share FROM share) AS onprem_share,
                (SELECT max(abs(onprem_rps - rps)) FROM hours) AS worst_rps_gap,
                (SELECT max(rps) FROM hours) AS peak_rps,
                CAST(ceil((SELECT max(rps) FROM hours) / (SELECT ok / measured_s FROM lt) * p.headroom - 1e-9) AS INTEGER) AS peak_replicas,
                (SELECT gpu_hours_per_month FROM capacity_policies WHERE plan_id = (SELECT plan_id FROM p) AND name = 'always_on_peak') AS always_on_gpu_hours,
                p.gpus_per_replica
         FROM p`,
        [json.plan_id],
      );
      expect(chain!.per_replica_rps).toBeCloseTo(json.per_replica_rps, 9);
      expect(chain!.worst_rps_gap).toBeLessThan(1e-9);
      expect(chain!.peak_rps).toBeCloseTo(json.peak.onprem_rps, 9);
      expect(chain!.peak_replicas).toBe(json.peak.replicas);
      expect(chain!.always_on_gpu_hours).toBe(json.peak.replicas * 720 * chain!.gpus_per_replica);
      expect(chain!.onprem_share).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('a log without timestamps is one clear line and exit 2; --profile flat plans anyway', async () => {
    const log = join(dir, 'no-times.jsonl');
    const lines = readFileSync(join(ROOT, 'datasets/sample.jsonl'), 'utf8').trim().split('\n').slice(0, 20);
    writeFileSync(log, lines.map((line) => { const { timestamp: _, ...rest } = JSON.parse(line) as Record<string, unknown>; return JSON.stringify(rest); }).join('\n') + '\n');
    const refused = await runCli(['capacity', '-c', 'examples/sim.yaml', '--dataset', log, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/no-times\.jsonl: none of its 20 queries has a timestamp .*--profile flat/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const flat = await runCli(['capacity', '-c', 'examples/sim.yaml', '--dataset', log, '--profile', 'flat', '--db', db, '--json']);
    expect(flat.code, flat.stderr).toBe(0);
    const json = JSON.parse(flat.stdout) as CapacityJson;
    expect(json.peak.replicas).toBe(Math.ceil((json.peak.onprem_rps / json.per_replica_rps) * json.headroom - 1e-9));
  });

  it('the gate prices on-prem from the stored plan, says so, and the report shows load vs capacity and the policies', async () => {
    const plan = await runCli(['capacity', '-c', 'examples/sim.yaml', '--db', db, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const json = JSON.parse(plan.stdout) as CapacityJson;
    const autoscale = json.policies.find((policy) => policy.name === 'autoscale_hourly')!;
    const results = join(dir, 'results');
    const gate = await runCli(['gate', '-c', 'examples/sim.yaml', '--run', 'latest', '--db', db, '--results', results]);
    expect([0, 1, 3]).toContain(gate.code);
    const [runDir] = readdirSync(results);
    const report = JSON.parse(readFileSync(join(results, runDir!, 'report.json'), 'utf8')) as { costModel: { notes: string[]; breakEven: Array<{ endpoint: string; fixedMonthlyUsd: number }> } };
    expect(report.costModel.notes[0]).toMatch(new RegExp(`^on-prem cost of llama: \\$[\\d,]+/month from capacity plan ${json.plan_id} \\(policy autoscale_hourly.* instead of the typed fixed_monthly_usd \\$11,000$`));
    expect(report.costModel.breakEven.find((entry) => entry.endpoint === 'llama')!.fixedMonthlyUsd).toBeCloseTo(autoscale.monthly_usd!, 6);
    const markdown = readFileSync(join(results, runDir!, 'report.md'), 'utf8');
    expect(markdown).toContain(`## GPU capacity (plan ${json.plan_id})`);
    for (const policy of json.policies) expect(markdown).toContain(`| ${policy.name} |`);
    const html = join(results, runDir!, 'report.html');
    if (!existsSync(CHROMIUM)) return;
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(() => document.querySelectorAll('.chart:not([data-rendered])').length === 0, undefined, { timeout: 15_000 });
      expect(await page.getAttribute('#chart-capacity', 'data-rendered')).toBe('true');
      expect(await page.$$eval('#chart-capacity svg .role-mark > *', (marks) => marks.length)).toBeGreaterThan(2);
      expect(await page.$$eval('#capacity tbody tr', (rows) => rows.length)).toBe(json.policies.length);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
  it('--step takes the on-prem share from a rollout step: its share of the endpoint on each tier, weighted by the run\'s tier mix', async () => {
    // suites/rollout.yaml, step "30%": simple { candidate: 0.43 } (Llama), medium half on GPT-3.5 (not on-prem), complex on GPT-4.
    const result = await runCli(['capacity', '-c', 'examples/sim.yaml', '--step', '30%', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as CapacityJson & { onprem_share: number; run_id: string };
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db, { readOnly: true });
    try {
      const [mix] = await store.all<{ simple: number }>("SELECT count(*) FILTER (WHERE tier = 'simple') / count(*) AS simple FROM routes WHERE run_id = ?", [json.run_id]);
      expect(json.onprem_share).toBeCloseTo(mix!.simple * 0.43, 12);
      const [plan] = await store.all<{ onprem_share: number; onprem_share_source: string }>('SELECT onprem_share, onprem_share_source FROM capacity_plans WHERE plan_id = ?', [json.plan_id]);
      expect(plan!.onprem_share).toBeCloseTo(json.onprem_share, 12);
      expect(plan!.onprem_share_source).toMatch(/^step "30%" of .*rollout\.yaml over run /);
    } finally {
      await store.close();
    }
    expect(json.peak.replicas).toBe(Math.ceil((json.peak.onprem_rps / json.per_replica_rps) * json.headroom - 1e-9));
    const unknown = await runCli(['capacity', '-c', 'examples/sim.yaml', '--step', 'nope', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--step nope: no such step in .*rollout\.yaml \(steps: shadow, 10%, 30%, 70%/);
  }, 60_000);
});
