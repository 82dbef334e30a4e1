import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureCompile } from './policy/compile.js';
import { ISSUE_SHAPE, makeNetwork } from './policy/network.js';
import { createPolicyDatabase } from './policy/postgres-inputs.js';
import { measureTagChange } from './policy/tag-change.js';

export const suite: BenchSuite = {
  name: 'policy',
  title: 'Access policy: compiling 1,000 nodes, and deciding what a tag change affects',
  description: [
    'A generated network (fixed seed): 1,000 nodes each tagged with one of 40 services, an environment',
    'and a region (1 % with routes), 100 devices, 50 port forwards, and 200 rules: mostly service to',
    'service, some by environment, region or single member, one `*` source and one `*` destination.',
    '**Compile**: `compileAll` (auth-api `fleet/policy/compiler`) in the bench process, taken in turn',
    'with its baseline, the SELECTs that load the same inputs (nodes, devices, port forwards, the',
    'policy) from real Postgres, in a private database with tables of the same columns; the loaded',
    'inputs are checked to compile identically first. `compileNode` (one config request) alongside.',
    '**Tag change**: one node moved to another service tag, a different node each time; the time',
    '`affectedNodes` takes to name the nodes whose peers or filter change (checked against compiling',
    'both sides first), and how many configs that re-signs, beside a full `compileAll`. p99 over all',
    'rounds, after a discarded warm-up.',
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const inputs = makeNetwork(ISSUE_SHAPE);
    const db = await createPolicyDatabase(inputs);
    try {
      const compile = await measureCompile(ctx, inputs, db);
      return [...compile.results, ...measureTagChange(ctx, inputs, compile.compileP99)];
    } finally {
      await db.close();
    }
  },
};
