import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promtoolOrSkip, runPromtool } from './support/promtool.js';
import { dashboardQueries, root } from './support/queries.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string; datasource?: { uid?: string } }[];
}

const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'infra/grafana/wirefleet.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
/** Grafana's reference to the dashboard's `datasource` variable (a literal, not a template string). */
const DATASOURCE = ['$', '{datasource}'].join('');
const tool = promtoolOrSkip();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-dashboard-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A query as Prometheus would receive it from Grafana with the default variable values. */
const asSent = (expr: string) =>
  expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$auth_job', 'wirefleet-auth-api')
    .replaceAll('$gateway_job', 'wirefleet-gateway');

describe('the Grafana dashboard', () => {
  it('has a stable uid, unique panel ids and panels that do not overlap', () => {
    expect(dashboard.uid).toBe('wirefleet');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row += 1)
        for (let col = x; col < x + w; col += 1) {
          const cell = `${row}:${col}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
    }
  });

  it('queries through the chosen data source, each target with its own refId', () => {
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual([
      'datasource',
      'auth_job',
      'gateway_job',
    ]);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      expect(refIds.length, panel.title).toBeGreaterThan(0);
    }
  });

  it.skipIf(tool.skip !== undefined)(
    'every query is valid PromQL (promtool compiles each as a recording rule)',
    async () => {
      const rules = dashboardQueries(dashboard).map(
        ({ expr }, index) =>
          `      - record: wirefleet:dashboard_query_${index}\n        expr: ${JSON.stringify(asSent(expr))}`,
      );
      fs.writeFileSync(
        path.join(tmp, 'queries.yml'),
        `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`,
      );
      const result = await runPromtool(tool.promtool!, ['check', 'rules', 'queries.yml'], tmp);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain(`${rules.length} rules found`);
    },
  );
});
