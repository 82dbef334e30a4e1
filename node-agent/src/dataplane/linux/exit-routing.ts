import { canonicalCidr, canonicalIp, checkInterfaceName, parseIpv4Cidr } from '../render/validate.js';
import { ROUTE_PROTOCOL } from './link-sync.js';

/**
 * Policy routing for an exit node's routes (wg-quick's scheme), so a peer that carries the
 * default route cannot take this host's own control plane or WireGuard traffic into the tunnel:
 * - the WireGuard interface marks its own encrypted UDP with EXIT_FWMARK;
 * - routes that cover the default (0.0.0.0/0, or either /1 half) go into EXIT_TABLE, never main;
 * - rule SUPPRESS_RULE_PRIORITY looks main up but ignores its default route, so every specific
 *   route (the LAN, other peers' routes, the exception /32s below) still wins;
 * - rule TUNNEL_RULE_PRIORITY sends what is not marked to EXIT_TABLE; marked packets (WireGuard's
 *   own) fall through to main and leave through the underlay;
 * - exception host routes in main keep the control plane (api_url, gateway_url) on the path it
 *   had before the tunnel took the default: those connections are not WireGuard's, so the mark
 *   does not cover them.
 * Rules and routes carry ROUTE_PROTOCOL, so a restarted agent finds and cleans what it left.
 * IPv4 only, as routes are until the network is dual-stack. This module is pure: it classifies,
 * parses `ip -j` listings and plans `ip` commands; exit-routing-sync.ts runs them.
 */

/** "WF" in ASCII: clashes with neither wg-quick's 51820 nor the reserved tables 253-255. */
export const EXIT_FWMARK = 0x5746;
export const EXIT_TABLE = String(EXIT_FWMARK);
/** Before main (32766) and default (32767); suppress first, as it must see main before the tunnel. */
export const SUPPRESS_RULE_PRIORITY = '22340';
export const TUNNEL_RULE_PRIORITY = '22341';

/** An IPv4 route of prefix 0 or 1: it covers the default route, or half of it. */
export function coversDefault(route: string): boolean {
  const v4 = parseIpv4Cidr(route);
  return v4 !== undefined && v4.prefixLength <= 1;
}

/**
 * Splits canonical routes into those for the main table and those for EXIT_TABLE. Both /1
 * halves get the /0's treatment: in main, more specific than the host's default, they would
 * capture everything just the same.
 */
export function splitExitRoutes(routes: readonly string[]): { main: string[]; exit: string[] } {
  const main: string[] = [];
  const exit: string[] = [];
  for (const route of routes) (coversDefault(route) ? exit : main).push(route);
  return { main, exit };
}

/** A host route in main that keeps a control-plane address on its underlay path. */
export interface ExceptionRoute {
  /** IPv4, canonical. */
  address: string;
  gateway?: string;
  dev: string;
}

/** What this agent left on the host for exit routing, as `ip -j` lists it. */
export interface ExitRoutingHost {
  /** Priorities of the rules marked ROUTE_PROTOCOL, and whether each is exactly a wanted one. */
  rules: { priority: string; wanted: boolean }[];
  /** EXIT_TABLE's routes: canonical destination -> device. */
  tableRoutes: Map<string, string>;
  /** Main-table /32s of this agent's on a device other than the tunnel: address -> route. */
  exceptions: Map<string, ExceptionRoute>;
}

export interface IpRuleJson {
  priority?: number;
  not?: null;
  fwmark?: string;
  table?: string;
  suppress_prefixlen?: number;
  protocol?: string;
}

export interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  type?: string;
}

function isWantedRule(rule: IpRuleJson): boolean {
  const priority = String(rule.priority);
  if (priority === SUPPRESS_RULE_PRIORITY)
    return (
      rule.table === 'main' && rule.suppress_prefixlen === 0 && rule.fwmark === undefined && !('not' in rule)
    );
  if (priority === TUNNEL_RULE_PRIORITY)
    return (
      rule.table === EXIT_TABLE &&
      'not' in rule &&
      Number(rule.fwmark) === EXIT_FWMARK &&
      rule.suppress_prefixlen === undefined
    );
  return false;
}

function routeDestination(dst: string): string | undefined {
  const cidr = dst === 'default' ? '0.0.0.0/0' : dst.includes('/') ? dst : `${dst}/32`;
  return parseIpv4Cidr(cidr) === undefined ? undefined : canonicalCidr(cidr, 'route');
}

/**
 * Reads `ip -j rule show` and `ip -j route show table all proto <ROUTE_PROTOCOL>` (both
 * listings, parsed) into what this agent left for exit routing. `ifname` is the tunnel: its
 * main-table routes are the peers' routes (link-sync's), not exceptions.
 */
export function parseExitRouting(
  ifname: string,
  rules: IpRuleJson[],
  routes: IpRouteJson[],
): ExitRoutingHost {
  const host: ExitRoutingHost = { rules: [], tableRoutes: new Map(), exceptions: new Map() };
  for (const rule of rules) {
    if (rule.protocol !== ROUTE_PROTOCOL) continue;
    host.rules.push({ priority: String(rule.priority), wanted: isWantedRule(rule) });
  }
  for (const route of routes) {
    if (route.protocol !== undefined && route.protocol !== ROUTE_PROTOCOL) continue;
    const dst = route.dst === undefined ? undefined : routeDestination(route.dst);
    if (dst === undefined || route.dev === undefined) continue;
    const table = route.table ?? 'main';
    if (table === EXIT_TABLE) host.tableRoutes.set(dst, route.dev);
    else if (table === 'main' && route.dev !== ifname && dst.endsWith('/32')) {
      const address = dst.slice(0, -3);
      host.exceptions.set(address, {
        address,
        dev: route.dev,
        ...(route.gateway ? { gateway: route.gateway } : {}),
      });
    }
  }
  return host;
}

/** Whether the host holds anything of this agent's exit routing. */
export function hasExitRouting(host: ExitRoutingHost): boolean {
  return host.rules.length > 0 || host.tableRoutes.size > 0 || host.exceptions.size > 0;
}

const sameException = (a: ExceptionRoute, b: ExceptionRoute) =>
  a.address === b.address && a.dev === b.dev && a.gateway === b.gateway;

function exceptionArgs(route: ExceptionRoute): string[] {
  const to = `${canonicalIp(route.address, 'control-plane address')}/32`;
  const via = route.gateway === undefined ? [] : ['via', canonicalIp(route.gateway, 'gateway')];
  return [to, ...via, 'dev', checkInterfaceName(route.dev), 'table', 'main', 'proto', ROUTE_PROTOCOL];
}

const SUPPRESS_RULE = ['priority', SUPPRESS_RULE_PRIORITY, 'table', 'main', 'suppress_prefixlength', '0'];
const TUNNEL_RULE = [
  'priority',
  TUNNEL_RULE_PRIORITY,
  'not',
  'fwmark',
  String(EXIT_FWMARK),
  'table',
  EXIT_TABLE,
];

export interface ExitRoutingWanted {
  ifname: string;
  /** Canonical IPv4 routes covering the default; empty: no exit routing at all. */
  routes: readonly string[];
  /** The exception routes wanted; those present but not listed stay when `keepOtherExceptions`. */
  exceptions: readonly ExceptionRoute[];
  /** Set while a control-plane host does not resolve: its earlier exception must not go. */
  keepOtherExceptions: boolean;
}

/** The rule commands: every rule of ours that is not exactly wanted goes, the missing ones come. */
function planRules(host: ExitRoutingHost, enabled: boolean): { removals: string[][]; additions: string[][] } {
  const removals = host.rules
    .filter((rule) => !enabled || !rule.wanted)
    .map((rule) => ['rule', 'del', 'priority', rule.priority, 'protocol', ROUTE_PROTOCOL]);
  const present = (priority: string) => host.rules.some((rule) => rule.wanted && rule.priority === priority);
  const additions: string[][] = [];
  if (enabled && !present(SUPPRESS_RULE_PRIORITY))
    additions.push(['rule', 'add', ...SUPPRESS_RULE, 'protocol', ROUTE_PROTOCOL]);
  if (enabled && !present(TUNNEL_RULE_PRIORITY))
    additions.push(['rule', 'add', ...TUNNEL_RULE, 'protocol', ROUTE_PROTOCOL]);
  return { removals, additions };
}

/**
 * The table holds routes through another (live: the kernel drops a link's routes with it)
 * interface: another agent on this host uses exit routing, and the rules and control-plane
 * routes are its too. An agent that wants none removes only its own routes from the table.
 */
function leaveToSibling(host: ExitRoutingHost, ifname: string): { commands: string[][]; changes: string[] } {
  const own = [...host.tableRoutes].filter(([, dev]) => dev === ifname).map(([dst]) => dst);
  return {
    commands: own.map((dst) => [
      'route',
      'del',
      dst,
      'dev',
      ifname,
      'table',
      EXIT_TABLE,
      'proto',
      ROUTE_PROTOCOL,
    ]),
    changes: own.map((dst) => `exit route ${dst} removed`),
  };
}

/**
 * The `ip` commands (for one `ip -batch`) that bring the host from `host` to `wanted`, in an
 * order that never opens a window for a hijack: exception routes first, then the table, then
 * the rules that make the table live; when turning off, the rules go before what they used.
 */
export function planExitRouting(
  host: ExitRoutingHost,
  wanted: ExitRoutingWanted,
): { commands: string[][]; changes: string[] } {
  const ifname = checkInterfaceName(wanted.ifname);
  const enabled = wanted.routes.length > 0;
  if (!enabled && [...host.tableRoutes.values()].some((dev) => dev !== ifname))
    return leaveToSibling(host, ifname);
  const changes: string[] = [];
  const addExceptions = (enabled ? wanted.exceptions : [])
    .filter((route) => {
      const have = host.exceptions.get(route.address);
      return have === undefined || !sameException(have, route);
    })
    .map((route) => {
      changes.push(`control-plane route ${route.address} via ${route.gateway ?? route.dev} set`);
      return ['route', 'replace', ...exceptionArgs(route)];
    });
  const rules = planRules(host, enabled);
  if (rules.removals.length > 0) changes.push(`${rules.removals.length} exit routing rule(s) removed`);
  if (rules.additions.length > 0) changes.push(`${rules.additions.length} exit routing rule(s) added`);
  const target = new Set(wanted.routes.map((route) => canonicalCidr(route, 'route')));
  const tableRemovals = [...host.tableRoutes.keys()]
    .filter((dst) => !target.has(dst))
    .map((dst) => {
      changes.push(`exit route ${dst} removed`);
      return ['route', 'del', dst, 'table', EXIT_TABLE, 'proto', ROUTE_PROTOCOL];
    });
  const tableAdditions = [...target]
    .filter((dst) => host.tableRoutes.get(dst) !== ifname)
    .map((dst) => {
      changes.push(`exit route ${dst} added`);
      return ['route', 'replace', dst, 'dev', ifname, 'table', EXIT_TABLE, 'proto', ROUTE_PROTOCOL];
    });
  const keep = new Set(enabled ? wanted.exceptions.map((route) => route.address) : []);
  const staleExceptions = [...host.exceptions.values()]
    .filter((route) => !keep.has(route.address) && !(enabled && wanted.keepOtherExceptions))
    .map((route) => {
      changes.push(`control-plane route ${route.address} removed`);
      return ['route', 'del', ...exceptionArgs(route)];
    });
  const commands = [
    ...addExceptions,
    ...tableAdditions,
    ...rules.removals,
    ...tableRemovals,
    ...rules.additions,
    ...staleExceptions,
  ];
  return { commands, changes };
}
