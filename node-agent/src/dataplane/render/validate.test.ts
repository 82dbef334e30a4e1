import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  canonicalIp,
  checkEndpoint,
  checkInterfaceName,
  checkKey,
  cidrContains,
  formatCidr,
  hexToKey,
  ipv4CidrContains,
  keyToHex,
  maskCidr,
  parseCidr,
  parseIpv4Cidr,
  toIpv4Cidr,
} from './validate.js';

/** The result of `f`, or 'throws'. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch {
    return 'throws';
  }
}

/** Dotted quads with octets and prefixes on both sides of their limits, leading zeros included. */
const quad = fc
  .tuple(
    fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom('00', '01', '010', '1e1', '')), {
      minLength: 3,
      maxLength: 5,
    }),
    fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom('08', '', '-1', '1.5')),
  )
  .map(([octets, prefix]) => ({ ip: octets.join('.'), prefix: String(prefix) }));

describe('validators', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
  ])('canonicalises %s as %s', (input, output) => {
    expect(canonicalIp(input)).toBe(output);
  });

  it.each([
    '01.2.3.4',
    '1.2.3',
    '256.0.0.1',
    '1.2.3.256',
    '1.2.256.4',
    '1.2.3.4 ',
    '::1%eth0',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'fe80::g',
    '',
  ])('rejects the address %j', (input) => {
    expect(() => canonicalIp(input)).toThrow();
  });

  it('agrees with node:net on what is an address, and round-trips canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const text = canonicalIp(ip);
        expect(isIPv4(text) || isIPv6(text)).toBe(true);
        expect(canonicalIp(text)).toBe(text);
      }),
    );
  });

  it('canonicalises IPv4 CIDRs and endpoints on their fast paths exactly as the general parser does', () => {
    fc.assert(
      fc.property(fc.oneof(quad, fc.ipV4().map((ip) => ({ ip, prefix: '24' }))), fc.string(), ({ ip, prefix }, junk) => {
        for (const value of [`${ip}/${prefix}`, `${ip}/${prefix}${junk}`]) {
          expect(outcome(() => canonicalCidr(value))).toBe(outcome(() => formatCidr(maskCidr(parseCidr(value)))));
        }
        const endpoint = outcome(() => checkEndpoint(`${ip}:51820`));
        expect(endpoint).toBe(outcome(() => `${canonicalIp(ip)}:51820`));
      }),
      { numRuns: 2000 },
    );
  });

  it('masks host bits like WireGuard does', () => {
    expect(canonicalCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(canonicalCidr('fd00:1:ffff::9/33')).toBe('fd00:1:8000::/33');
    expect(canonicalCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(() => canonicalCidr('10.0.0.0/33')).toThrow();
    expect(() => canonicalCidr('10.0.0.0/08')).toThrow();
  });

  it('parses IPv4 CIDRs on the fast path as the general parser does, and contains as cidrContains does', () => {
    const v4cidr = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`);
    fc.assert(
      fc.property(fc.oneof(quad.map(({ ip, prefix }) => `${ip}/${prefix}`), v4cidr), v4cidr, (value, other) => {
        const fast = parseIpv4Cidr(value);
        const general = outcome(() => JSON.stringify(toIpv4Cidr(parseCidr(value))));
        // The fast path declines (undefined) exactly what the general parser refuses.
        expect(fast === undefined ? 'throws' : JSON.stringify(fast)).toBe(general);
        if (fast === undefined) return;
        const inner = parseIpv4Cidr(other)!;
        expect(ipv4CidrContains(fast, inner)).toBe(cidrContains(parseCidr(value), parseCidr(other)));
        expect(ipv4CidrContains(inner, fast)).toBe(cidrContains(parseCidr(other), parseCidr(value)));
      }),
      { numRuns: 2000 },
    );
    expect(parseIpv4Cidr('fd00::/8')).toBeUndefined();
    expect(toIpv4Cidr(parseCidr('fd00::/8'))).toBeUndefined();
  });

  it('knows which networks contain which', () => {
    const net = parseCidr('100.96.0.5/16');
    expect(cidrContains(net, parseCidr('100.96.7.0/24'))).toBe(true);
    expect(cidrContains(net, parseCidr('100.97.0.1/32'))).toBe(false);
    expect(cidrContains(net, parseCidr('100.0.0.0/8'))).toBe(false);
    expect(cidrContains(net, parseCidr('fd00::/64'))).toBe(false);
  });

  it('validates endpoints, keys and interface names', () => {
    expect(checkEndpoint('[FD00::1]:51820')).toBe('[fd00::1]:51820');
    expect(() => checkEndpoint('fd00::1:51820')).toThrow();
    expect(() => checkEndpoint('10.0.0.1:0')).toThrow();
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(hexToKey(keyToHex(key))).toBe(key);
    expect(() => checkKey(Buffer.alloc(31).toString('base64'))).toThrow();
    expect(checkInterfaceName('wg-fleet.0')).toBe('wg-fleet.0');
    expect(() => checkInterfaceName('wg 0')).toThrow();
    expect(() => checkInterfaceName('a'.repeat(16))).toThrow();
  });
});
