/**
 * Strict validators shared by the renderers and the Linux dataplane. Every value that reaches
 * an nft script, a UAPI request or a command line passes through one of these first, and each
 * either returns a canonical form or THROWS: nothing outside a small, known alphabet survives,
 * so no input can add a statement, a line or an argument.
 */

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1) from a quote-free alphabet. */
const INTERFACE_NAME = /^[A-Za-z0-9_=+.-]{1,15}$/;
/** Canonical base64 of 32 bytes: 43 characters, the last one carrying 2 zero bits, then `=`. */
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const HEX_KEY = /^[0-9a-f]{64}$/;
/** Four decimal octets without leading zeros (each also checked to be at most 255). */
const IPV4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
/** The same with a prefix length spelt as parseCidr accepts it: canonicalCidr's common case. */
const IPV4_CIDR =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\/(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
/** An IPv4 endpoint in canonical form (no leading zeros in octets or port): checkEndpoint's common case. */
const IPV4_ENDPOINT =
  /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2}):([1-9][0-9]{0,4})$/;

/** Thrown for any value a renderer refuses; the message names the field, never echoes raw bytes. */
export class RenderValidationError extends Error {
  override readonly name = 'RenderValidationError';
}

function fail(what: string, value: unknown): never {
  // JSON.stringify escapes control characters, so a hostile value cannot forge log lines.
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
  throw new RenderValidationError(`invalid ${what}: ${shown}`);
}

export function checkInterfaceName(value: unknown): string {
  if (typeof value !== 'string' || !INTERFACE_NAME.test(value)) fail('interface name', value);
  return value;
}

/** An integer in [min, max]; ports are 1-65535, keepalive 0-65535. */
export function checkInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(what, value);
  return value;
}

export function checkPort(value: unknown, what = 'port'): number {
  return checkInteger(value, what, 1, 65535);
}

export function checkKeepalive(value: unknown): number {
  return checkInteger(value, 'persistent keepalive', 0, 65535);
}

export function checkProtocol(value: unknown): 'tcp' | 'udp' {
  if (value !== 'tcp' && value !== 'udp') fail('protocol', value);
  return value;
}

/** A WireGuard key as the config carries it: canonical base64 of exactly 32 bytes. */
export function checkKey(value: unknown, what = 'key'): string {
  if (typeof value !== 'string' || !BASE64_KEY.test(value)) fail(what, value);
  return value;
}

/** UAPI speaks hex where the config speaks base64. */
export function keyToHex(value: string, what = 'key'): string {
  return checkedKeyToHex(checkKey(value, what));
}

/** keyToHex of a value checkKey has just returned. */
export function checkedKeyToHex(key: string): string {
  return Buffer.from(key, 'base64').toString('hex');
}

export function hexToKey(value: string, what = 'key'): string {
  if (!HEX_KEY.test(value)) fail(what, value);
  return Buffer.from(value, 'hex').toString('base64');
}

/** An IP address as bytes (4 or 16); zone ids, leading zeros and other spellings throw. */
export interface ParsedIp {
  family: 4 | 6;
  bytes: number[];
}

/** The four octets of a match of IPV4, or undefined when one is above 255. */
function ipv4Octets(match: RegExpExecArray): number[] | undefined {
  const bytes = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])];
  return bytes[0]! > 255 || bytes[1]! > 255 || bytes[2]! > 255 || bytes[3]! > 255 ? undefined : bytes;
}

/** An IPv4 CIDR as integers: the address (host bits kept) and the prefix length. */
export interface Ipv4Cidr {
  address: number;
  prefixLength: number;
}

/**
 * `value` as an Ipv4Cidr when it is an IPv4 CIDR spelt as parseCidr accepts it; undefined for
 * anything else (IPv6, out of range, malformed), which the general parser then decides on.
 * One regex and integer arithmetic, no arrays: the fast path of canonicalCidr and of routes.
 */
export function parseIpv4Cidr(value: unknown): Ipv4Cidr | undefined {
  const match = typeof value === 'string' ? IPV4_CIDR.exec(value) : null;
  if (match === null) return undefined;
  const a = Number(match[1]);
  const b = Number(match[2]);
  const c = Number(match[3]);
  const d = Number(match[4]);
  const prefixLength = Number(match[5]);
  if (a > 255 || b > 255 || c > 255 || d > 255 || prefixLength > 32) return undefined;
  return { address: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, prefixLength };
}

/** The netmask of an IPv4 prefix length, as an unsigned 32-bit integer. */
function ipv4Mask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/**
 * An IPv4 CIDR with its prefix length required, host bits cleared (the network it denotes, as
 * canonicalCidr prints it); IPv6, a bare address and every other spelling throw.
 */
export function checkIpv4Cidr(value: unknown, what: string): Ipv4Cidr {
  const cidr = parseIpv4Cidr(value);
  if (cidr === undefined) fail(what, value);
  return { address: (cidr.address & ipv4Mask(cidr.prefixLength)) >>> 0, prefixLength: cidr.prefixLength };
}

/** Dotted-quad text of an unsigned 32-bit IPv4 address. */
export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/** A parsed IPv4 CIDR as an Ipv4Cidr; undefined for IPv6. */
export function toIpv4Cidr(cidr: ParsedCidr): Ipv4Cidr | undefined {
  if (cidr.family !== 4) return undefined;
  const [a, b, c, d] = cidr.bytes as [number, number, number, number];
  return { address: ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, prefixLength: cidr.prefixLength };
}

/** cidrContains for two IPv4 CIDRs. */
export function ipv4CidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefixLength >= outer.prefixLength &&
    ((inner.address ^ outer.address) & ipv4Mask(outer.prefixLength)) === 0
  );
}

function parseIpv4(text: string): number[] | undefined {
  const match = IPV4.exec(text);
  return match ? ipv4Octets(match) : undefined;
}

function parseIpv6Groups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (IPV6_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0]!);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

export function parseIp(value: unknown, what = 'IP address'): ParsedIp {
  if (typeof value !== 'string' || value.length > 45) fail(what, value);
  const v4 = parseIpv4(value);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = value.includes(':') ? parseIpv6(value) : undefined;
  if (v6) return { family: 6, bytes: v6 };
  return fail(what, value);
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (ip.bytes[2 * i]! << 8) | ip.bytes[2 * i + 1]!);
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

export function canonicalIp(value: unknown, what = 'IP address'): string {
  return formatIp(parseIp(value, what));
}

/** `address/prefix` with the host part kept (an interface address such as `100.96.0.5/16`). */
export interface ParsedCidr extends ParsedIp {
  prefixLength: number;
}

export function parseCidr(value: unknown, what = 'CIDR'): ParsedCidr {
  if (typeof value !== 'string') fail(what, value);
  const slash = value.indexOf('/');
  if (slash < 0) fail(what, value);
  const ip = parseIp(value.slice(0, slash), what);
  const prefix = value.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) fail(what, value);
  const prefixLength = checkInteger(Number(prefix), what, 0, ip.family === 4 ? 32 : 128);
  return { ...ip, prefixLength };
}

/** The network a CIDR denotes: host bits cleared, as WireGuard itself stores allowed IPs. */
export function maskCidr(cidr: ParsedCidr): ParsedCidr {
  const bytes = cidr.bytes.map((byte, index) => {
    const bits = Math.min(8, Math.max(0, cidr.prefixLength - index * 8));
    return byte & ((0xff << (8 - bits)) & 0xff);
  });
  return { ...cidr, bytes };
}

export function formatCidr(cidr: ParsedCidr): string {
  return `${formatIp(cidr)}/${cidr.prefixLength}`;
}

/** An allowed IP in the form WireGuard reports it: masked network, canonical text. */
export function canonicalCidr(value: unknown, what = 'allowed IP'): string {
  // IPv4, nearly every allowed IP, in one regex and integer arithmetic: the text the general
  // path below gives (a unit test compares the two). Anything else, or out of range, takes it.
  const v4 = parseIpv4Cidr(value);
  if (v4 !== undefined) {
    const network = (v4.address & ipv4Mask(v4.prefixLength)) >>> 0;
    // No host bits: the text (decimal octets and prefix without leading zeros) is canonical.
    if (network === v4.address) return value as string;
    return `${network >>> 24}.${(network >>> 16) & 255}.${(network >>> 8) & 255}.${network & 255}/${v4.prefixLength}`;
  }
  return formatCidr(maskCidr(parseCidr(value, what)));
}

/** Whether `inner` lies entirely inside `outer` (same family, at least as long a prefix). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefixLength < outer.prefixLength) return false;
  const shortened = maskCidr({ ...inner, prefixLength: outer.prefixLength });
  const network = maskCidr(outer);
  return shortened.bytes.every((byte, index) => byte === network.bytes[index]);
}

/** `ip:port` or `[ipv6]:port`, canonicalised the way WireGuard prints endpoints. */
export function checkEndpoint(value: unknown): string {
  if (typeof value !== 'string') fail('endpoint', value);
  // Nearly every endpoint: canonical IPv4 text, returned as is once its numbers are in range.
  const v4 = IPV4_ENDPOINT.exec(value);
  if (
    v4 !== null &&
    Number(v4[1]) <= 255 &&
    Number(v4[2]) <= 255 &&
    Number(v4[3]) <= 255 &&
    Number(v4[4]) <= 255 &&
    Number(v4[5]) <= 65535
  )
    return value;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(value);
  if (!match) fail('endpoint', value);
  const port = checkPort(Number(match[3]), 'endpoint port');
  // An IPv4 literal that parseIp accepts is already its canonical text.
  if (match[2] !== undefined && parseIpv4(match[2]) !== undefined) return `${match[2]}:${port}`;
  if (match[1] !== undefined) {
    const ip = parseIp(match[1], 'endpoint');
    if (ip.family !== 6) fail('endpoint', value);
    return `[${formatIp(ip)}]:${port}`;
  }
  const ip = parseIp(match[2], 'endpoint');
  return `${formatIp(ip)}:${port}`;
}
