import { canonicalCidr, checkInterfaceName, formatCidr, parseCidr } from '../render/validate.js';
import { CommandError, type CommandRunner, runIpBatch } from './command-runner.js';
import type { IpRouteJson, IpRuleJson } from './exit-routing.js';

/** Marks the routes this agent added (`proto 87`), so stale ones can be found after a restart. */
export const ROUTE_PROTOCOL = '87';

/** What `ip -j -d addr show` says about a link. */
export interface IpLink {
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

/** What link-sync needs of the interface's context (a LinkContext). */
export interface LinkHost {
  interfaceName: string;
  run: CommandRunner;
}

function isNoSuchDevice(error: unknown): boolean {
  return error instanceof CommandError && /does not exist|Cannot find device/i.test(error.stderr);
}

/** `ip -j -d addr show dev <if>`, or undefined when the link does not exist. */
export async function readLink(host: LinkHost): Promise<IpLink | undefined> {
  const ifname = checkInterfaceName(host.interfaceName);
  try {
    const { stdout } = await host.run('ip', ['-j', '-d', 'addr', 'show', 'dev', ifname]);
    return (JSON.parse(stdout) as IpLink[])[0];
  } catch (error) {
    if (isNoSuchDevice(error)) return undefined;
    throw error;
  }
}

/**
 * The routes of `ip -j route show table all [dev <if>] proto 87` that are this agent's routes to
 * its peers: both families (a table-less listing is IPv4 only), main table only, through the
 * interface (a listing filtered by device omits `dev`), canonical. The default route is never
 * one: exit routing keeps it in a table of its own.
 */
function ownRoutes(listed: { dst?: string; table?: string; dev?: string }[], ifname: string): Set<string> {
  const routes = new Set<string>();
  for (const route of listed) {
    if (!route.dst || route.dst === 'default' || (route.table !== undefined && route.table !== 'main')) continue;
    if (route.dev !== undefined && route.dev !== ifname) continue;
    const dst = route.dst.includes('/') ? route.dst : `${route.dst}/${route.dst.includes(':') ? 128 : 32}`;
    routes.add(canonicalCidr(dst, 'route'));
  }
  return routes;
}

/** The routes this agent added earlier (marked with ROUTE_PROTOCOL), both families. */
export async function readOwnRoutes(host: LinkHost): Promise<Set<string>> {
  const ifname = checkInterfaceName(host.interfaceName);
  const { stdout } = await host.run('ip', ['-j', 'route', 'show', 'table', 'all', 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
  return ownRoutes(JSON.parse(stdout || '[]'), ifname);
}

/**
 * The `ip` commands (run with `-j -d`) that list the link, every route of this agent's (its
 * peers' routes, and what exit routing left: a table of its own, control-plane host routes) and
 * the rules. Listing exit routing here costs no process of its own: a first apply finds what an
 * earlier run left (see exit-routing.ts) in the same `ip` that writes the link.
 */
function listLinkAndRoutes(ifname: string): string[][] {
  return [
    ['addr', 'show', 'dev', ifname],
    ['route', 'show', 'table', 'all', 'proto', ROUTE_PROTOCOL],
    ['rule', 'show'],
  ];
}

/** Exit routing's part of listLinkAndRoutes, parsed: see exit-routing.ts's parseExitRouting. */
export interface ExitRoutingListing {
  rules: IpRuleJson[];
  routes: IpRouteJson[];
}

interface LinkAndRoutes {
  link: IpLink | undefined;
  routes: Set<string>;
  exitRouting: ExitRoutingListing;
}

/** What listLinkAndRoutes printed: one JSON document per command, one per line. */
function parseLinkAndRoutes(ifname: string, stdout: string): LinkAndRoutes {
  const [links, routes, rules] = stdout.split('\n').filter((line) => line.trim() !== '');
  const allRoutes = JSON.parse(routes ?? '[]') as IpRouteJson[];
  return {
    link: (JSON.parse(links ?? '[]') as IpLink[])[0],
    routes: ownRoutes(allRoutes, ifname),
    exitRouting: { rules: JSON.parse(rules ?? '[]') as IpRuleJson[], routes: allRoutes },
  };
}

/** The link and this agent's routes, read by ONE `ip` process; an absent link has no routes. */
export async function readLinkAndRoutes(host: LinkHost): Promise<{ link: IpLink | undefined; routes: Set<string> }> {
  const ifname = checkInterfaceName(host.interfaceName);
  try {
    return parseLinkAndRoutes(ifname, (await runIpBatch(host.run, listLinkAndRoutes(ifname), ['-j', '-d'])).stdout);
  } catch (error) {
    if (isNoSuchDevice(error)) return { link: undefined, routes: new Set() };
    throw error;
  }
}

/** The link's global addresses other than `wanted` (canonical), and whether `wanted` is one. */
function otherAddresses(link: IpLink, wanted: string): { others: string[]; present: boolean } {
  const others: string[] = [];
  let present = false;
  for (const info of link.addr_info ?? []) {
    if (info.scope === 'link' || info.local === undefined || info.prefixlen === undefined) continue;
    const text = formatCidr(parseCidr(`${info.local}/${info.prefixlen}`, 'interface address'));
    if (text === wanted) present = true;
    else others.push(text);
  }
  return { others, present };
}

/** The commands that make `address` the link's only global address and bring it up. */
function planAddressAndLink(ifname: string, link: IpLink, address: string): { commands: string[][]; changes: string[] } {
  const wanted = formatCidr(parseCidr(address, 'interface address'));
  const commands: string[][] = [];
  const changes: string[] = [];
  const { others, present } = otherAddresses(link, wanted);
  for (const text of others) {
    commands.push(['addr', 'del', text, 'dev', ifname]);
    changes.push(`address ${text} removed`);
  }
  if (!present) {
    commands.push(['addr', 'replace', wanted, 'dev', ifname]);
    changes.push(`address ${wanted} set`);
  }
  if (!(link.flags ?? []).includes('UP')) {
    commands.push(['link', 'set', ifname, 'up']);
    changes.push(`link ${ifname} set up`);
  }
  return { commands, changes };
}

/**
 * The commands that remove stale routes of this agent's and add the missing ones. With
 * `reassertAll`, every wanted route is (re)written, not only the missing ones: removing a
 * link's last address makes the kernel drop the routes through it.
 */
function planRoutes(
  ifname: string,
  current: ReadonlySet<string>,
  target: ReadonlySet<string>,
  reassertAll = false,
): { removals: string[][]; additions: string[][]; changes: string[] } {
  const removals: string[][] = [];
  const additions: string[][] = [];
  const changes: string[] = [];
  for (const cidr of current) {
    if (target.has(cidr)) continue;
    removals.push(['route', 'del', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
    changes.push(`route ${cidr} removed`);
  }
  for (const cidr of target) {
    const missing = !current.has(cidr);
    if (!missing && !reassertAll) continue;
    additions.push(['route', 'replace', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
    if (missing) changes.push(`route ${cidr} added`);
  }
  return { removals, additions, changes };
}

/**
 * syncLink for a first apply, when neither the link nor the routes are known, in ONE `ip`
 * process unless something is left over: the batch first writes what is wanted — `addr replace`
 * of the address, the link up, `route replace` of each route, each of them idempotent (a live
 * interface adopted after a restart does not flap) — then lists the link and this agent's
 * routes. Only when that shows leftovers (another global address, a route no longer wanted)
 * does a second batch remove them (routes, then addresses); it then writes the address and routes
 * again, as deleting a primary address takes its secondaries with it, and deleting a link's last
 * address the routes through it. Unlike syncLink it does not say what it
 * changed (a `replace` does not tell): reconcile, which reports what it corrected, reads first.
 * Returns the routes now installed, and what the listing showed of exit routing.
 */
export async function establishLink(
  host: LinkHost,
  wanted: { address: string; routes: readonly string[] },
): Promise<{ routes: Set<string>; exitRouting: ExitRoutingListing }> {
  const ifname = checkInterfaceName(host.interfaceName);
  const address = formatCidr(parseCidr(wanted.address, 'interface address'));
  const target = new Set(wanted.routes.map((cidr) => canonicalCidr(cidr, 'route')));
  const writes = [
    ['addr', 'replace', address, 'dev', ifname],
    ['link', 'set', ifname, 'up'],
    ...[...target].map((cidr) => ['route', 'replace', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]),
  ];
  let listed: LinkAndRoutes;
  try {
    const listing = await runIpBatch(host.run, [...writes, ...listLinkAndRoutes(ifname)], ['-j', '-d']);
    listed = parseLinkAndRoutes(ifname, listing.stdout);
  } catch (error) {
    if (isNoSuchDevice(error)) throw new Error(`interface ${ifname} disappeared`);
    throw error;
  }
  if (!listed.link) throw new Error(`interface ${ifname} disappeared`);
  // Routes first: deleting the last address of a link also deletes the routes through it.
  const leftovers: string[][] = [...listed.routes]
    .filter((cidr) => !target.has(cidr))
    .map((cidr) => ['route', 'del', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
  for (const text of otherAddresses(listed.link, address).others) leftovers.push(['addr', 'del', text, 'dev', ifname]);
  if (leftovers.length > 0) await runIpBatch(host.run, [...leftovers, ...writes]);
  return { routes: target, exitRouting: listed.exitRouting };
}

/**
 * Brings the interface's address, link state and this agent's routes to what is wanted, with
 * at most two `ip` processes: one that reads what is not already known, one batch that writes
 * every difference (addresses, then the link up, then routes — a route needs its link up).
 * - `address`: made the link's only global address, the link brought up; undefined leaves both
 *   alone (and the link is not read).
 * - `knownRoutes`: the routes the agent believes it installed; undefined reads them.
 * Returns what it changed and the routes now installed.
 */
export async function syncLink(
  host: LinkHost,
  wanted: { address?: string | undefined; routes: readonly string[]; knownRoutes?: ReadonlySet<string> | undefined },
): Promise<{ changes: string[]; routes: Set<string> }> {
  const ifname = checkInterfaceName(host.interfaceName);
  const target = new Set(wanted.routes.map((cidr) => canonicalCidr(cidr, 'route')));
  let link: IpLink | undefined;
  let current = wanted.knownRoutes;
  if (wanted.address !== undefined && current === undefined) ({ link, routes: current } = await readLinkAndRoutes(host));
  else if (wanted.address !== undefined) link = await readLink(host);
  else current ??= await readOwnRoutes(host);
  const { commands, changes } = planLinkSync(ifname, link, current ?? new Set(), { address: wanted.address, target });
  if (commands.length > 0) await runIpBatch(host.run, commands);
  return { changes, routes: target };
}

/**
 * syncLink's plan, pure: the `ip` batch (lines without `ip`) that takes the link as read and
 * this agent's routes `current` to what is wanted, and what it changes in words. `address`
 * undefined leaves the address and link state alone (`link` is then not looked at); `target`
 * holds canonical routes. Throws when an address is wanted and there is no link.
 */
export function planLinkSync(
  ifname: string,
  link: IpLink | undefined,
  current: ReadonlySet<string>,
  wanted: { address: string | undefined; target: ReadonlySet<string> },
): { commands: string[][]; changes: string[] } {
  let address: { commands: string[][]; changes: string[] } = { commands: [], changes: [] };
  if (wanted.address !== undefined) {
    if (!link) throw new Error(`interface ${ifname} disappeared`);
    address = planAddressAndLink(ifname, link, wanted.address);
  }
  // Stale routes go first, then the address (whose removal may take every route with it), then
  // the wanted routes — all of them again when an address was removed.
  const addressRemoved = address.commands.some(([object, verb]) => object === 'addr' && verb === 'del');
  const routes = planRoutes(ifname, current, wanted.target, addressRemoved);
  return {
    commands: [...routes.removals, ...address.commands, ...routes.additions],
    changes: [...address.changes, ...routes.changes],
  };
}
