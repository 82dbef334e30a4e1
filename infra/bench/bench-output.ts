/**
 * Reads back the report `npm run bench` writes (test/bench/report.ts): each suite's section
 * between `<!-- bench:section <name> -->` markers, and in it the rows of the table
 * `| Metric | Value | Baseline | Ratio | Goal | Met |`. Only the format is relied on, not the
 * code that wrote it, so a report from an older revision of the harness reads the same way.
 */

/** One row's figure: the number and unit of its Value cell, and the cell as written. */
export interface MetricFigure {
  metric: string;
  value: number;
  unit: string;
  text: string;
}

/** What one suite's section says: its figures, or why it has none. */
export interface SuiteFigures {
  name: string;
  title: string;
  metrics: MetricFigure[];
  /** The reason given by a "This suite failed" line (with or without rows). */
  failure?: string;
  /** Whether the section is last run's figures kept under a Stale banner (not measured now). */
  stale: boolean;
  /** The 1-minute load average the section gives for the start of the suite. */
  loadAverage?: number;
}

const SECTION = /<!-- bench:section (\S+) -->([\s\S]*?)<!-- \/bench:section \1 -->/g;

/** The cells of a table row, `\|` inside a cell unescaped. */
export function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** "1,226 ms" → 1226 and "ms"; a cell that does not start with a number gives NaN. */
export function parseValue(text: string): { value: number; unit: string } {
  const match = /^(-?[\d,]*\.?\d+(?:e[+-]?\d+)?)\s*(.*)$/i.exec(text.trim());
  if (!match) return { value: Number.NaN, unit: text.trim() };
  return { value: Number(match[1]!.replace(/,/g, '')), unit: match[2]!.trim() };
}

function metricRows(body: string): MetricFigure[] {
  const lines = body.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Metric\s*\|\s*Value\s*\|/.test(line));
  if (header < 0) return [];
  const rows: MetricFigure[] = [];
  // Rows start after the header and its |---| line, and end at the first line that is not a row.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [metric, valueCell] = splitRow(line);
    if (metric === undefined || valueCell === undefined) continue;
    rows.push({ metric, ...parseValue(valueCell), text: valueCell });
  }
  return rows;
}

function parseSection(name: string, body: string): SuiteFigures {
  const title = /^## (.*)$/m.exec(body)?.[1]?.trim() ?? name;
  const failure = /^\*\*This suite failed(?: partway)?:\*\* (.*)$/m
    .exec(body)?.[1]
    ?.replace(/^`([^`]*)`.*$/, '$1')
    .trim();
  const load = /1-min load average at start (\d+(?:\.\d+)?)/.exec(body)?.[1];
  return {
    name,
    title,
    metrics: metricRows(body),
    failure,
    stale: /^\*\*Stale:\*\*/m.test(body),
    loadAverage: load === undefined ? undefined : Number(load),
  };
}

/** Every suite section of a bench report, keyed by suite name. */
export function parseBenchReport(markdown: string): Map<string, SuiteFigures> {
  const suites = new Map<string, SuiteFigures>();
  for (const match of markdown.matchAll(SECTION)) suites.set(match[1]!, parseSection(match[1]!, match[2]!));
  return suites;
}
