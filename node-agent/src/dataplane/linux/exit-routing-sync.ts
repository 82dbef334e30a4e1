import { lookup } from 'node:dns/promises';
import type { Logger } from '@wirefleet/shared/logging';
import { canonicalIp, checkInterfaceName, parseIp } from '../render/validate.js';
import { CommandError, type CommandRunner, runIpBatch } from './command-runner.js';
import {
  EXIT_FWMARK,
  type ExceptionRoute,
  type ExitRoutingHost,
  hasExitRouting,
  type IpRouteJson,
  type IpRuleJson,
  parseExitRouting,
  planExitRouting,
} from './exit-routing.js';
import { ROUTE_PROTOCOL } from './link-sync.js';

/** A host name's IPv4 addresses (DNS, /etc/hosts); injectable for tests. */
export type LookupIpv4 = (host: string) => Promise<string[]>;

const lookupIpv4: LookupIpv4 = async (host) =>
  (await lookup(host, { all: true, family: 4 })).map((entry) => entry.address);

export interface ExitRoutingContext {
  interfaceName: string;
  run: CommandRunner;
  logger: Logger;
  /** The agent's api_url and gateway_url: their hosts must stay reachable outside the tunnel. */
  controlPlaneUrls: readonly string[];
  lookup?: LookupIpv4;
}

/** The `ip` commands (run with `-j`) that list what exit routing may have left on the host. */
export const EXIT_ROUTING_LISTING = [
  ['rule', 'show'],
  ['route', 'show', 'table', 'all', 'proto', ROUTE_PROTOCOL],
];

/** What EXIT_ROUTING_LISTING printed: one JSON document per line. */
export function parseExitRoutingListing(ifname: string, lines: readonly string[]): ExitRoutingHost {
  const [rules, routes] = lines;
  return parseExitRouting(
    ifname,
    JSON.parse(rules ?? '[]') as IpRuleJson[],
    JSON.parse(routes ?? '[]') as IpRouteJson[],
  );
}

export async function readExitRouting(run: CommandRunner, ifname: string): Promise<ExitRoutingHost> {
  const { stdout } = await runIpBatch(run, EXIT_ROUTING_LISTING, ['-j', '-d']);
  return parseExitRoutingListing(
    ifname,
    stdout.split('\n').filter((line) => line.trim() !== ''),
  );
}

function isLoopback(address: string): boolean {
  const ip = parseIp(address);
  return ip.family === 4 && (ip.bytes[0] === 127 || ip.bytes.every((byte) => byte === 0));
}

/**
 * The IPv4 addresses of the control plane's hosts, loopback left out (it never leaves the
 * host). A host that does not resolve is named in `unresolved`: the caller keeps the exception
 * routes it had and tries again at the next reconcile, rather than failing the apply.
 */
export async function controlPlaneAddresses(
  urls: readonly string[],
  lookupHost: LookupIpv4 = lookupIpv4,
): Promise<{ addresses: string[]; unresolved: string[] }> {
  const addresses = new Set<string>();
  const unresolved: string[] = [];
  for (const url of urls) {
    const host = new URL(url).hostname;
    // An IPv6 literal ([…]): exit routing is IPv4 only, as routes are.
    if (host.startsWith('[')) continue;
    const found = /^[0-9.]+$/.test(host) ? [host] : await lookupHost(host).catch(() => []);
    if (found.length === 0) unresolved.push(host);
    for (const address of found)
      if (!isLoopback(address)) addresses.add(canonicalIp(address, 'control-plane address'));
  }
  return { addresses: [...addresses].sort(), unresolved };
}

/**
 * How `address` leaves this host outside the tunnel: `ip route get` with WireGuard's own mark,
 * which the tunnel rule skips, so it gives the underlay path whether or not the tunnel already
 * holds the default. Undefined for an address on this host, reached through the tunnel itself
 * (a peer's specific route: nothing to except), or unreachable.
 */
async function underlayPath(
  ctx: ExitRoutingContext,
  ifname: string,
  address: string,
): Promise<ExceptionRoute | undefined> {
  let route: IpRouteJson | undefined;
  try {
    const { stdout } = await ctx.run('ip', ['-j', 'route', 'get', address, 'mark', String(EXIT_FWMARK)]);
    route = (JSON.parse(stdout) as IpRouteJson[])[0];
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    ctx.logger.warn(
      { address, reason: error.stderr.trim() },
      'control-plane address has no route outside the tunnel',
    );
    return undefined;
  }
  if (
    route?.dev === undefined ||
    route.dev === ifname ||
    (route.type !== undefined && route.type !== 'unicast')
  )
    return undefined;
  return {
    address,
    dev: checkInterfaceName(route.dev),
    ...(route.gateway ? { gateway: canonicalIp(route.gateway, 'gateway') } : {}),
  };
}

/**
 * Brings this agent's exit routing to `routes` (the canonical routes covering the default; empty
 * removes every rule, table route and exception of ours). `known` is the host as just listed,
 * when the caller has it; otherwise it is read. The WireGuard interface must carry EXIT_FWMARK
 * before routes are given, or its own packets would enter the tunnel. `complete` is false while
 * a control-plane host does not resolve.
 */
export async function syncExitRouting(
  ctx: ExitRoutingContext,
  routes: readonly string[],
  known?: ExitRoutingHost,
): Promise<{ changes: string[]; complete: boolean }> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const host = known ?? (await readExitRouting(ctx.run, ifname));
  if (routes.length === 0 && !hasExitRouting(host)) return { changes: [], complete: true };
  const exceptions: ExceptionRoute[] = [];
  let unresolved: string[] = [];
  if (routes.length > 0) {
    const found = await controlPlaneAddresses(ctx.controlPlaneUrls, ctx.lookup);
    unresolved = found.unresolved;
    if (unresolved.length > 0)
      ctx.logger.warn(
        { hosts: unresolved },
        'control-plane host does not resolve; its route outside the tunnel is retried at the next reconcile',
      );
    for (const address of found.addresses) {
      // An exception already in place is the path: a route get would only read it back.
      const path = host.exceptions.get(address) ?? (await underlayPath(ctx, ifname, address));
      if (path) exceptions.push(path);
    }
  }
  const plan = planExitRouting(host, {
    ifname,
    routes,
    exceptions,
    keepOtherExceptions: unresolved.length > 0,
  });
  if (plan.commands.length === 0) return { changes: [], complete: unresolved.length === 0 };
  // Strict reverse-path filtering must judge a reply from a peer endpoint by the mark the
  // firewall restores on it (see nft-script.ts's replyMarkChains), i.e. by the underlay route.
  if (routes.length > 0) await ctx.run('sysctl', ['-w', 'net.ipv4.conf.all.src_valid_mark=1']);
  await runIpBatch(ctx.run, plan.commands);
  if (plan.changes.length > 0)
    ctx.logger.info({ interface: ifname, changes: plan.changes }, 'exit routing changed');
  return { changes: plan.changes, complete: unresolved.length === 0 };
}
