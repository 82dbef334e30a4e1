import fs from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from './entry-points.js';
import type { PhaseResult } from './phase.js';

export interface RunReport {
  startedAt: string;
  durationMs: number;
  seed: number;
  /** Which form of each program ran (the build, or the sources when the build was missing or stale). */
  programs: Record<string, string>;
  agents: number;
  /** Milliseconds per start-up step. */
  startup: Record<string, number>;
  phases: PhaseResult[];
  totals: {
    commandsAcknowledged: number;
    commandsLost: number;
    commandsDuplicated: number;
    clientsWithSilentGap: number;
    writesAcknowledged: number;
    writesLost: number;
  };
}

export function buildReport(options: {
  startedAt: number;
  seed: number;
  agents: number;
  entries: Record<string, EntryPoint>;
  startup: Record<string, number>;
  phases: PhaseResult[];
}): RunReport {
  const { phases } = options;
  const sum = (pick: (phase: PhaseResult) => number) => phases.reduce((total, phase) => total + pick(phase), 0);
  return {
    startedAt: new Date(options.startedAt).toISOString(),
    durationMs: Date.now() - options.startedAt,
    seed: options.seed,
    programs: Object.fromEntries(Object.entries(options.entries).map(([name, entry]) => [name, entry.form + (entry.why ? ` (${entry.why})` : '')])),
    agents: options.agents,
    startup: options.startup,
    phases,
    totals: {
      commandsAcknowledged: sum((p) => p.commands.acknowledged),
      commandsLost: sum((p) => p.commands.lost),
      commandsDuplicated: sum((p) => p.commands.duplicated),
      clientsWithSilentGap: Math.max(0, ...phases.map((p) => p.clients.clientsWithSilentGap)),
      writesAcknowledged: phases.at(-1)?.writes.acknowledged ?? 0,
      writesLost: Math.max(0, ...phases.map((p) => p.writes.lost)),
    },
  };
}

/** The table docs/reliability.md quotes: one row per fault. */
export function formatTable(report: RunReport): string {
  const header = ['fault', 'result', 'converged after', 'commands (lost / dup)', 'silent gaps (clients)', 'recovered:false', 'writes lost'];
  const rows = report.phases.map((p) => [
    p.fault,
    p.passed ? 'pass' : `FAIL (${p.checks.filter((c) => !c.ok).length})`,
    p.convergenceMs === null ? '> 20 s' : `${(p.convergenceMs / 1000).toFixed(1)} s`,
    `${p.commands.acknowledged} (${p.commands.lost} / ${p.commands.duplicated})`,
    `${p.clients.silentGaps} (${p.clients.clientsWithSilentGap})`,
    String(p.clients.resetNotices),
    String(p.writes.lost),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function writeReport(dir: string, report: RunReport): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
