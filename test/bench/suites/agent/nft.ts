import fs from 'node:fs';
import path from 'node:path';
import type { DesiredState } from '../../../../node-agent/src/dataplane/dataplane.js';
import { LinuxDataplane } from '../../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import {
  applyNftScript,
  fingerprintNftTable,
  type NftJson,
  readNftTable,
} from '../../../../node-agent/src/dataplane/linux/nftables.js';
import { renderNftScript } from '../../../../node-agent/src/dataplane/render/nft-script.js';
import { toDesiredState } from '../../../../node-agent/src/trust/desired-state.js';
import { makeConfig, makeForwards, randomKey } from '../../support/agent-fixtures.js';
import { median } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type AgentBench, ms, timeCommand, timed } from './context.js';

/**
 * Swapping the `inet wirefleet` table between two rendered scripts of `forwards` DNAT rules
 * each (they differ in every target port, so each swap is a real replacement), in one
 * namespace, three ways interleaved: `nft -f <file>` of the script, the dataplane's
 * applyNftScript (`nft -f -` through the netns runner), and LinuxDataplane.apply of a state
 * whose forwards changed (render + swap + read-back + fingerprint).
 */
export async function measureNftSwap(bench: AgentBench, forwards: number): Promise<BenchResult[]> {
  const { pool, logger, ctx } = bench;
  const ns = await pool.create();
  try {
    await pool.startWireguardGo(ns);
    const plane = new LinuxDataplane({ interfaceName: ns.ifname, privateKey: randomKey(), logger, netns: ns.name });
    const states: DesiredState[] = [];
    const scripts: string[] = [];
    const files: string[] = [];
    for (const [index, port] of [80, 8080].entries()) {
      const state = await toDesiredState(makeConfig(index + 1, [], makeForwards(forwards, port)));
      states.push(state);
      scripts.push(renderNftScript(ns.ifname, state));
      files.push(path.join(bench.tmp, `forwards-${port}.nft`));
      fs.writeFileSync(files[index]!, scripts[index]!);
    }
    // Warm-up outside the clock: the dataplane's first apply also sets the address, the link
    // and ip_forward, and creates the table.
    await plane.apply(states[0]!);
    const rounds = ctx.scale(7, 5);
    ctx.progress(`nft swap of ${forwards} forwards: ${rounds} rounds × 3 ways`);
    const series = { nft: [] as number[], script: [] as number[], apply: [] as number[] };
    const parts = { render: [] as number[], readBack: [] as number[], list: [] as number[], digest: [] as number[] };
    let next = 1;
    const flip = () => {
      const which = next;
      next = 1 - next;
      return which;
    };
    for (let i = 0; i < rounds; i += 1) {
      series.nft.push(await timeCommand('ip', ['netns', 'exec', ns.name, 'nft', '-f', files[flip()]!]));
      series.script.push((await timed(() => applyNftScript(ns.run, scripts[flip()]!))).ms);
      const target = flip();
      const { value: report, ms: took } = await timed(() => plane.apply({ ...states[target]!, revision: 10 + i }));
      if (!report.firewallReplaced) throw new Error('the dataplane did not replace the table');
      series.apply.push(took);
      parts.render.push((await timed(() => renderNftScript(ns.ifname, states[target]!))).ms);
      parts.readBack.push((await timed(async () => fingerprintNftTable(await readNftTable(ns.run)))).ms);
      // The same read-back in two halves: the command, then parsing and hashing its output.
      const listed = await timed(() => ns.run('nft', ['-j', 'list', 'table', 'inet', 'wirefleet']));
      parts.list.push(listed.ms);
      parts.digest.push(
        (await timed(() => fingerprintNftTable((JSON.parse(listed.value.stdout) as { nftables: NftJson[] }).nftables)))
          .ms,
      );
    }
    const table = await ns.run('nft', ['list', 'table', 'inet', 'wirefleet']);
    const rules = table.stdout.split('\n').filter((line) => line.includes(' dnat ')).length;
    if (rules !== forwards) throw new Error(`the table holds ${rules} DNAT rules, not ${forwards}`);
    const nft = median(series.nft);
    const script = median(series.script);
    const apply = median(series.apply);
    const count = forwards.toLocaleString('en-US');
    return [
      {
        metric: `nft table swap, ${count} forwards: applyNftScript (\`nft -f -\` via the netns runner), median of ${rounds}`,
        value: script,
        unit: 'ms',
        baseline: { label: '`ip netns exec <ns> nft -f <file>` of the identical script', value: nft },
        goal: '≤ 1.5× nft -f',
        met: script <= 1.5 * nft,
        notes: `each run: ${series.script.map((v) => v.toFixed(0)).join(', ')} ms; nft -f: ${series.nft.map((v) => v.toFixed(0)).join(', ')} ms.`,
      },
      {
        metric: `nft table swap, ${count} forwards: LinuxDataplane.apply of changed forwards, median of ${rounds}`,
        value: apply,
        unit: 'ms',
        baseline: { label: '`nft -f` of the identical script', value: nft },
        goal: '≤ 1.5× nft -f',
        met: apply <= 1.5 * nft,
        notes:
          `each run: ${series.apply.map((v) => v.toFixed(0)).join(', ')} ms. Split: renderNftScript ` +
          `${ms(median(parts.render))}, the swap itself as above ${ms(script)}, then the read-back the dataplane ` +
          `does after every swap to fingerprint the table for drift (\`nft -j list table\` + JSON.parse + ` +
          `normalise + sha256) ${ms(median(parts.readBack))}: the command ${ms(median(parts.list))}, parsing and hashing its ` +
          `output ${ms(median(parts.digest))}. The table was checked to hold ${rules} DNAT rules.`,
      },
    ];
  } finally {
    await pool.destroy(ns);
  }
}
