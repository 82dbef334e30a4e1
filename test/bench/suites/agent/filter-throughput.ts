import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DesiredState } from '../../../../node-agent/src/dataplane/dataplane.js';
import { LinuxDataplane } from '../../../../node-agent/src/dataplane/linux/linux-dataplane.js';
import { makeFilter, TcpStream, wireguardKeyPair } from '../../support/agent-filter.js';
import type { BenchNetns } from '../../support/agent-netns.js';
import { median } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import type { AgentBench } from './context.js';

const exec = promisify(execFile);
const LISTEN_PORT = 51820;
const STREAM_PORT = 5201;
/** The two ends of the veth joining the namespaces: 198.18.0.0/15 is the benchmarking range. */
const UNDERLAY = { sender: '198.18.255.1', receiver: '198.18.255.2' };

function tunnelState(address: string, peerKey: string, peerIp: string, endpoint: string): DesiredState {
  return {
    revision: 1,
    address: `${address}/16`,
    listenPort: LISTEN_PORT,
    peers: [{ publicKey: peerKey, allowedIps: [`${peerIp}/32`], endpoint: `${endpoint}:${LISTEN_PORT}` }],
    forwards: [],
    masquerade: false,
  };
}

/** Two namespaces joined by a veth pair (made in one, its far end moved into the other). */
async function joinByVeth(sender: BenchNetns, receiver: BenchNetns): Promise<void> {
  const inNs = (ns: BenchNetns, ...args: string[]) => exec('ip', ['netns', 'exec', ns.name, ...args]);
  await inNs(
    sender,
    'ip',
    'link',
    'add',
    `${sender.name}v`,
    'type',
    'veth',
    'peer',
    'name',
    `${receiver.name}v`,
    'netns',
    receiver.name,
  );
  for (const [ns, ip] of [
    [sender, UNDERLAY.sender],
    [receiver, UNDERLAY.receiver],
  ] as const) {
    await inNs(ns, 'ip', 'addr', 'add', `${ip}/30`, 'dev', `${ns.name}v`);
    await inNs(ns, 'ip', 'link', 'set', `${ns.name}v`, 'up');
  }
}

/**
 * TCP throughput through a wireguard-go tunnel between two namespaces, to the receiver's
 * allowed port, with the receiver's access-policy filter applied (a 1,000-entry filter whose
 * allowing entry comes last) and without one, in alternating rounds (which goes first alternates
 * too), so drifts in the machine's speed fall on both.
 */
export async function measureFilterThroughput(bench: AgentBench): Promise<BenchResult[]> {
  const { pool, logger, ctx } = bench;
  const [sender, receiver] = [await pool.create(), await pool.create()];
  const [senderKeys, receiverKeys] = [wireguardKeyPair(), wireguardKeyPair()];
  let stream: TcpStream | undefined;
  try {
    await joinByVeth(sender, receiver);
    await pool.startWireguardGo(sender);
    await pool.startWireguardGo(receiver);
    const plane = (ns: BenchNetns, privateKey: string) =>
      new LinuxDataplane({ interfaceName: ns.ifname, privateKey, logger, netns: ns.name });
    const sending = plane(sender, senderKeys.privateKey);
    const receiving = plane(receiver, receiverKeys.privateKey);
    await sending.apply(tunnelState('100.96.0.1', receiverKeys.publicKey, '100.96.0.2', UNDERLAY.receiver));
    const plain = tunnelState('100.96.0.2', senderKeys.publicKey, '100.96.0.1', UNDERLAY.sender);
    const filtered = {
      ...plain,
      filter: makeFilter(1_000, 80, { from: '100.96.0.1/32', port: STREAM_PORT }),
    };
    await receiving.apply(plain);
    stream = new TcpStream(sender.name, receiver.name, '100.96.0.2', STREAM_PORT);
    await stream.start();
    const seconds = ctx.scale(4, 2);
    const rounds = ctx.scale(8, 2);
    ctx.progress(`tunnel throughput (${stream.tool}), filter vs none: ${rounds} rounds × 2 × ${seconds} s`);
    await stream.measure(1); // the handshake and a warm-up, outside the figures
    const series = { filtered: [] as number[], plain: [] as number[] };
    let revision = 2;
    for (let i = 0; i < rounds; i += 1) {
      for (const which of i % 2 === 0 ? (['filtered', 'plain'] as const) : (['plain', 'filtered'] as const)) {
        await receiving.apply({ ...(which === 'filtered' ? filtered : plain), revision });
        // The dataplane reads the swapped table back after apply returns: not during the stream.
        await receiving.digest();
        revision += 1;
        series[which].push(await stream.measure(seconds));
      }
    }
    await receiving.apply({ ...filtered, revision });
    const chain = await receiver.run('nft', ['list', 'chain', 'inet', 'wirefleet', 'tunnel_in']);
    const rules = chain.stdout.split('\n').filter((line) => line.includes(' saddr ')).length;
    // Each round's two streams ran back to back: their ratio is freest from the machine's drift.
    const paired = median(series.filtered.map((value, i) => value / series.plain[i]!));
    const withFilter = median(series.filtered);
    const without = median(series.plain);
    return [
      {
        metric: `TCP throughput through the WireGuard tunnel to the allowed port, ${rules.toLocaleString('en-US')}-rule filter applied (${stream.tool}, median of ${rounds} × ${seconds} s)`,
        value: withFilter,
        unit: 'Mbit/s',
        baseline: { label: 'the same stream with no filter, rounds alternating', value: without },
        // The rounds' own ratios, not the ratio of the medians: other work on the machine moves
        // both streams of a round alike, and a round's drift then cancels out.
        ratio: paired,
        goal: '≥ 0.90× no filter (the filter costs ≤ 10 %)',
        met: paired >= 0.9,
        notes:
          `with the filter: ${series.filtered.map((v) => v.toFixed(0)).join(', ')} Mbit/s; without: ` +
          `${series.plain.map((v) => v.toFixed(0)).join(', ')} Mbit/s; the ratio is the median of the rounds' own ratios (the medians' ratio: ${(withFilter / without).toFixed(2)}×). ` +
          'wireguard-go in both namespaces, joined by a veth pair; ' +
          "the allowing rule is the last of the input chain, which only a connection's first packet walks (established traffic is accepted by the first rule).",
      },
    ];
  } finally {
    stream?.stop();
    await pool.destroy(sender);
    await pool.destroy(receiver);
  }
}
