import fs from 'node:fs';
import path from 'node:path';
import type { DesiredState } from '../../../../node-agent/src/dataplane/dataplane.js';
import { LinuxDataplane } from '../../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import { diffPeers, PeerNormalizer } from '../../../../node-agent/src/dataplane/linux/peer-diff.js';
import { applyNftScript, fingerprintNftTable, readNftTable } from '../../../../node-agent/src/dataplane/linux/nftables.js';
import { establishLink } from '../../../../node-agent/src/dataplane/linux/link-sync.js';
import { routesForCanonical } from '../../../../node-agent/src/dataplane/linux/wireguard-interface.js';
import { renderNftScript } from '../../../../node-agent/src/dataplane/render/nft-script.js';
import { renderUapiSet } from '../../../../node-agent/src/dataplane/render/uapi-request.js';
import { formatCidr, parseCidr } from '../../../../node-agent/src/dataplane/render/validate.js';
import { toDesiredState } from '../../../../node-agent/src/trust/desired-state.js';
import { makeConfig, makePeers, randomKey, wgConfFile } from '../../support/agent-fixtures.js';
import { median } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type AgentBench, ms, timeCommand, timed } from './context.js';

interface Round {
  apply: number;
  setconf: number;
  /** The dataplane's own UAPI request, sent alone to a third fresh interface. */
  uapiAlone: number;
  /** The host commands a first apply runs, timed alone on the setconf interface afterwards. */
  commands: number;
  startup: number;
}

/**
 * The pure work a first `apply` does before touching the host, with the functions it calls,
 * timed on the same input: a fresh PeerNormalizer (normalise + routes), the nft render, the diff
 * against an empty interface, the UAPI render.
 */
async function preparation(desired: DesiredState, ifname: string): Promise<number> {
  const privateKey = randomKey();
  const { ms: took } = await timed(() => {
    const network = parseCidr(desired.address, 'interface address');
    const normalizer = new PeerNormalizer((_address, allowedIps) => routesForCanonical(network, allowedIps));
    const { peers } = normalizer.normalize(desired.peers, formatCidr(network));
    renderNftScript(ifname, desired);
    const diff = diffPeers(peers.byKey, new Map());
    return renderUapiSet({ peers: diff.changes, privateKey, listenPort: desired.listenPort });
  });
  return took;
}

/**
 * One round: three fresh wireguard-go interfaces, each in its own namespace — one gets
 * `LinuxDataplane.apply`, one `wg setconf` of the same peers, one the dataplane's rendered UAPI
 * request sent alone. Which of the first two goes first alternates between rounds.
 */
async function round(bench: AgentBench, desired: DesiredState, confFile: string, index: number): Promise<Round> {
  const { pool, logger } = bench;
  const privateKey = randomKey();
  const [a, b, c] = [await pool.create(), await pool.create(), await pool.create()];
  try {
    const startup = await pool.startWireguardGo(a);
    await pool.startWireguardGo(b);
    await pool.startWireguardGo(c);
    const plane = new LinuxDataplane({ interfaceName: a.ifname, privateKey, logger, netns: a.name });
    const runApply = async () => {
      const { value: report, ms: took } = await timed(() => plane.apply(desired));
      if (report.peersAdded !== desired.peers.length) throw new Error(`apply added ${report.peersAdded} peers`);
      return took;
    };
    // wg talks to wireguard-go through the shared socket directory: no namespace hop needed.
    const runSetconf = () => timeCommand('wg', ['setconf', b.ifname, confFile]);
    let apply: number;
    let setconf: number;
    if (index % 2 === 0) {
      apply = await runApply();
      setconf = await runSetconf();
    } else {
      setconf = await runSetconf();
      apply = await runApply();
    }
    const request = plane.lastUapiRequest ?? '';
    const { ms: uapiAlone } = await timed(() => c.uapi.sendRaw(request));
    // The same functions apply calls, in its order, on b (which has the peers but no address yet).
    const { ms: commands } = await timed(async () => {
      await establishLink({ interfaceName: b.ifname, run: b.run }, { address: desired.address, routes: [] });
      await applyNftScript(b.run, renderNftScript(b.ifname, desired));
      fingerprintNftTable(await readNftTable(b.run));
    });
    if (index === 0) {
      // Outside the timings: both interfaces really hold every peer.
      for (const ns of [a, b, c]) {
        const count = (await ns.uapi.get()).peers.length;
        if (count !== desired.peers.length) throw new Error(`${ns.ifname} has ${count} peers`);
      }
    }
    return { apply, setconf, uapiAlone, commands, startup };
  } finally {
    for (const ns of [a, b, c]) await pool.destroy(ns);
  }
}

export async function measureFullApply(bench: AgentBench, sizes: number[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const size of sizes) {
    const rounds = size >= 5_000 ? 3 : 5;
    const desired = await toDesiredState(makeConfig(1, makePeers(size)));
    const confFile = path.join(bench.tmp, `setconf-${size}.conf`);
    // The private key is per interface in the rounds; the file's key is just as fresh.
    fs.writeFileSync(confFile, wgConfFile(randomKey(), desired), { mode: 0o600 });
    bench.ctx.progress(`full apply of ${size} peers: ${rounds} rounds of apply vs wg setconf`);
    const samples: Round[] = [];
    for (let i = 0; i < rounds; i += 1) samples.push(await round(bench, desired, confFile, i));
    const prep: number[] = [];
    for (let i = 0; i < rounds; i += 1) prep.push(await preparation(desired, 'wfbprep0'));
    const pick = (field: keyof Round) => median(samples.map((sample) => sample[field]));
    const apply = pick('apply');
    const setconf = pick('setconf');
    const uapiAlone = pick('uapiAlone');
    const prepMedian = median(prep);
    results.push({
      metric: `Full apply of ${size.toLocaleString('en-US')} peers, fresh wireguard-go interface (median of ${rounds})`,
      value: apply,
      unit: 'ms',
      baseline: { label: `wg setconf of the same ${size} peers`, value: setconf },
      goal: '≤ 1.5× wg setconf',
      met: apply <= 1.5 * setconf,
      notes:
        `each run: ${samples.map((s) => `${s.apply.toFixed(0)}/${s.setconf.toFixed(0)}`).join(', ')} ms (apply/setconf). ` +
        `Split: pure preparation in process (normalise + routes + nft render + diff + UAPI render) ${ms(prepMedian)}; ` +
        `the same rendered UAPI request sent alone to a third fresh interface ${ms(uapiAlone)} ` +
        `(${(uapiAlone / setconf).toFixed(2)}× setconf); the host commands a first apply runs ` +
        '(one `ip -batch` through `ip -n` writing address and link state and listing link and routes back, ' +
        '`nft -f -` of the empty table and `nft -j list` through `ip netns exec`), timed with the same functions ' +
        `on the setconf interface afterwards, ${ms(pick('commands'))}; apply runs them one after another beside ` +
        'the UAPI set, once its request is written. ' +
        'Interfaces were started before the clock (wireguard-go start to socket: ' +
        `${ms(pick('startup'))}); wg setconf gets the interface down and no address, the dataplane also brings it up.`,
    });
  }
  return results;
}
