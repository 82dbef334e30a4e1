import type { DesiredFilter } from '../dataplane.js';
import { checkIpv4Cidr, checkPort, formatIpv4, type Ipv4Cidr, RenderValidationError } from './validate.js';

/**
 * The access-policy filter (docs/policy.md, "How the agent enforces it") as nft statements for
 * the agent's one table. checkFilter validates a filter into numbers; renderFilterLines prints
 * those numbers back, so no text of the config ever reaches the script as it came.
 */

/** The named set of this node's devices' addresses. (`devices` itself is a keyword of nft's grammar.) */
export const DEVICES_SET = 'device_addresses';

// nodeConfigSchema's limits (shared/src/protocol/node-config.ts).
const MAX_ENTRIES = 100_000;
const MAX_FROM = 100_000;
const MAX_TO = 10_000;
const MAX_PORT_RANGES = 64;
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'any'] as const;

type FilterProtocol = (typeof PROTOCOLS)[number];

/** One entry validated: addresses and ports sorted and merged into disjoint ranges. */
export interface CheckedFilterEntry {
  from: Ipv4Cidr[];
  /** Undefined: the entry is about traffic to the node itself. */
  to: Ipv4Cidr[] | undefined;
  proto: FilterProtocol;
  /** Inclusive ranges; undefined: every port (and always for icmp and any). */
  ports: [number, number][] | undefined;
}

export interface CheckedFilter {
  entries: CheckedFilterEntry[];
  /** The union of every entry's `to`: the addresses the `to_devices` chain guards. */
  devices: Ipv4Cidr[];
}

function refuse(what: string, why: string): never {
  throw new RenderValidationError(`invalid ${what}: ${why}`);
}

function checkList(value: unknown, what: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    refuse(what, `must be a list of ${min} to ${max} items`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * CIDRs sorted, with those inside another dropped. Two CIDRs either nest or are disjoint, so
 * what is left is disjoint: nft refuses overlapping elements in a named interval set.
 */
export function mergeCidrs(cidrs: readonly Ipv4Cidr[]): Ipv4Cidr[] {
  const sorted = [...cidrs].sort((a, b) => a.address - b.address || a.prefixLength - b.prefixLength);
  const merged: Ipv4Cidr[] = [];
  let coveredUpTo = -1;
  for (const cidr of sorted) {
    if (cidr.address <= coveredUpTo) continue;
    merged.push(cidr);
    coveredUpTo = cidr.address + 2 ** (32 - cidr.prefixLength) - 1;
  }
  return merged;
}

function checkCidrs(value: unknown, what: string, max: number): Ipv4Cidr[] {
  const list = checkList(value, what, 1, max);
  return mergeCidrs(list.map((cidr, index) => checkIpv4Cidr(cidr, `${what}[${index}]`)));
}

/** Port ranges checked (integers, 1-65535, low ≤ high), sorted, overlapping and adjacent ones joined. */
function checkPorts(value: unknown, what: string): [number, number][] {
  const ranges = checkList(value, what, 1, MAX_PORT_RANGES).map((range, index): [number, number] => {
    const where = `${what}[${index}]`;
    if (!Array.isArray(range) || range.length !== 2) refuse(where, 'must be [low, high]');
    const low = checkPort(range[0], where);
    const high = checkPort(range[1], where);
    if (low > high) refuse(where, `${low} is above ${high}`);
    return [low, high];
  });
  ranges.sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const [low, high] of ranges) {
    const last = joined[joined.length - 1];
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else joined.push([low, high]);
  }
  return joined;
}

function checkEntry(value: unknown, what: string): CheckedFilterEntry {
  if (!isRecord(value)) refuse(what, 'must be an object');
  const { from, to, proto, ports } = value;
  if (!PROTOCOLS.includes(proto as FilterProtocol))
    refuse(`${what}.proto`, `must be one of ${PROTOCOLS.join(', ')}`);
  const protocol = proto as FilterProtocol;
  if (ports !== undefined && protocol !== 'tcp' && protocol !== 'udp')
    refuse(`${what}.ports`, `not with ${protocol}`);
  return {
    from: checkCidrs(from, `${what}.from`, MAX_FROM),
    to: to === undefined ? undefined : checkCidrs(to, `${what}.to`, MAX_TO),
    proto: protocol,
    ports: ports === undefined ? undefined : checkPorts(ports, `${what}.ports`),
  };
}

/** Validates a filter as the config carries it; throws RenderValidationError naming the field. */
export function checkFilter(filter: DesiredFilter | unknown): CheckedFilter {
  if (!isRecord(filter)) refuse('filter', 'must be an object');
  const inbound = checkList(filter.inbound, 'filter.inbound', 0, MAX_ENTRIES);
  const entries = inbound.map((entry, index) => checkEntry(entry, `filter.inbound[${index}]`));
  const devices = mergeCidrs(entries.flatMap((entry) => entry.to ?? []));
  return { entries, devices };
}

function formatCidr4(cidr: Ipv4Cidr): string {
  const address = formatIpv4(cidr.address);
  return cidr.prefixLength === 32 ? address : `${address}/${cidr.prefixLength}`;
}

/** An anonymous set, always in braces (one element too), as docs/policy.md shows it. */
function addressSet(cidrs: readonly Ipv4Cidr[]): string {
  return `{ ${cidrs.map(formatCidr4).join(', ')} }`;
}

function portText([low, high]: [number, number]): string {
  return low === high ? String(low) : `${low}-${high}`;
}

/** The protocol part of a rule, with its leading space; empty for `any`. */
function protocolMatch(entry: CheckedFilterEntry): string {
  if (entry.proto === 'any') return '';
  if (entry.ports === undefined) return ` meta l4proto ${entry.proto}`;
  const ports =
    entry.ports.length === 1 ? portText(entry.ports[0]!) : `{ ${entry.ports.map(portText).join(', ')} }`;
  return ` ${entry.proto} dport ${ports}`;
}

/** What an entry matches beyond the interface: `ip saddr { … } [ip daddr { … }] tcp dport 80`. */
export function entryMatch(entry: CheckedFilterEntry): string {
  const to = entry.to === undefined ? '' : ` ip daddr ${addressSet(entry.to)}`;
  return `ip saddr ${addressSet(entry.from)}${to}${protocolMatch(entry)}`;
}

/**
 * The set and chains the filter adds to the table, one tab in (inside `table inet wirefleet {`):
 * 25 lines, one more when there are devices, and one per entry. `tunnel_in` guards the node's
 * own addresses; `to_devices` guards its devices' addresses. Both accept established and related
 * traffic first, so the replies to what a rule allowed, or to what the node or a device opened,
 * flow back; `to_devices` also accepts `ct status dnat`: a port forward's connections, which the
 * control plane allowed when it accepted the forward.
 *
 * Both are regular chains, entered from base chains (input; forward and output: a base chain
 * has one hook) by one rule that picks their traffic: without it every packet the node handles
 * — WireGuard's own encrypted datagrams on the underlay first of all — would walk every rule
 * (measured: a 1,000-entry filter then cost the tunnel more than half its throughput).
 */
export function renderFilterLines(ifname: string, filter: CheckedFilter): string[] {
  const iif = `iifname "${ifname}"`;
  const toDevices = `oifname "${ifname}" ip daddr @${DEVICES_SET}`;
  const rules = (to: 'node' | 'devices', prefix: string) =>
    filter.entries
      .filter((entry) => (entry.to === undefined) === (to === 'node'))
      .map((entry) => `\t\t${prefix} ${entryMatch(entry)} accept`);
  const elements = filter.devices.length > 0 ? [`\t\telements = ${addressSet(filter.devices)}`] : [];
  const hook = (name: string, hookName: 'input' | 'forward' | 'output', rule: string) => [
    `\tchain ${name} {`,
    `\t\ttype filter hook ${hookName} priority filter; policy accept;`,
    `\t\t${rule}`,
    '\t}',
  ];
  return [
    `\tset ${DEVICES_SET} {`,
    '\t\ttype ipv4_addr; flags interval;',
    ...elements,
    '\t}',
    '\tchain tunnel_in {',
    `\t\t${iif} ct state established,related accept`,
    `\t\t${iif} ct state invalid drop`,
    ...rules('node', iif),
    `\t\t${iif} drop`,
    '\t}',
    '\tchain to_devices {',
    `\t\t${toDevices} ct state established,related accept`,
    `\t\t${toDevices} ct status dnat accept`,
    ...rules('devices', `oifname "${ifname}"`),
    `\t\t${toDevices} drop`,
    '\t}',
    ...hook('tunnel_in_hook', 'input', `${iif} jump tunnel_in`),
    ...hook('to_devices_forward', 'forward', `${toDevices} jump to_devices`),
    ...hook('to_devices_output', 'output', `${toDevices} jump to_devices`),
  ];
}

/** For the logs (dry-run): how many entries and devices, and the first `limit` rules as nft matches them. */
export function summarizeFilter(
  filter: CheckedFilter,
  limit = 20,
): { entries: number; devices: number; rules: string[] } {
  const rules = filter.entries.slice(0, limit).map((entry) => `${entryMatch(entry)} accept`);
  if (filter.entries.length > limit) rules.push(`… and ${filter.entries.length - limit} more`);
  return { entries: filter.entries.length, devices: filter.devices.length, rules };
}
