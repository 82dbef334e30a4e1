import { percentile } from '../../support/stats.js';
import type { StormReport } from '../../support/storm-protocol.js';
import type { BenchResult } from '../../types.js';
import type { BareStorm } from './bare-restart.js';
import type { GatewayStorm } from './gateway-restart.js';

const GOAL_SECONDS = 15;

/** Seconds until `share` % of the clients were live again; NaN when that many never were. */
function liveAfter(times: Array<number | null>, share: number): number {
  const rank = Math.ceil((share / 100) * times.length);
  const live = times.filter((time): time is number => time !== null);
  return live.length < rank ? Number.NaN : percentile(live, (rank / live.length) * 100) / 1000;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const entries = (record: Record<string, number> | Map<string, number>) =>
  [...(record instanceof Map ? record : Object.entries(record))]
    .sort((a, b) => b[1] - a[1])
    .map(([key, value]) => `${key} ×${value}`)
    .join(', ') || 'none';

function describeClients(label: string, report: StormReport): string {
  return (
    `${label}: ${report.clients}, p50 ${liveAfter(report.liveAfterMs, 50).toFixed(1)} s, ` +
    `p99 ${liveAfter(report.liveAfterMs, 99).toFixed(1)} s, 100 % ${liveAfter(report.liveAfterMs, 100).toFixed(1)} s; ` +
    `${report.attempts} attempts after the kill; failed attempts: ${entries(report.failures)}; ` +
    `rooms not recovered ${report.notRecovered}, silent gaps ${report.silentGaps}, gave up ${report.gaveUp}` +
    (Object.keys(report.logged).length > 0 ? `; logged: ${entries(report.logged)}` : '') +
    (report.errors.length > 0 ? `; errors: ${report.errors.join(' | ')}` : '')
  );
}

/** Failures that mean a service was overloaded into errors (not the refusals of a dead port). */
function serviceErrors(storm: GatewayStorm): number {
  const authApi5xx = [...storm.requests]
    .filter(([key]) => / 5\d\d$/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
  const refused5xx = Object.entries(storm.viewers.failures)
    .filter(([key]) => /^5\d\d$/.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
  return authApi5xx + refused5xx + storm.gatewayErrors.length + storm.pg.rollbacks;
}

export function stormResults(storm: GatewayStorm, bare: BareStorm): BenchResult[] {
  const all = [...storm.viewers.liveAfterMs, ...storm.agents.liveAfterMs];
  const total = all.length;
  const bareTimes = bare.clients.liveAfterMs;
  const gaveUp = storm.viewers.gaveUp + storm.agents.gaveUp;
  const errors = serviceErrors(storm);
  const p100 = liveAfter(all, 100);
  const authRequests = [...storm.requests.values()].reduce((sum, n) => sum + n, 0);
  const peaks = storm.peaks
    .map(
      (peak) =>
        `${peak.label} ${peak.peakCores.toFixed(2)} cores peak, ${peak.cpuSeconds.toFixed(1)} CPU-s, ${peak.peakRssMiB.toFixed(0)} MiB RSS peak`,
    )
    .join('; ');
  const notes = [
    `${storm.liveBefore} of ${total} live before the kill (bare uWS: ${bare.liveBefore}); gateway /readyz ${seconds(storm.readyAfterMs)} after the kill (bare uWS relay: ${seconds(bare.readyAfterMs)})`,
    describeClients('viewers', storm.viewers),
    describeClients('agents', storm.agents),
    describeClients('bare uWS clients', bare.clients),
    `peaks: ${peaks}; bare uWS relay ${bare.peak.peakCores.toFixed(2)} cores, ${bare.peak.peakRssMiB.toFixed(0)} MiB`,
    `service errors ${errors} (gateway error lines ${storm.gatewayErrors.length}${storm.gatewayErrors[0] ? `: ${storm.gatewayErrors[0].slice(0, 200)}` : ''})`,
  ].join('. ');
  const rows: BenchResult[] = [
    {
      metric: `Time until 99 % of ${total.toLocaleString('en-US')} clients are live again, \`since\` recovered (kill → restart)`,
      value: liveAfter(all, 99),
      unit: 's',
      baseline: { label: 'bare uWS.js, same count, reconnected', value: liveAfter(bareTimes, 99) },
    },
    {
      metric: `Time until 100 % are live again, \`since\` recovered`,
      value: p100,
      unit: 's',
      baseline: { label: 'bare uWS.js, same count, reconnected', value: liveAfter(bareTimes, 100) },
      goal: `≤ ${GOAL_SECONDS} s, no client giving up, no service errors`,
      met:
        p100 <= GOAL_SECONDS &&
        gaveUp === 0 &&
        errors === 0 &&
        storm.viewers.silentGaps + storm.agents.silentGaps === 0,
      notes,
    },
  ];
  for (const peak of storm.peaks)
    rows.push({
      metric: `Peak CPU of ${peak.label} during the storm`,
      value: peak.peakCores,
      unit: 'cores',
      notes: `${peak.cpuSeconds.toFixed(1)} CPU-s in the window, RSS peak ${peak.peakRssMiB.toFixed(0)} MiB`,
    });
  rows.push(
    {
      metric: 'Requests reaching the auth-api during the storm',
      value: authRequests,
      unit: 'requests',
      notes: entries(storm.requests),
    },
    {
      metric: 'Postgres transactions during the storm (auth-api database)',
      value: storm.pg.commits,
      unit: 'commits',
      notes: `${storm.pg.rollbacks} rolled back`,
    },
  );
  return rows;
}
