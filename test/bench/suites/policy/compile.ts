import {
  compileAll,
  compiledKey,
  compileNode,
  type PolicyInputs,
} from '../../../../auth-api/src/fleet/policy/compiler/index.js';
import { percentile } from '../../support/stats.js';
import type { BenchContext, BenchResult } from '../../types.js';
import type { PolicyDatabase } from './postgres-inputs.js';

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** CPU milliseconds of this process (every thread: GC helpers too) since `start`. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
}

/** The inputs loaded back from Postgres must compile to what the generated ones do, or the baseline measures something else. */
function assertSameCompile(generated: PolicyInputs, loaded: PolicyInputs): void {
  const expected = compileAll(generated);
  const actual = compileAll(loaded);
  for (const [id, node] of expected)
    if (compiledKey(node) !== compiledKey(actual.get(id) ?? { peerNodeIds: new Set() }))
      throw new Error(`node ${id} compiles differently from the inputs loaded from Postgres`);
}

/** The rounds, taken in turn: SELECTs, compileAll, compileNode on fresh inputs, then on the same ones. */
async function takeRounds(rounds: number, inputs: PolicyInputs, db: PolicyDatabase) {
  const compile: number[] = [];
  const selects: number[] = [];
  const single: number[] = [];
  const cached: number[] = [];
  let compileCpu = 0;
  for (let round = 0; round < rounds; round++) {
    let start = process.hrtime.bigint();
    await db.load();
    selects.push(elapsed(start));
    const cpu = process.cpuUsage();
    start = process.hrtime.bigint();
    compileAll(inputs);
    compile.push(elapsed(start));
    compileCpu += cpuSince(cpu);
    const node = 1 + ((round * 37) % 1_000);
    start = process.hrtime.bigint();
    compileNode({ ...inputs }, node); // a new inputs object, as a config request loads its own
    single.push(elapsed(start));
    start = process.hrtime.bigint();
    compileNode(inputs, node); // the same object again, as when re-signing the affected nodes
    cached.push(elapsed(start));
  }
  return { compile, selects, single, cached, compileCpu };
}

export interface CompileFigures {
  compileP99: number;
  results: BenchResult[];
}

/**
 * compileAll beside the SELECTs that load its inputs, taken in turn (select, compile, select,
 * compile…) so load from elsewhere falls on both alike; plus compileNode for one config request.
 */
export async function measureCompile(
  ctx: BenchContext,
  inputs: PolicyInputs,
  db: PolicyDatabase,
): Promise<CompileFigures> {
  assertSameCompile(inputs, await db.load());
  const rounds = ctx.scale(300, 20);
  for (let i = 0; i < ctx.scale(20, 3); i++) compileAll(await db.load()); // warm-up: JIT, pg's prepared parsers
  ctx.progress(`${rounds} rounds of SELECTs, compileAll and compileNode`);
  const { compile, selects, single, cached, compileCpu } = await takeRounds(rounds, inputs, db);
  const compileP99 = percentile(compile, 99);
  const selectsP99 = percentile(selects, 99);
  const shape =
    `${rounds} rounds; medians: compileAll ${percentile(compile, 50).toFixed(1)} ms, SELECTs ` +
    `${percentile(selects, 50).toFixed(1)} ms; compileAll used ${(compileCpu / rounds).toFixed(1)} ms of CPU per call ` +
    '(all threads, GC included): on a busy machine wall time is that plus waiting for a core';
  return {
    compileP99,
    results: [
      {
        metric: 'compileAll, 1,000 nodes / 100 devices / 200 rules (p99)',
        value: compileP99,
        unit: 'ms',
        baseline: { label: 'the SELECTs loading the same inputs from Postgres (p99)', value: selectsP99 },
        goal: 'p99 ≤ 100 ms',
        met: compileP99 <= 100,
        notes: `${shape}.`,
      },
      {
        metric: 'compileNode, one node of the same network (p99)',
        value: percentile(single, 99),
        unit: 'ms',
        baseline: { label: 'compileAll (p99)', value: compileP99 },
        notes: `a config request, inputs loaded afresh; median ${percentile(single, 50).toFixed(2)} ms.`,
      },
      {
        metric: 'compileNode, again on the same inputs (p99)',
        value: percentile(cached, 99),
        unit: 'ms',
        baseline: { label: 'compileNode on fresh inputs (p99)', value: percentile(single, 99) },
        notes: `re-signing after a change: the index of the inputs is reused; median ${percentile(cached, 50).toFixed(2)} ms.`,
      },
    ],
  };
}
