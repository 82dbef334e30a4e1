import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredFilter, DesiredForward } from '../dataplane.js';
import { arb, countOf } from './arbitraries.test-suite.js';
import { checkFilter, mergeCidrs, renderFilterLines, summarizeFilter } from './nft-filter.js';
import { renderNftScript } from './nft-script.js';
import { checkIpv4Cidr, RenderValidationError } from './validate.js';

const FORWARD: DesiredForward = { protocol: 'tcp', publicPort: 8080, targetIp: '100.96.0.9', targetPort: 80 };

/** docs/policy.md's example and one entry of each kind: the input chain's, and the devices'. */
const FILTER: DesiredFilter = {
  inbound: [
    { from: ['100.96.0.6/32'], proto: 'tcp', ports: [[80, 80]] },
    // Host bits cleared, nested sources dropped, overlapping port ranges joined.
    {
      from: ['100.96.0.6/32', '100.96.0.0/24', '10.1.2.3/8'],
      proto: 'tcp',
      ports: [
        [8000, 8100],
        [443, 443],
        [8050, 8200],
      ],
    },
    { from: ['100.96.0.7/32'], proto: 'icmp' },
    { from: ['100.96.0.8/32'], proto: 'any' },
    { from: ['100.96.0.8/32'], proto: 'udp' },
    { from: ['100.96.0.6/32'], to: ['100.96.0.10/32', '100.96.0.9/32'], proto: 'udp', ports: [[53, 53]] },
    { from: ['0.0.0.0/0'], to: ['100.96.0.9/32'], proto: 'icmp' },
  ],
};

const FILTER_GOLDEN = `\tset device_addresses {
\t\ttype ipv4_addr; flags interval;
\t\telements = { 100.96.0.9, 100.96.0.10 }
\t}
\tchain tunnel_in {
\t\tiifname "wf0" ct state established,related accept
\t\tiifname "wf0" ct state invalid drop
\t\tiifname "wf0" ip saddr { 100.96.0.6 } tcp dport 80 accept
\t\tiifname "wf0" ip saddr { 10.0.0.0/8, 100.96.0.0/24 } tcp dport { 443, 8000-8200 } accept
\t\tiifname "wf0" ip saddr { 100.96.0.7 } meta l4proto icmp accept
\t\tiifname "wf0" ip saddr { 100.96.0.8 } accept
\t\tiifname "wf0" ip saddr { 100.96.0.8 } meta l4proto udp accept
\t\tiifname "wf0" drop
\t}
\tchain to_devices {
\t\toifname "wf0" ip daddr @device_addresses ct state established,related accept
\t\toifname "wf0" ip daddr @device_addresses ct status dnat accept
\t\toifname "wf0" ip saddr { 100.96.0.6 } ip daddr { 100.96.0.9, 100.96.0.10 } udp dport 53 accept
\t\toifname "wf0" ip saddr { 0.0.0.0/0 } ip daddr { 100.96.0.9 } meta l4proto icmp accept
\t\toifname "wf0" ip daddr @device_addresses drop
\t}
\tchain tunnel_in_hook {
\t\ttype filter hook input priority filter; policy accept;
\t\tiifname "wf0" jump tunnel_in
\t}
\tchain to_devices_forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\toifname "wf0" ip daddr @device_addresses jump to_devices
\t}
\tchain to_devices_output {
\t\ttype filter hook output priority filter; policy accept;
\t\toifname "wf0" ip daddr @device_addresses jump to_devices
\t}
`;

const render = (filter: unknown, forwards: DesiredForward[] = [FORWARD]) =>
  renderNftScript('wf0', { masquerade: true, listenPort: 51820, forwards, filter: filter as DesiredFilter });

/** One accept rule of the filter, exactly: nothing but addresses, ports and the template's words. */
const CIDR = String.raw`\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?`;
const SET = String.raw`\{ ${CIDR}(, ${CIDR})* \}`;
const PORT = String.raw`\d{1,5}(-\d{1,5})?`;
const RULE = new RegExp(
  String.raw`^\t\t(iifname|oifname) "[A-Za-z0-9_=+.-]{1,15}" ip saddr ${SET}( ip daddr ${SET})?` +
    String.raw`( meta l4proto (tcp|udp|icmp)| (tcp|udp) dport (${PORT}|\{ ${PORT}(, ${PORT})* \}))? accept$`,
);

describe('the access-policy filter in the nft table', () => {
  it('renders the golden chains after the forward chain, and the table without a filter is as before', () => {
    const script = render(FILTER);
    const withoutFilter = render(undefined);
    expect(script).toBe(withoutFilter.replace(/\n}\n$/, `\n${FILTER_GOLDEN}}\n`));
    expect(withoutFilter).not.toMatch(/tunnel_in|to_devices|device_addresses/);
  });

  it('with no entries, drops everything new from the tunnel and keeps the devices set empty', () => {
    const lines = renderFilterLines('wf0', checkFilter({ inbound: [] }));
    expect(lines).toHaveLength(25);
    expect(lines).toContain('\t\tiifname "wf0" drop');
    expect(lines.join('\n')).not.toContain('elements');
  });

  it.each([
    ['an IPv6 source', { from: ['fd00::1/128'], proto: 'any' }, 'filter.inbound[0].from[0]'],
    ['a bare address', { from: ['100.96.0.6'], proto: 'any' }, 'filter.inbound[0].from[0]'],
    ['a prefix of 33', { from: ['100.96.0.6/33'], proto: 'any' }, 'from[0]'],
    ['a leading zero', { from: ['100.96.0.06/32'], proto: 'any' }, 'from[0]'],
    ['no source', { from: [], proto: 'any' }, 'filter.inbound[0].from'],
    [
      'a destination with a statement',
      { from: ['10.0.0.0/8'], to: ['10.0.0.1/32; flush ruleset'], proto: 'any' },
      'to[0]',
    ],
    ['an empty destination list', { from: ['10.0.0.0/8'], to: [], proto: 'any' }, '.to'],
    ['an unknown protocol', { from: ['10.0.0.0/8'], proto: 'sctp' }, '.proto'],
    ['ports with icmp', { from: ['10.0.0.0/8'], proto: 'icmp', ports: [[1, 2]] }, '.ports'],
    ['ports out of order', { from: ['10.0.0.0/8'], proto: 'tcp', ports: [[90, 80]] }, 'ports[0]'],
    ['port 0', { from: ['10.0.0.0/8'], proto: 'tcp', ports: [[0, 80]] }, 'ports[0]'],
    ['port 65536', { from: ['10.0.0.0/8'], proto: 'udp', ports: [[1, 65536]] }, 'ports[0]'],
    ['a fractional port', { from: ['10.0.0.0/8'], proto: 'udp', ports: [[1.5, 2]] }, 'ports[0]'],
    ['a port as text', { from: ['10.0.0.0/8'], proto: 'udp', ports: [['80', 80]] }, 'ports[0]'],
    ['a range of three', { from: ['10.0.0.0/8'], proto: 'udp', ports: [[1, 2, 3]] }, 'ports[0]'],
    ['an empty port list', { from: ['10.0.0.0/8'], proto: 'udp', ports: [] }, '.ports'],
    ['an entry that is not an object', 'tcp:80', 'filter.inbound[0]'],
  ])('refuses %s, naming the field', (_label, entry, field) => {
    expect(() => render({ inbound: [entry] })).toThrow(RenderValidationError);
    expect(() => render({ inbound: [entry] })).toThrow(field);
  });

  it('refuses a filter that is not {inbound: [...]}', () => {
    for (const filter of [null, [], 'x', {}, { inbound: 'x' }])
      expect(() => render(filter)).toThrow(/filter/);
  });

  it('merges addresses into disjoint ranges that cover exactly the same addresses', () => {
    const cidr = fc
      .tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }))
      .map(([ip, length]) => checkIpv4Cidr(`${ip}/${length}`, 'test'));
    const within = (address: number, c: { address: number; prefixLength: number }) =>
      address >= c.address && address <= c.address + 2 ** (32 - c.prefixLength) - 1;
    fc.assert(
      fc.property(
        fc.array(cidr, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (cidrs, probes) => {
          const merged = mergeCidrs(cidrs);
          for (let i = 1; i < merged.length; i += 1)
            expect(within(merged[i]!.address, merged[i - 1]!)).toBe(false);
          // Probes at each range's edges and random ones.
          const edges = cidrs.flatMap((c) => [
            c.address,
            c.address + 2 ** (32 - c.prefixLength) - 1,
            c.address - 1,
          ]);
          for (const address of [...edges, ...probes.map((p) => p * 4099)].filter(
            (a) => a >= 0 && a < 2 ** 32,
          )) {
            expect(merged.some((c) => within(address, c))).toBe(cidrs.some((c) => within(address, c)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('renders every valid filter: one rule per entry, only the template around the numbers', () => {
    fc.assert(
      fc.property(arb.validFilter, (filter) => {
        const checked = checkFilter(filter);
        const lines = renderFilterLines('wf0', checked);
        const rules = lines.filter((line) => line.endsWith(' accept') && line.includes('saddr'));
        expect(rules).toHaveLength(filter.inbound.length);
        for (const rule of rules) expect(rule).toMatch(RULE);
        expect(lines).toHaveLength(25 + (checked.devices.length > 0 ? 1 : 0) + filter.inbound.length);
        expect(summarizeFilter(checked).entries).toBe(filter.inbound.length);
      }),
      { numRuns: 500 },
    );
  });

  it('either throws or renders exactly the template, whatever the filter holds', () => {
    fc.assert(
      fc.property(arb.interfaceName, arb.hostileFilter, (ifname, filter) => {
        let script: string;
        try {
          script = renderNftScript(ifname as string, {
            masquerade: false,
            forwards: [],
            listenPort: 51820,
            filter: filter as DesiredFilter,
          });
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          return;
        }
        const lines = script.split('\n');
        const rules = lines.filter((line) => line.includes(' saddr '));
        expect(rules).toHaveLength(filter.inbound.length);
        for (const rule of rules) expect(rule).toMatch(RULE);
        // The template's own separators only: the 3 nat and forward chain headers' 6 `;` and the filter's 8 (its set and 3 hooks).
        expect(countOf(script, ';')).toBe(14);
        expect(countOf(script, '{')).toBe(countOf(script, '}'));
        expect(countOf(script, '\r') + countOf(script, '\u0000')).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
