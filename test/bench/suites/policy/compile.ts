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

/** The inputs loaded back from Postgres must compile to what the generated ones do, or the baseline measures something else. */
function assertSameCompile(generated: PolicyInputs, loaded: PolicyInputs): void {
  const expected = compileAll(generated);
  const actual = compileAll(loaded);
  for (const [id, node] of expected)
    if (compiledKey(node) !== compiledKey(actual.get(id) ?? { peerNodeIds: new Set() }))
      throw new Error(`node ${id} compiles differently from the inputs loaded from Postgres`);
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
  const compile: number[] = [];
  const selects: number[] = [];
  const single: number[] = [];
  ctx.progress(`${rounds} rounds of SELECTs, compileAll and compileNode`);
  for (let round = 0; round < rounds; round++) {
    let start = process.hrtime.bigint();
    await db.load();
    selects.push(elapsed(start));
    start = process.hrtime.bigint();
    compileAll(inputs);
    compile.push(elapsed(start));
    start = process.hrtime.bigint();
    compileNode(inputs, 1 + ((round * 37) % 1_000));
    single.push(elapsed(start));
  }
  const compileP99 = percentile(compile, 99);
  const selectsP99 = percentile(selects, 99);
  const shape = `${rounds} rounds; medians: compileAll ${percentile(compile, 50).toFixed(1)} ms, SELECTs ${percentile(selects, 50).toFixed(1)} ms`;
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
        notes: `what one config request costs; median ${percentile(single, 50).toFixed(2)} ms.`,
      },
    ],
  };
}
