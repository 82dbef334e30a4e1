import { affectedNodes, type PolicyInputs } from '../../../../auth-api/src/fleet/policy/compiler/index.js';
import { affectedBySlowPath } from '../../../../auth-api/src/fleet/policy/compiler/affected.js';
import { percentile } from '../../support/stats.js';
import type { BenchContext, BenchResult } from '../../types.js';
import { cpuSince } from './compile.js';
import { retagNode } from './network.js';

const SERVICES = 40;

/** The i-th change of the run: a different node each time, moved to another service tag. */
function change(inputs: PolicyInputs, i: number): PolicyInputs {
  return retagNode(inputs, 1 + ((i * 389) % 1_000), (i * 13) % SERVICES);
}

/**
 * Each change timed. `fresh` gives each call new objects on both sides, as the API loads them
 * from the database; otherwise the inputs before the change are one held object.
 */
function timeChanges(inputs: PolicyInputs, changes: readonly PolicyInputs[], fresh: boolean) {
  const times: number[] = [];
  const counts: number[] = [];
  const cpu = process.cpuUsage();
  for (const change of changes) {
    const before = fresh ? { ...inputs } : inputs;
    const after = fresh ? { ...change } : change;
    const start = process.hrtime.bigint();
    const affected = affectedNodes(before, after);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    counts.push(affected.length);
  }
  return { times, counts, cpuPerChange: cpuSince(cpu) / changes.length };
}

/**
 * One node's tag changes: the time to decide which nodes' configs change (affectedNodes, the
 * fast path), and how many that is, beside a full compileAll. The first few are checked
 * against compiling both sides, so the figure is of a right answer.
 */
export function measureTagChange(ctx: BenchContext, inputs: PolicyInputs, compileP99: number): BenchResult[] {
  for (let i = 0; i < ctx.scale(5, 2); i++) {
    const after = change(inputs, i);
    if (JSON.stringify(affectedNodes(inputs, after)) !== JSON.stringify(affectedBySlowPath(inputs, after)))
      throw new Error(`affectedNodes disagrees with compiling both sides for change ${i}`);
  }
  const rounds = ctx.scale(300, 20);
  const changes = Array.from({ length: rounds }, (_, i) => change(inputs, i));
  for (const after of changes.slice(0, ctx.scale(20, 3))) affectedNodes(inputs, after); // warm-up
  ctx.progress(`${rounds} tag changes`);
  const held = timeChanges(inputs, changes, false);
  const loaded = timeChanges(inputs, changes, true);
  const { times, counts, cpuPerChange } = held;
  const p99 = percentile(times, 99);
  const countNote = `median ${percentile(counts, 50)}, min ${Math.min(...counts)}, max ${Math.max(...counts)} of 1,000`;
  return [
    {
      metric: 'affected set after one node’s tag change (p99)',
      value: p99,
      unit: 'ms',
      baseline: { label: 'compileAll of the whole network (p99)', value: compileP99 },
      goal: '≤ 10 ms',
      met: p99 <= 10,
      notes:
        `${rounds} changes, each a different node moved to another service tag, the inputs before it held ` +
        'as one object (as the API holds its current inputs: their index is built once); median ' +
        `${percentile(times, 50).toFixed(2)} ms; ${cpuPerChange.toFixed(2)} ms of CPU per change (all threads).`,
    },
    {
      metric: 'affected set after one node’s tag change, both sides loaded afresh (p99)',
      value: percentile(loaded.times, 99),
      unit: 'ms',
      baseline: { label: 'compileAll of the whole network (p99)', value: compileP99 },
      goal: '≤ 10 ms',
      met: percentile(loaded.times, 99) <= 10,
      notes:
        `the same changes, with new inputs objects on both sides (as the API loads them), so both are indexed ` +
        `in the call; median ` +
        `${percentile(loaded.times, 50).toFixed(2)} ms; ${loaded.cpuPerChange.toFixed(2)} ms of CPU per change.`,
    },
    {
      metric: 'configs re-signed after one node’s tag change (median)',
      value: percentile(counts, 50),
      unit: 'nodes',
      notes: `${countNote}: the nodes whose peers or filter actually change.`,
    },
  ];
}
