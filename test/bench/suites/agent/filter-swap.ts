import fs from 'node:fs';
import path from 'node:path';
import type { DesiredState } from '../../../../node-agent/src/dataplane/dataplane.js';
import { LinuxDataplane } from '../../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import { renderNftScript } from '../../../../node-agent/src/dataplane/render/nft-script.js';
import { toDesiredState } from '../../../../node-agent/src/trust/desired-state.js';
import { makeFilter } from '../../support/agent-filter.js';
import { makeConfig, makeForwards, randomKey } from '../../support/agent-fixtures.js';
import { median } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type AgentBench, ms, timeCommand, timed } from './context.js';

/**
 * Swapping an `inet wirefleet` table that carries an access-policy filter of `peers` entries
 * (one per peer, a tenth of them to devices) beside `forwards` DNAT rules, through the agent's
 * real apply path — LinuxDataplane.apply of a state whose forwards and filter ports changed:
 * validate + render, `nft -f -` through the netns runner — against `nft -f <file>` of the same
 * script, alternating which goes first. The read-back the dataplane starts after each swap is
 * waited for outside the clock, so one round's does not land in the next.
 */
export async function measureFilterSwap(
  bench: AgentBench,
  sizes: { peers: number; forwards: number },
): Promise<BenchResult[]> {
  const { pool, logger, ctx } = bench;
  const ns = await pool.create();
  try {
    await pool.startWireguardGo(ns);
    const plane = new LinuxDataplane({
      interfaceName: ns.ifname,
      privateKey: randomKey(),
      logger,
      netns: ns.name,
    });
    const states: DesiredState[] = [];
    const files: string[] = [];
    for (const [index, port] of [80, 8080].entries()) {
      const config = {
        ...makeConfig(index + 1, [], makeForwards(sizes.forwards, port)),
        filter: makeFilter(sizes.peers, port),
      };
      const state = await toDesiredState(config);
      states.push(state);
      files.push(path.join(bench.tmp, `filter-${port}.nft`));
      fs.writeFileSync(files[index]!, renderNftScript(ns.ifname, state));
    }
    // Warm-up outside the clock: the first apply also sets the address, the link and ip_forward.
    await plane.apply(states[0]!);
    await plane.digest();
    const rounds = ctx.scale(9, 5);
    ctx.progress(`filter swap, ${sizes.peers} filter entries + ${sizes.forwards} forwards: ${rounds} rounds`);
    const series = { nft: [] as number[], apply: [] as number[], render: [] as number[] };
    for (let i = 0; i < rounds; i += 1) {
      // The dataplane swaps to the other variant each round; `nft -f` swaps in the same script
      // (a replacement, `delete table` included, of a table of the same size). They take turns
      // going first.
      const applyFirst = i % 2 === 0;
      const target = (i + 1) % 2;
      const viaNft = () => timeCommand('ip', ['netns', 'exec', ns.name, 'nft', '-f', files[target]!]);
      if (!applyFirst) series.nft.push(await viaNft());
      const { value: report, ms: took } = await timed(() =>
        plane.apply({ ...states[target]!, revision: 10 + i }),
      );
      if (!report.firewallReplaced) throw new Error('the dataplane did not replace the table');
      series.apply.push(took);
      await plane.digest();
      if (applyFirst) series.nft.push(await viaNft());
      series.render.push((await timed(() => renderNftScript(ns.ifname, states[target]!))).ms);
    }
    const listed = (await ns.run('nft', ['list', 'table', 'inet', 'wirefleet'])).stdout;
    const filterRules = listed
      .split('\n')
      .filter((line) => line.includes(' saddr ') && line.endsWith('accept')).length;
    if (filterRules !== sizes.peers)
      throw new Error(`the table holds ${filterRules} filter rules, not ${sizes.peers}`);
    const nft = median(series.nft);
    const apply = median(series.apply);
    return [
      {
        metric: `nft table swap, ${sizes.peers.toLocaleString('en-US')} peers' filter rules + ${sizes.forwards.toLocaleString('en-US')} forwards: LinuxDataplane.apply of a changed filter and forwards, median of ${rounds}`,
        value: apply,
        unit: 'ms',
        baseline: { label: '`ip netns exec <ns> nft -f <file>` of the identical script', value: nft },
        goal: '≤ 1.5× nft -f',
        met: apply <= 1.5 * nft,
        notes:
          `each run: ${series.apply.map((v) => v.toFixed(0)).join(', ')} ms; nft -f: ${series.nft.map((v) => v.toFixed(0)).join(', ')} ms. ` +
          `Of which renderNftScript (validating and rendering the filter and forwards) ${ms(median(series.render))}. ` +
          `The table was checked to hold ${filterRules} filter accept rules.`,
      },
    ];
  } finally {
    await pool.destroy(ns);
  }
}
