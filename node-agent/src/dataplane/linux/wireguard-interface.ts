import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@wirefleet/shared/logging';
import {
  canonicalCidr,
  checkInterfaceName,
  cidrContains,
  formatCidr,
  ipv4CidrContains,
  type ParsedCidr,
  parseCidr,
  parseIpv4Cidr,
  toIpv4Cidr,
} from '../render/validate.js';
import { CommandError, type CommandRunner, isMissingProgram } from './command-runner.js';
import { readLink } from './link-sync.js';
import { UapiClient, type WgDeviceState, type WireguardTransport } from './uapi-client.js';
import { WgCliTransport } from './wg-cli.js';

export interface LinkContext {
  interfaceName: string;
  run: CommandRunner;
  logger: Logger;
  /** Where UAPI sockets live (default `/var/run/wireguard`); tests point it elsewhere. */
  uapiDir?: string;
  /** How long to wait for a freshly started wireguard-go to open its socket. */
  startTimeoutMs?: number;
}

/** The device as a UAPI `get` reads it, or undefined when no daemon answers on the socket. */
async function uapiProbe(client: UapiClient): Promise<WgDeviceState | undefined> {
  try {
    return await client.get();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No socket, or a stale one a dead daemon left: both mean "no userspace interface".
    if (code === 'ENOENT' || code === 'ECONNREFUSED') return undefined;
    throw error;
  }
}

/**
 * How to talk to the interface, and, for a UAPI socket, the full device state the probe that
 * found it read (a `get`, taken just now): a caller about to read the interface can use it.
 */
export interface FoundInterface {
  transport: WireguardTransport;
  probed?: WgDeviceState;
}

/** wireguard-go keeps its parent's stdio (and so our pipes) open when LOG_LEVEL is set, and
 * stays in the foreground with WG_PROCESS_FOREGROUND: either would hang `execFile`. */
function daemonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LOG_LEVEL;
  delete env.WG_PROCESS_FOREGROUND;
  return env;
}

/** The existing interface (UAPI socket or kernel link), or undefined; creates nothing. */
export async function findWireguardInterface(ctx: LinkContext): Promise<FoundInterface | undefined> {
  const ifname = checkInterfaceName(ctx.interfaceName);
  const uapi = new UapiClient(ifname, ctx.uapiDir);
  const probed = await uapiProbe(uapi);
  if (probed) return { transport: uapi, probed };
  const link = await readLink(ctx);
  if (!link) return undefined;
  if (link.linkinfo?.info_kind === 'wireguard') return { transport: new WgCliTransport(ifname, ctx.run) };
  throw new Error(
    `interface ${ifname} exists but is not WireGuard (${link.linkinfo?.info_kind ?? 'unknown kind'})`,
  );
}

/**
 * Finds or creates the WireGuard interface and returns how to talk to it. An existing interface
 * (e.g. from before an agent restart) is adopted as is: the tunnel must not flap. A new one is
 * a kernel link where the kernel supports it, else a `wireguard-go` daemon (UAPI socket).
 */
export async function ensureWireguardInterface(ctx: LinkContext): Promise<FoundInterface> {
  const existing = await findWireguardInterface(ctx);
  if (existing) return existing;
  const ifname = checkInterfaceName(ctx.interfaceName);
  const uapi = new UapiClient(ifname, ctx.uapiDir);
  try {
    await ctx.run('ip', ['link', 'add', ifname, 'type', 'wireguard']);
    ctx.logger.info({ interface: ifname }, 'created kernel WireGuard interface');
    return { transport: new WgCliTransport(ifname, ctx.run) };
  } catch (error) {
    if (!(error instanceof CommandError) || isMissingProgram(error)) throw error;
    ctx.logger.info(
      { interface: ifname, reason: error.stderr.trim() },
      'no kernel WireGuard; starting wireguard-go',
    );
  }
  await ctx.run('wireguard-go', [ifname], { env: daemonEnv() });
  const deadline = Date.now() + (ctx.startTimeoutMs ?? 5_000);
  let probed = await uapiProbe(uapi);
  while (!probed) {
    if (Date.now() > deadline)
      throw new Error(`wireguard-go ${ifname}: no UAPI socket at ${uapi.socketPath}`);
    await sleep(25);
    probed = await uapiProbe(uapi);
  }
  ctx.logger.info({ interface: ifname, socket: uapi.socketPath }, 'started wireguard-go');
  return { transport: uapi, probed };
}

/**
 * The routes the interface needs: allowed IPs outside its own network (those inside are covered
 * by the address's connected route). IPv4 routes that cover the default (an exit node's /0 or
 * /1 halves) are included: the dataplane gives them to exit routing (exit-routing.ts), which
 * keeps them out of the main table. IPv6 ones are skipped: exit routing is IPv4 only, and in
 * main they would capture the tunnel's own encrypted packets.
 */
export function routesFor(address: string, allowedIps: readonly string[]): string[] {
  const network = parseCidr(address, 'interface address');
  const routes = new Set<string>();
  for (const cidr of allowedIps) {
    const parsed = parseCidr(canonicalCidr(cidr));
    if (parsed.family === 6 && parsed.prefixLength <= 1) continue;
    const inside = cidrContains(network, parsed);
    if (!inside) routes.add(formatCidr(parsed));
  }
  return [...routes].sort();
}

/**
 * routesFor for allowed IPs already in canonical form (a PeerModel's): each is parsed once and,
 * being canonical, is its own route text. `network` is the parsed interface address. IPv4, nearly
 * every allowed IP, is parsed and compared as integers; the rest goes through the general parser.
 */
export function routesForCanonical(network: ParsedCidr, canonicalIps: readonly string[]): string[] {
  const network4 = toIpv4Cidr(network);
  const routes: string[] = [];
  for (const cidr of canonicalIps) {
    const v4 = parseIpv4Cidr(cidr);
    if (v4 !== undefined) {
      if (network4 !== undefined && ipv4CidrContains(network4, v4)) continue;
    } else {
      const parsed = parseCidr(cidr);
      if ((parsed.family === 6 && parsed.prefixLength <= 1) || cidrContains(network, parsed)) continue;
    }
    routes.push(cidr);
  }
  return routes;
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
