import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@wirefleet/shared/logging';
import { ConfigSigner } from '../support/agent-fixtures.js';
import { NetnsPool, netnsPrerequisitesMissing } from '../support/agent-netns.js';
import type { BenchContext, BenchResult, BenchSuite } from '../types.js';
import { measureFullApply } from './agent/apply.js';
import { measureOnePeerChange } from './agent/change.js';
import type { AgentBench } from './agent/context.js';
import { measureFilterSwap } from './agent/filter-swap.js';
import { measureFilterThroughput } from './agent/filter-throughput.js';
import { measureIdleRss } from './agent/idle.js';
import { measureNftSwap } from './agent/nft.js';
import { measureConfigSizeLimit } from './agent/trust.js';

export const suite: BenchSuite = {
  name: 'agent',
  title:
    'agent: applying 1,000 and 10,000 peers, a one-peer change, an nft table swap, the access-policy filter, idle memory',
  description: [
    'As root, on wireguard-go (this kernel has no WireGuard module), every interface in a network namespace of its',
    'own (`wfb…`, all removed afterwards), each figure beside the raw tool doing the same work in the same run.',
    "Peers have random 32-byte public keys, one /32 inside the node's 100.96.0.0/16 (so no routes) and an",
    "endpoint in 198.18.0.0/15. **Full apply**: `LinuxDataplane.apply()` (the agent's code, through its netns",
    'runner) on a fresh, already started wireguard-go interface vs `wg setconf` of the same peers on another,',
    'alternating which goes first. **One-peer change**: signed configs (ES256, as `signNodeConfig` signs) that each',
    'change one more peer of a 10,000-peer interface go through what `Agent.sync` does after the fetch, with the',
    'objects it keeps between configs — `SignedConfigVerifier.verify` (signature, schema check, node and revision),',
    '`DesiredStateConverter.convert`, `LinuxDataplane.apply` — vs one `wg set` of that peer. **nft swap**: a table',
    'of 5,000 DNAT forwards rendered by `renderNftScript`, swapped between two variants. **Idle RSS**: real agent',
    'processes started as the agent ships — `node-agent/bin/wirefleet-agent.js run`, whose shebang runs the bundle',
    '`npm run build` makes with its V8 flag — pointed at 127.0.0.1:9 or at a local API answering 503, and for',
    'comparison the compiled modules unbundled without flags (`node node-agent/dist/main.js run`), vs a bare Node process.',
    '`wg` reaches wireguard-go through the shared /var/run/wireguard socket, so it runs without a namespace hop; the',
    "dataplane's `ip` commands enter the namespace with `ip -n`, `nft` and `sysctl` go through `ip netns exec`.",
    '**Filter swap**: a table with the access-policy filter of 1,000 peers (one entry each, a tenth to devices) and',
    '5,000 forwards, swapped by `LinuxDataplane.apply` vs `nft -f` of the same script. **Filter throughput**: a TCP',
    'stream (iperf3 when installed, else Node) from one namespace to another through a wireguard-go tunnel over a veth',
    "pair, to the allowed port with the receiver's filter applied vs with none, in alternating rounds.",
  ].join(' '),
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const missing = netnsPrerequisitesMissing();
    if (missing.length > 0) throw new Error(`the agent suite needs ${missing.join(', ')}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wfb-agent-'));
    const bench: AgentBench = {
      ctx,
      pool: new NetnsPool(),
      logger: createLogger({ service: 'bench-agent', level: 'silent' }),
      signer: new ConfigSigner(),
      tmp,
    };
    const peers = ctx.scale(10_000, 1_000);
    try {
      const results: BenchResult[] = [];
      results.push(...(await measureFullApply(bench, ctx.quick ? [1_000] : [1_000, 10_000])));
      const limit = await measureConfigSizeLimit(bench, peers);
      results.push(...limit);
      results.push(...(await measureOnePeerChange(bench, { peers, changes: ctx.scale(15, 5) })));
      results.push(...(await measureNftSwap(bench, ctx.scale(5_000, 500))));
      results.push(
        ...(await measureFilterSwap(bench, {
          peers: ctx.scale(1_000, 200),
          forwards: ctx.scale(5_000, 500),
        })),
      );
      results.push(...(await measureFilterThroughput(bench)));
      // The 1,000-peer config of the issue.
      results.push(...(await measureIdleRss(bench, { peers: 1_000 })));
      return results;
    } finally {
      await bench.pool.closeAll();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
