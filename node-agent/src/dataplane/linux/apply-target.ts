import type { DesiredFilter, DesiredFilterEntry, DesiredForward, DesiredState } from '../dataplane.js';
import { renderNftScript } from '../render/nft-script.js';
import { checkPort, formatCidr, type ParsedCidr, parseCidr } from '../render/validate.js';
import { EXIT_FWMARK, splitExitRoutes } from './exit-routing.js';
import { PeerNormalizer, type PeerSet } from './peer-diff.js';
import { routesForCanonical } from './wireguard-interface.js';

/** What the firewall table is rendered from, copied as applied. */
export interface FirewallInputs {
  forwards: DesiredForward[];
  masquerade: boolean;
  /** The renderer refuses a udp forward on it, so a new listen port means a new render. */
  listenPort: number;
  /** Exit routing adds the chains that mark replies to WireGuard's packets (renderNftScript). */
  exitRouting: boolean;
  /** The access-policy filter (its own chains in the table); undefined: none. */
  filter: DesiredFilter | undefined;
}

/** A DesiredState validated and rendered: everything a plan needs, before the host is touched. */
export interface ApplyTarget {
  privateKey: string;
  /** Canonical CIDR. */
  address: string;
  listenPort: number;
  peers: PeerSet;
  /** PeerNormalizer's `changed`: the positions that differ from the set it returned last. */
  changed?: { from: PeerSet; at: number[] } | undefined;
  /** The routes for the main table. */
  routes: string[];
  /** The routes covering the default, held by exit routing in its own table. */
  exitRoutes: string[];
  nftScript: string;
  /** The raw inputs nftScript was rendered from. */
  firewall: FirewallInputs;
  /** Whether forwards or masquerade need ip_forward. */
  forwarding: boolean;
}

function firewallInputs(desired: DesiredState, exitRouting: boolean): FirewallInputs {
  return {
    forwards: Array.isArray(desired.forwards) ? desired.forwards.map((forward) => ({ ...forward })) : [],
    masquerade: desired.masquerade,
    listenPort: desired.listenPort,
    exitRouting,
    filter: desired.filter === undefined ? undefined : structuredClone(desired.filter),
  };
}

/**
 * Whether two lists hold the same items. Anything that is not a list (a malformed filter) is
 * never the same, so it goes on to the renderer, which refuses it and says why.
 */
function sameList(a: unknown, b: unknown, same: (x: unknown, y: unknown) => boolean): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === undefined && b === undefined;
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

const sameValue = (x: unknown, y: unknown) => x === y;
const samePorts = (p: unknown, q: unknown) => sameList(p, q, sameValue);

function sameEntry(x: unknown, y: unknown): boolean {
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  const [a, b] = [x as DesiredFilterEntry, y as DesiredFilterEntry];
  return (
    a.proto === b.proto &&
    sameList(a.from, b.from, sameValue) &&
    sameList(a.to, b.to, sameValue) &&
    sameList(a.ports, b.ports, samePorts)
  );
}

/** The filters compared item by item: a config re-sent with the same filter is not rendered again. */
function sameFilter(a: DesiredFilter | undefined, b: DesiredFilter | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameList(a.inbound, b.inbound, sameEntry);
}

function sameFirewall(a: FirewallInputs, b: FirewallInputs): boolean {
  return (
    a.masquerade === b.masquerade &&
    a.exitRouting === b.exitRouting &&
    a.listenPort === b.listenPort &&
    sameFilter(a.filter, b.filter) &&
    a.forwards.length === b.forwards.length &&
    a.forwards.every((x, i) => {
      const y = b.forwards[i]!;
      return (
        x.protocol === y.protocol &&
        x.publicPort === y.publicPort &&
        x.targetIp === y.targetIp &&
        x.targetPort === y.targetPort
      );
    })
  );
}

/**
 * Turns each DesiredState into an ApplyTarget, throwing on anything invalid. Pure apart from
 * its memory, which only saves work: the peers normalised last (PeerNormalizer), the last split
 * of their routes, and the firewall script when its inputs are those last applied.
 */
export class ApplyTargetBuilder {
  private readonly normalizer: PeerNormalizer;
  /** The last split of the normaliser's routes: unchanged routes (the same array) are not split again. */
  private split: { from: readonly string[]; main: string[]; exit: string[] } | undefined;

  constructor(
    private readonly interfaceName: string,
    private readonly privateKey: string,
  ) {
    let network: { address: string; parsed: ParsedCidr } | undefined;
    this.normalizer = new PeerNormalizer((address, allowedIps) => {
      if (network?.address !== address)
        network = { address, parsed: parseCidr(address, 'interface address') };
      return routesForCanonical(network.parsed, allowedIps);
    });
  }

  /** `applied`: the firewall last applied, whose script is reused when its inputs are unchanged. */
  build(
    desired: DesiredState,
    applied: { firewall: FirewallInputs; nftScript: string } | undefined,
  ): ApplyTarget {
    const address = formatCidr(parseCidr(desired.address, 'interface address'));
    // Only peers whose raw fields changed since the last apply are normalised and routed again.
    const { peers, routes, changed } = this.normalizer.normalize(desired.peers, address);
    const { main, exit } = this.splitRoutes(routes);
    const listenPort = checkPort(desired.listenPort, 'listen port');
    // The firewall depends on these inputs only (the interface name is fixed): when they are the
    // ones last applied, so is the script, and it is neither rendered nor compared.
    const firewall = firewallInputs(desired, exit.length > 0);
    const nftScript =
      applied !== undefined && Array.isArray(desired.forwards) && sameFirewall(applied.firewall, firewall)
        ? applied.nftScript
        : renderNftScript(this.interfaceName, desired, {
            replyMark: firewall.exitRouting ? EXIT_FWMARK : undefined,
          });
    return {
      privateKey: this.privateKey,
      address,
      listenPort,
      peers,
      changed,
      routes: main,
      exitRoutes: exit,
      nftScript,
      firewall,
      forwarding: desired.masquerade || desired.forwards.length > 0,
    };
  }

  private splitRoutes(routes: readonly string[]): { main: string[]; exit: string[] } {
    if (this.split?.from !== routes) this.split = { from: routes, ...splitExitRoutes(routes) };
    return this.split;
  }
}
