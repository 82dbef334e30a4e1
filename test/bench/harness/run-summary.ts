/**
 * The table `npm run bench` prints last on stderr: one line per suite run, saying whether its
 * section was refreshed, kept stale (and why) or failed, with its goals met and missed. It comes
 * after every progress line so a stale section cannot scroll by unnoticed in a long run.
 */
import type { SettledSection } from './section-merge.js';

function outcomeText(entry: SettledSection): string {
  const { status } = entry;
  switch (status.kind) {
    case 'refreshed':
      return 'refreshed';
    case 'stale':
      return `STALE, kept figures of ${status.measuredAt}: ${status.reason}`;
    case 'failed':
      return status.partial
        ? `FAILED partway, new rows kept: ${status.reason}`
        : `FAILED, no figures: ${status.reason}`;
  }
}

function goalsText(entry: SettledSection): string {
  const { met, missed } = entry.goals;
  if (met + missed === 0) return '—';
  const kept = entry.status.kind === 'stale' ? ' (kept figures)' : '';
  return `${met} met, ${missed} missed${kept}`;
}

/** Only the first line of a reason: a stack trace belongs in the progress lines above. */
function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

export function renderSummary(settled: SettledSection[]): string {
  const rows = settled.map((entry) => [entry.name, firstLine(outcomeText(entry)), goalsText(entry)]);
  const header = ['suite', 'result', 'goals'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const format = (row: string[]) => row.map((text, column) => text.padEnd(widths[column]!)).join('  ');
  const counts = (kind: SettledSection['status']['kind']) =>
    settled.filter((entry) => entry.status.kind === kind).length;
  const rule = '='.repeat(Math.min(100, Math.max(...widths) + 20));
  return [
    rule,
    'bench summary',
    format(header),
    ...rows.map(format),
    `${settled.length} suite(s): ${counts('refreshed')} refreshed, ${counts('stale')} stale, ${counts('failed')} failed`,
    rule,
    '',
  ].join('\n');
}

/** Non-zero when any section is not a complete fresh measurement; a missed goal alone is not a failure. */
export function exitCodeFor(settled: SettledSection[]): number {
  return settled.some((entry) => entry.status.kind !== 'refreshed') ? 1 : 0;
}
