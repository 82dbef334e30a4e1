import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredForward } from '../dataplane.js';
import { arb, countOf } from './arbitraries.test-suite.js';
import { renderNftScript } from './nft-script.js';

const GOLDEN = `table inet wirefleet
delete table inet wirefleet
table inet wirefleet {
\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tiifname != "wf0" meta l4proto tcp th dport 8080 dnat ip to 100.96.0.5:80
\t\tiifname != "wf0" meta l4proto udp th dport 5353 dnat ip6 to [fd00::5]:53
\t}
\tchain postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\toifname "wf0" masquerade
\t\tiifname "wf0" oifname != "wf0" masquerade
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tiifname "wf0" accept
\t\toifname "wf0" accept
\t}
}
`;

describe('renderNftScript', () => {
  it('renders the golden table for a representative config', () => {
    const script = renderNftScript('wf0', {
      masquerade: true,
      listenPort: 51820,
      forwards: [
        { protocol: 'tcp', publicPort: 8080, targetIp: '100.96.0.5', targetPort: 80 },
        { protocol: 'udp', publicPort: 5353, targetIp: 'FD00:0:0::5', targetPort: 53 },
      ],
    });
    expect(script).toBe(GOLDEN);
  });

  it('adds the chains that mark replies to WireGuard only with a reply mark, and refuses a bad one', () => {
    const state = { masquerade: true, forwards: [], listenPort: 51820 };
    const script = renderNftScript('wf0', state, { replyMark: 0x5746 });
    expect(script.split('\n')).toHaveLength(15 + 2 + 8 + 1);
    expect(script).toContain('\t\tmeta l4proto udp ct mark 22342 meta mark set ct mark\n');
    expect(script).toContain('\t\tmeta l4proto udp meta mark 22342 ct mark set meta mark\n');
    expect(renderNftScript('wf0', state, { replyMark: undefined })).toBe(renderNftScript('wf0', state));
    for (const replyMark of [0, -1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => renderNftScript('wf0', state, { replyMark })).toThrow(/fwmark/);
    }
  });

  it('renders empty nat chains without masquerade or forwards', () => {
    const script = renderNftScript('wf0', { masquerade: false, forwards: [], listenPort: 51820 });
    expect(script.split('\n')).toHaveLength(15 + 1);
    expect(script).not.toContain('masquerade');
    expect(script).not.toContain('dnat');
  });

  it.each([
    [
      'interface name with a quote',
      'wf0"',
      { protocol: 'tcp', publicPort: 1, targetIp: '10.0.0.1', targetPort: 1 },
    ],
    [
      'interface name too long',
      'abcdefghijklmnop',
      { protocol: 'tcp', publicPort: 1, targetIp: '10.0.0.1', targetPort: 1 },
    ],
    ['port 0', 'wf0', { protocol: 'tcp', publicPort: 0, targetIp: '10.0.0.1', targetPort: 1 }],
    ['port 65536', 'wf0', { protocol: 'tcp', publicPort: 1, targetIp: '10.0.0.1', targetPort: 65536 }],
    ['protocol sctp', 'wf0', { protocol: 'sctp', publicPort: 1, targetIp: '10.0.0.1', targetPort: 1 }],
    [
      'target with a statement',
      'wf0',
      { protocol: 'tcp', publicPort: 1, targetIp: '10.0.0.1; flush ruleset', targetPort: 1 },
    ],
    [
      'target with a newline',
      'wf0',
      { protocol: 'tcp', publicPort: 1, targetIp: '10.0.0.1\n}', targetPort: 1 },
    ],
  ])('throws on %s', (_label, ifname, forward) => {
    expect(() =>
      renderNftScript(ifname, { masquerade: true, forwards: [forward as DesiredForward], listenPort: 51820 }),
    ).toThrow();
  });

  it('throws when two forwards share a public port', () => {
    const forward: DesiredForward = { protocol: 'tcp', publicPort: 80, targetIp: '10.0.0.1', targetPort: 80 };
    expect(() =>
      renderNftScript('wf0', { masquerade: false, forwards: [forward, { ...forward, targetPort: 81 }], listenPort: 51820 }),
    ).toThrow(/two forwards/);
  });

  // Found by the security review: a forward could take the WireGuard port, and DNAT matched
  // traffic arriving through the tunnel as well.
  it('throws on a udp forward on the WireGuard listen port; tcp on that number is fine', () => {
    const forward: DesiredForward = { protocol: 'udp', publicPort: 51820, targetIp: '100.96.0.5', targetPort: 51820 };
    expect(() => renderNftScript('wf0', { masquerade: false, forwards: [forward], listenPort: 51820 })).toThrow(/listen port/);
    expect(renderNftScript('wf0', { masquerade: false, forwards: [{ ...forward, protocol: 'tcp' }], listenPort: 51820 })).toContain(
      'iifname != "wf0" meta l4proto tcp th dport 51820',
    );
    expect(() => renderNftScript('wf0', { masquerade: false, forwards: [], listenPort: 0 })).toThrow(/listen port/);
  });

  it('either throws or renders exactly the template, whatever the fields hold', () => {
    const forward = fc.record({
      protocol: arb.protocol,
      publicPort: arb.forwardPort,
      targetIp: arb.ip,
      targetPort: arb.port,
    });
    fc.assert(
      fc.property(
        arb.interfaceName,
        fc.array(forward, { maxLength: 6 }),
        fc.boolean(),
        arb.listenPort,
        (ifname, forwards, masquerade, listenPort) => {
          let script: string;
          try {
            script = renderNftScript(ifname as string, {
              forwards: forwards as unknown as DesiredForward[],
              masquerade,
              listenPort: listenPort as number,
            });
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            return;
          }
          const m = masquerade ? 1 : 0;
          const lines = script.split('\n');
          expect(lines.pop()).toBe('');
          expect(lines).toHaveLength(15 + forwards.length + 2 * m);
          // Only the template's own separators: 3 chain headers × 2 `;`, 4 `{`/`}` pairs, and the
          // quotes around the interface name (2 rules in forward, 3 names when masquerading, one
          // per DNAT rule).
          expect(countOf(script, ';')).toBe(6);
          expect(countOf(script, '{')).toBe(4);
          expect(countOf(script, '}')).toBe(4);
          expect(countOf(script, '"')).toBe(4 + 6 * m + 2 * forwards.length);
          expect(countOf(script, '\r')).toBe(0);
          const dnat = lines.filter((line) => line.includes('dnat'));
          expect(dnat).toHaveLength(forwards.length);
          for (const line of dnat) {
            expect(line).toMatch(
              /^\t\tiifname != "[A-Za-z0-9_=+.-]{1,15}" meta l4proto (tcp|udp) th dport \d{1,5} dnat (ip to [\d.]+|ip6 to \[[\da-f:]+\]):\d{1,5}$/,
            );
            // Never the tunnel's own port: the WireGuard handshakes would be DNAT'ed away.
            expect(line).not.toContain(`udp th dport ${listenPort} `);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
