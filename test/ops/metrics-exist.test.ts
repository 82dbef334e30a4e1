import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/auth-api.js';
import { type RealtimeStack, startRealtimeStack } from '../support/realtime-stack.js';
import { exportedNames, metricNamesIn } from './support/exposition.js';
import { dashboardQueries, readProposedMetrics, root, ruleExpressions } from './support/queries.js';

const alertExprs = ruleExpressions(fs.readFileSync(`${root}/infra/prometheus/alerts.yml`, 'utf8'));
const dashboard = JSON.parse(fs.readFileSync(`${root}/infra/grafana/wirefleet.json`, 'utf8'));
const panelQueries = dashboardQueries(dashboard);
const proposed = readProposedMetrics();

/** name → where it is used ("alert: …" / "panel: …"). */
function referencedMetrics(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const add = (expr: string, where: string) => {
    for (const name of metricNamesIn(expr)) used.set(name, [...(used.get(name) ?? []), where]);
  };
  for (const expr of alertExprs) add(expr, 'alerts.yml');
  for (const { panel, expr } of panelQueries) add(expr, `panel "${panel}"`);
  return used;
}

describe('metricNamesIn: the metric names of a PromQL expression', () => {
  it.each([
    ['up{job=~"a|b"} == 0', ['up']],
    ['sum by (job) (rate(x_total{result=~"a|b"}[5m])) > 0.5 * sum by (job) (rate(x_total[5m]))', ['x_total']],
    [
      'max by (node_id, node) (a) > max by (node_id, node) (b)\nand on (node_id, node) max by (node_id, node) (c) == 1',
      ['a', 'b', 'c'],
    ],
    [
      'histogram_quantile(0.95, sum by (le) (rate(h_bucket{job=~"$auth_job"}[$__rate_interval])))',
      ['h_bucket'],
    ],
    ['count(max by (node_id) (n) == 1) or vector(0)', ['n']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr).sort()).toEqual([...names].sort());
  });
});

describe('every metric the alerts and the dashboard query is served by a running auth-api or gateway', () => {
  let stack: RealtimeStack;
  let exported: Set<string>;

  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    const auth = await fetch(`${stack.auth.url}/metrics`);
    const gateway = await fetch(`http://127.0.0.1:${stack.gateways[0]!.port}/metrics`);
    expect(auth.status).toBe(200);
    expect(gateway.status).toBe(200);
    exported = new Set([...exportedNames(await auth.text()), ...exportedNames(await gateway.text())]);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('the scrape has the metrics both services are known to export', () => {
    for (const name of [
      'wirefleet_http_requests_total',
      'wirefleet_http_request_duration_seconds_bucket',
      'wirefleet_gateway_connections',
    ])
      expect(exported).toContain(name);
  });

  it('logins are counted with the result values WirefleetLoginFailureSpike matches on', async () => {
    await call(stack.auth.url, 'POST', '/v1/auth/login', {
      body: { username: 'admin', password: 'not the password' },
    });
    await login(stack.auth.url);
    const text = await (await fetch(`${stack.auth.url}/metrics`)).text();
    expect(text).toMatch(/^wirefleet_logins_total\{result="invalid_credentials"\} 1$/m);
    expect(text).toMatch(/^wirefleet_logins_total\{result="ok"\} 1$/m);
    const rule = alertExprs.find((expr) => expr.includes('wirefleet_logins_total'))!;
    expect(rule).toContain('result=~"invalid_credentials|totp_invalid"');
  });

  it('the dashboard and the alerts query something', () => {
    expect(panelQueries.length).toBeGreaterThanOrEqual(20);
    expect(alertExprs.length).toBeGreaterThanOrEqual(10);
  });

  it('a referenced metric that is not exported is in proposed-metrics.json (with where it would be set)', () => {
    const allowed = new Set([...proposed.synthetic, ...proposed.proposed].map((entry) => entry.name));
    const missing = [...referencedMetrics()]
      .filter(([name]) => !exported.has(name) && !allowed.has(name))
      .map(([name, where]) => `${name} (${[...new Set(where)].join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('proposed-metrics.json lists nothing that is exported by now, nor anything unused', () => {
    const used = referencedMetrics();
    const nowExported = proposed.proposed
      .filter((entry) => exported.has(entry.name))
      .map((entry) => entry.name);
    expect(nowExported, 'exported now: remove from proposed-metrics.json').toEqual([]);
    const unused = [...proposed.synthetic, ...proposed.proposed]
      .filter((entry) => !used.has(entry.name))
      .map((entry) => entry.name);
    expect(unused).toEqual([]);
    for (const entry of proposed.proposed) expect(entry.where.length, entry.name).toBeGreaterThan(20);
  });
});
