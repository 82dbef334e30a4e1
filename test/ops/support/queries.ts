import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every `expr:` of a Prometheus rule file, one-line or a `|` block. */
export function ruleExpressions(rules: string): string[] {
  const lines = rules.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    const [, indent, rest] = match as unknown as [string, string, string];
    if (rest !== '|' && rest !== '>') {
      exprs.push(rest);
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next);
    }
    exprs.push(block.join('\n'));
  });
  return exprs;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every query of a Grafana dashboard, with its panel's title. */
export function dashboardQueries(dashboard: { panels?: Panel[] }): { panel: string; expr: string }[] {
  const queries: { panel: string; expr: string }[] = [];
  const visit = (panels: Panel[] = []) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? [])
        if (target.expr) queries.push({ panel: panel.title ?? '?', expr: target.expr });
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return queries;
}

export interface ProposedMetrics {
  synthetic: { name: string; reason: string }[];
  proposed: {
    name: string;
    type: string;
    labels: string[];
    services: string[];
    where: string;
    reason: string;
  }[];
}

export function readProposedMetrics(): ProposedMetrics {
  return JSON.parse(
    fs.readFileSync(`${root}/infra/prometheus/proposed-metrics.json`, 'utf8'),
  ) as ProposedMetrics;
}
