import type { DesiredForward, DesiredState } from '../dataplane.js';
import { checkFilter, renderFilterLines } from './nft-filter.js';
import { checkInteger, checkInterfaceName, checkPort, checkProtocol, parseIp, formatIp } from './validate.js';

/** The only table the agent owns; it never touches rules outside it. */
export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'wirefleet';

/** The parts of a DesiredState the firewall depends on. */
export type FirewallState = Pick<DesiredState, 'forwards' | 'masquerade' | 'listenPort' | 'filter'>;

/**
 * The chains that let replies to WireGuard's own marked packets carry the mark too (wg-quick's
 * rules): outgoing, the mark goes onto the connection; incoming, back onto the packet. With
 * `src_valid_mark` on, strict reverse-path filtering then checks a reply from a peer endpoint
 * against the marked route (the underlay), not the unmarked one, which exit routing points
 * into the tunnel — without them such a host drops every handshake reply.
 */
function replyMarkChains(mark: number): string[] {
  return [
    '\tchain exit_mark_replies {',
    '\t\ttype filter hook prerouting priority mangle; policy accept;',
    `\t\tmeta l4proto udp ct mark ${mark} meta mark set ct mark`,
    '\t}',
    '\tchain exit_mark_connections {',
    '\t\ttype filter hook postrouting priority mangle; policy accept;',
    `\t\tmeta l4proto udp meta mark ${mark} ct mark set meta mark`,
    '\t}',
  ];
}

/**
 * A DNAT rule for traffic that does not arrive on the WireGuard interface: a forward publishes
 * a tunnel service on the node's other interfaces, and matching tunnel traffic too would let
 * one peer redirect another's packets (or its own handshakes) through the forward.
 */
function dnatRule(forward: DesiredForward, ifname: string): string {
  const protocol = checkProtocol(forward.protocol);
  const publicPort = checkPort(forward.publicPort, 'forward public port');
  const targetPort = checkPort(forward.targetPort, 'forward target port');
  const target = parseIp(forward.targetIp, 'forward target IP');
  const to = target.family === 4 ? `ip to ${formatIp(target)}` : `ip6 to [${formatIp(target)}]`;
  return `iifname != "${ifname}" meta l4proto ${protocol} th dport ${publicPort} dnat ${to}:${targetPort}`;
}

/**
 * Renders the whole `inet wirefleet` table as one `nft -f -` transaction. The leading
 * `table` + `delete table` pair makes the replacement atomic and complete: `flush table` would
 * keep sets and chains a hand edit added, and deleting a table that does not exist would fail.
 *
 * Pure; every value is re-validated here and anything invalid throws, so the output always has
 * exactly 15 lines + one per forward + 2 when masquerading + 8 with a `replyMark` + the filter's
 * lines (renderFilterLines), and no value can add a statement. A udp forward on the WireGuard
 * listen port throws too: it would take the tunnel's own port. `replyMark` is WireGuard's fwmark
 * while exit routing is on (see replyMarkChains). Without a `filter` the table is exactly what
 * it was before access policies existed.
 */
export function renderNftScript(
  interfaceName: string,
  desired: FirewallState,
  options: { replyMark?: number | undefined } = {},
): string {
  const ifname = checkInterfaceName(interfaceName);
  const replyMark =
    options.replyMark === undefined
      ? []
      : replyMarkChains(checkInteger(options.replyMark, 'fwmark', 1, 0xffffffff));
  if (!Array.isArray(desired.forwards)) throw new TypeError('forwards must be an array');
  if (typeof desired.masquerade !== 'boolean') throw new TypeError('masquerade must be a boolean');
  const listenPort = checkPort(desired.listenPort, 'listen port');
  const seen = new Set<string>();
  const dnat = desired.forwards.map((forward) => {
    const rule = dnatRule(forward, ifname);
    if (forward.protocol === 'udp' && forward.publicPort === listenPort) {
      throw new RangeError(`a udp forward takes the WireGuard listen port ${listenPort}`);
    }
    const slot = `${forward.protocol}/${forward.publicPort}`;
    // Two rules on one public port: the second would never match, so the config is wrong.
    if (seen.has(slot)) throw new RangeError(`two forwards use ${slot}`);
    seen.add(slot);
    return rule;
  });
  const filter = desired.filter === undefined ? [] : renderFilterLines(ifname, checkFilter(desired.filter));
  const masquerade = desired.masquerade
    ? [
        // DNAT'ed connections must answer back through this node, not straight from the target.
        `oifname "${ifname}" masquerade`,
        // Tunnel traffic leaving the node takes the node's address.
        `iifname "${ifname}" oifname != "${ifname}" masquerade`,
      ]
    : [];
  const lines = [
    `table ${NFT_FAMILY} ${NFT_TABLE}`,
    `delete table ${NFT_FAMILY} ${NFT_TABLE}`,
    `table ${NFT_FAMILY} ${NFT_TABLE} {`,
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    ...dnat.map((rule) => `\t\t${rule}`),
    '\t}',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    ...masquerade.map((rule) => `\t\t${rule}`),
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    `\t\tiifname "${ifname}" accept`,
    `\t\toifname "${ifname}" accept`,
    '\t}',
    ...filter,
    ...replyMark,
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
