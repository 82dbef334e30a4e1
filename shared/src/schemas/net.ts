import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

/**
 * Network-shaped fields. Every value that can end up in a WireGuard or nftables config is
 * validated to its exact shape here, at the edge: names and keys can never carry a newline,
 * a quote, a semicolon or a space into anything the agent renders.
 */

const ALL_ZERO_KEY = `${'A'.repeat(43)}=`;

/**
 * A WireGuard public key: 32 bytes, standard base64 (44 characters ending in `=`). The pattern
 * alone pins the length: 43 characters whose last carries no spare bits, then one `=`, are
 * exactly 32 bytes (no Buffer, so the dashboard validates with the same schema).
 */
export const wgPublicKey = z
  .string()
  .refine(
    (value) => /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value),
    'a WireGuard key is 32 bytes in base64 (44 characters)',
  )
  // The all-zero key is no one's key (X25519 maps it to nothing usable); as a peer it would
  // only collide with every other client that sends it.
  .refine((value) => value !== ALL_ZERO_KEY, 'the all-zero key is not a WireGuard public key');

export const port = z.number().int('a port is a whole number').min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535');

const DNS_NAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const hostname = z.string().regex(DNS_NAME, 'a host name of letters, digits, dots and hyphens');

/** `host:port` with a DNS name or IPv4 host, or `[v6]:port`. */
export const endpoint = z.string().max(300).refine((value) => parseEndpoint(value) !== undefined, {
  message: 'an endpoint is host:port (or [IPv6]:port) with a port 1-65535',
});

export function parseEndpoint(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const host = match[1] ?? match[2]!;
  const portNumber = Number(match[3]);
  if (portNumber < 1 || portNumber > 65535) return undefined;
  if (match[1] !== undefined ? !isIPv6(host) : !(isIPv4(host) || (DNS_NAME.test(host) && !/^[\d.]+$/.test(host)))) {
    return undefined;
  }
  return { host, port: portNumber };
}

export const ipAddress = z.string().refine((value) => isIPv4(value) || isIPv6(value), 'an IPv4 or IPv6 address');

/** A CIDR in canonical form (no host bits set), e.g. `10.1.0.0/16`. */
export const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  message: 'a CIDR such as 10.1.0.0/16, with no host bits set',
});

export interface ParsedCidr {
  version: 4 | 6;
  address: string;
  prefix: number;
}

export function parseCidr(value: string): ParsedCidr | undefined {
  const match = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(value);
  if (!match) return undefined;
  const [, address, prefixText] = match as unknown as [string, string, string];
  const prefix = Number(prefixText);
  if (isIPv4(address)) {
    if (prefix > 32) return undefined;
    const bits = ipv4ToInt(address);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return (bits & ~mask) >>> 0 === 0 ? { version: 4, address, prefix } : undefined;
  }
  if (isIPv6(address)) return prefix <= 128 ? { version: 6, address, prefix } : undefined;
  return undefined;
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** True when IPv4 `address` lies inside IPv4 `network` (a parsed CIDR). */
export function ipv4InCidr(address: string, network: ParsedCidr): boolean {
  if (network.version !== 4 || !isIPv4(address)) return false;
  const mask = network.prefix === 0 ? 0 : (0xffffffff << (32 - network.prefix)) >>> 0;
  return ((ipv4ToInt(address) & mask) >>> 0) === ipv4ToInt(network.address);
}

/** Node and device names: safe in any config comment, log line or shell word. */
export const resourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a name of up to 63 letters, digits, . _ - (starting with a letter or digit)');

export const region = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a region of up to 32 lower-case letters, digits and -');

export const tag = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,31}$/, 'a tag of up to 32 lower-case letters, digits and : _ -');
