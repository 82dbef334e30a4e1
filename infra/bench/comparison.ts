/**
 * Puts the figures of two trees side by side: per suite, each metric's median over the rounds
 * in the tree before and after a change, and the change in percent, flagged beyond the ±5 %
 * issue #13 allows. Pure, so the table is tested without running a benchmark.
 */
import type { SuiteFigures } from './bench-output.js';

/** Changes beyond this, either way, are flagged: issue #13's "within 5 %". */
export const TOLERANCE_PERCENT = 5;

/** One suite's runs in one tree: a section per round that produced one, and what went wrong in the others. */
export interface SideRuns {
  rounds: SuiteFigures[];
  problems: string[];
}

export interface SideFigure {
  median: number;
  unit: string;
  values: number[];
}

export interface ComparedMetric {
  metric: string;
  before?: SideFigure;
  after?: SideFigure;
  /** (after − before) ÷ before in percent; absent when a side is missing, the units differ or before is 0. */
  changePercent?: number;
}

export interface ComparedSuite {
  name: string;
  title: string;
  metrics: ComparedMetric[];
  before: SideRuns;
  after: SideRuns;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each metric's values across rounds, in the order metrics first appear; NaN cells are left out. */
function collect(rounds: SuiteFigures[]): Map<string, SideFigure> {
  const byMetric = new Map<string, { unit: string; values: number[] }>();
  for (const round of rounds) {
    for (const figure of round.metrics) {
      if (!Number.isFinite(figure.value)) continue;
      const entry = byMetric.get(figure.metric) ?? { unit: figure.unit, values: [] };
      entry.values.push(figure.value);
      byMetric.set(figure.metric, entry);
    }
  }
  return new Map(
    [...byMetric].map(([metric, { unit, values }]) => [metric, { median: median(values), unit, values }]),
  );
}

export function changePercent(
  before: SideFigure | undefined,
  after: SideFigure | undefined,
): number | undefined {
  if (!before || !after || before.unit !== after.unit || before.median === 0) return undefined;
  return ((after.median - before.median) / Math.abs(before.median)) * 100;
}

/** Lines the metrics up: the before tree's order first, then metrics only the after tree has. */
export function compareSuite(name: string, before: SideRuns, after: SideRuns): ComparedSuite {
  const beforeFigures = collect(before.rounds);
  const afterFigures = collect(after.rounds);
  const names = [...new Set([...beforeFigures.keys(), ...afterFigures.keys()])];
  const title = after.rounds[0]?.title ?? before.rounds[0]?.title ?? name;
  const metrics = names.map((metric) => {
    const b = beforeFigures.get(metric);
    const a = afterFigures.get(metric);
    return { metric, before: b, after: a, changePercent: changePercent(b, a) };
  });
  return { name, title, metrics, before, after };
}

export function isFlagged(metric: ComparedMetric): boolean {
  return metric.changePercent !== undefined && Math.abs(metric.changePercent) > TOLERANCE_PERCENT;
}
