import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@wirefleet/shared/logging';
import {
  canonicalCidr,
  checkInterfaceName,
  cidrContains,
  formatCidr,
  type ParsedCidr,
  parseCidr,
} from '../render/validate.js';
import { CommandError, type CommandRunner, isMissingProgram } from './command-runner.js';
import { UapiClient, type WireguardTransport } from './uapi-client.js';
import { WgCliTransport } from './wg-cli.js';

/** Marks the routes this agent added (`proto 87`), so stale ones can be found after a restart. */
export const ROUTE_PROTOCOL = '87';

export interface LinkContext {
  interfaceName: string;
  run: CommandRunner;
  logger: Logger;
  /** Where UAPI sockets live (default `/var/run/wireguard`); tests point it elsewhere. */
  uapiDir?: string;
  /** How long to wait for a freshly started wireguard-go to open its socket. */
  startTimeoutMs?: number;
}

interface IpLink {
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

function isNoSuchDevice(error: unknown): boolean {
  return error instanceof CommandError && /does not exist|Cannot find device/i.test(error.stderr);
}

/** `ip -j -d addr show dev <if>`, or undefined when the link does not exist. */
export async function readLink(ctx: LinkContext): Promise<IpLink | undefined> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  try {
    const { stdout } = await ctx.run('ip', ['-j', '-d', 'addr', 'show', 'dev', ifname]);
    const links = JSON.parse(stdout) as IpLink[];
    return links[0];
  } catch (error) {
    if (isNoSuchDevice(error)) return undefined;
    throw error;
  }
}

async function uapiReady(client: UapiClient): Promise<boolean> {
  try {
    await client.get();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No socket, or a stale one a dead daemon left: both mean "no userspace interface".
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return false;
    throw error;
  }
}

/** wireguard-go keeps its parent's stdio (and so our pipes) open when LOG_LEVEL is set, and
 * stays in the foreground with WG_PROCESS_FOREGROUND: either would hang `execFile`. */
function daemonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LOG_LEVEL;
  delete env.WG_PROCESS_FOREGROUND;
  return env;
}

/** The existing interface's transport (UAPI socket or kernel link), or undefined; creates nothing. */
export async function findWireguardInterface(ctx: LinkContext): Promise<WireguardTransport | undefined> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const uapi = new UapiClient(ifname, ctx.uapiDir);
  if (await uapiReady(uapi)) return uapi;
  const link = await readLink(ctx);
  if (!link) return undefined;
  if (link.linkinfo?.info_kind === 'wireguard') return new WgCliTransport(ifname, ctx.run);
  throw new Error(
    `interface ${ifname} exists but is not WireGuard (${link.linkinfo?.info_kind ?? 'unknown kind'})`,
  );
}

/**
 * Finds or creates the WireGuard interface and returns how to talk to it. An existing interface
 * (e.g. from before an agent restart) is adopted as is: the tunnel must not flap. A new one is
 * a kernel link where the kernel supports it, else a `wireguard-go` daemon (UAPI socket).
 */
export async function ensureWireguardInterface(ctx: LinkContext): Promise<WireguardTransport> {
  const existing = await findWireguardInterface(ctx);
  if (existing) return existing;
  const ifname = checkInterfaceName(ctx.interfaceName);
  const uapi = new UapiClient(ifname, ctx.uapiDir);
  try {
    await ctx.run('ip', ['link', 'add', ifname, 'type', 'wireguard']);
    ctx.logger.info({ interface: ifname }, 'created kernel WireGuard interface');
    return new WgCliTransport(ifname, ctx.run);
  } catch (error) {
    if (!(error instanceof CommandError) || isMissingProgram(error)) throw error;
    ctx.logger.info(
      { interface: ifname, reason: error.stderr.trim() },
      'no kernel WireGuard; starting wireguard-go',
    );
  }
  await ctx.run('wireguard-go', [ifname], { env: daemonEnv() });
  const deadline = Date.now() + (ctx.startTimeoutMs ?? 5_000);
  while (!(await uapiReady(uapi))) {
    if (Date.now() > deadline)
      throw new Error(`wireguard-go ${ifname}: no UAPI socket at ${uapi.socketPath}`);
    await sleep(25);
  }
  ctx.logger.info({ interface: ifname, socket: uapi.socketPath }, 'started wireguard-go');
  return uapi;
}

/**
 * Makes `address` the interface's only global address and brings the link up; returns what it
 * had to change (empty when everything was already right).
 */
export async function syncAddressAndLink(ctx: LinkContext, address: string): Promise<string[]> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const wanted = parseCidr(address, 'interface address');
  const wantedText = formatCidr(wanted);
  const link = await readLink(ctx);
  if (!link) throw new Error(`interface ${ifname} disappeared`);
  const changes: string[] = [];
  const stale: string[] = [];
  let present = false;
  for (const info of link.addr_info ?? []) {
    if (info.scope === 'link' || info.local === undefined || info.prefixlen === undefined) continue;
    const text = formatCidr(parseCidr(`${info.local}/${info.prefixlen}`, 'interface address'));
    if (text === wantedText) present = true;
    else stale.push(text);
  }
  const setAddress = async () => {
    for (const text of stale) await ctx.run('ip', ['addr', 'del', text, 'dev', ifname]);
    if (!present) await ctx.run('ip', ['addr', 'replace', wantedText, 'dev', ifname]);
  };
  changes.push(...stale.map((text) => `address ${text} removed`));
  if (!present) changes.push(`address ${wantedText} set`);
  const up = (link.flags ?? []).includes('UP');
  if (!up) changes.push(`link ${ifname} set up`);
  // The address and the link state are independent: both at once, both settled before returning.
  const results = await Promise.allSettled([
    setAddress(),
    up ? undefined : ctx.run('ip', ['link', 'set', ifname, 'up']),
  ]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return changes;
}

/**
 * The routes the interface needs: allowed IPs outside its own network (those inside are covered
 * by the address's connected route). Default routes are skipped: routing 0.0.0.0/0 into the
 * tunnel would also capture the tunnel's own encrypted packets; that needs policy routing.
 */
export function routesFor(address: string, allowedIps: readonly string[]): string[] {
  const network = parseCidr(address, 'interface address');
  const routes = new Set<string>();
  for (const cidr of allowedIps) {
    const parsed = parseCidr(canonicalCidr(cidr));
    if (parsed.prefixLength === 0) continue;
    const inside = cidrContains(network, parsed);
    if (!inside) routes.add(formatCidr(parsed));
  }
  return [...routes].sort();
}

/**
 * routesFor for allowed IPs already in canonical form (a PeerModel's): each is parsed once and,
 * being canonical, is its own route text. `network` is the parsed interface address.
 */
export function routesForCanonical(network: ParsedCidr, canonicalIps: readonly string[]): string[] {
  const routes: string[] = [];
  for (const cidr of canonicalIps) {
    const parsed = parseCidr(cidr);
    if (parsed.prefixLength === 0 || cidrContains(network, parsed)) continue;
    routes.push(cidr);
  }
  return routes;
}

/** The routes this agent added earlier (marked with ROUTE_PROTOCOL), both families. */
export async function readOwnRoutes(ctx: LinkContext): Promise<Set<string>> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const routes = new Set<string>();
  // Both families at once: two independent reads.
  const listed = await Promise.all(
    (['-4', '-6'] as const).map(async (family) => {
      const { stdout } = await ctx.run('ip', ['-j', family, 'route', 'show', 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
      return { family, stdout };
    }),
  );
  for (const { family, stdout } of listed) {
    for (const route of JSON.parse(stdout || '[]') as { dst?: string }[]) {
      if (!route.dst || route.dst === 'default') continue;
      const dst = route.dst.includes('/') ? route.dst : `${route.dst}/${family === '-4' ? 32 : 128}`;
      routes.add(canonicalCidr(dst, 'route'));
    }
  }
  return routes;
}

/**
 * Adds missing routes and removes stale ones this agent added. `known` is the set the agent
 * believes is installed; without it the host is read first. Returns the installed set.
 */
export async function syncRoutes(
  ctx: LinkContext,
  wanted: readonly string[],
  known?: ReadonlySet<string>,
): Promise<{ routes: Set<string>; changes: string[] }> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const current = known ?? (await readOwnRoutes(ctx));
  const target = new Set(wanted.map((cidr) => canonicalCidr(cidr, 'route')));
  const changes: string[] = [];
  for (const cidr of current) {
    if (target.has(cidr)) continue;
    await ctx.run('ip', ['route', 'del', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
    changes.push(`route ${cidr} removed`);
  }
  for (const cidr of target) {
    if (current.has(cidr)) continue;
    await ctx.run('ip', ['route', 'replace', cidr, 'dev', ifname, 'proto', ROUTE_PROTOCOL]);
    changes.push(`route ${cidr} added`);
  }
  return { routes: target, changes };
}

/**
 * Turns on IPv4 forwarding (needed for DNAT forwards and masquerade). Through `sysctl` so that,
 * with a netns runner, it is the namespace's own setting; falls back to writing /proc directly
 * when sysctl is not installed and no namespace is involved.
 */
export async function enableIpForwarding(ctx: LinkContext, inNetns: boolean): Promise<void> {
  try {
    await ctx.run('sysctl', ['-w', 'net.ipv4.ip_forward=1']);
  } catch (error) {
    if (inNetns || !isMissingProgram(error)) throw error;
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
  }
}
