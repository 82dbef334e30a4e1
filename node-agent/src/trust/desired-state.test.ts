import type { NodeConfigPayload } from '@wirefleet/shared/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigChecker } from './config-check.js';
import { DesiredStateConverter, toDesiredState } from './desired-state.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const ENDPOINTS = [
  '198.51.100.1:51820',
  '[2001:db8::1]:51820',
  'vpn.example.com:51820',
  '300.1.1.1:1',
  undefined,
];

function config(revision: number, peers: NodeConfigPayload['peers']): NodeConfigPayload {
  return {
    node_id: 1,
    revision,
    issued_at: '2026-11-23T00:00:00.000Z',
    interface: { address: '100.96.0.1/16', listen_port: 51820 },
    peers,
    port_forwards: [{ protocol: 'udp', public_port: 5000, target_ip: '100.96.0.2', target_port: 53 }],
    masquerade: true,
  };
}

/** A resolver whose answer changes on every call, so a stale answer would show. */
function countingResolver() {
  let calls = 0;
  return {
    resolve: async (host: string) => {
      calls += 1;
      if (host !== 'vpn.example.com') throw new Error('NXDOMAIN');
      return `203.0.113.${calls}`;
    },
    calls: () => calls,
  };
}

describe('DesiredStateConverter', () => {
  it('converts every config exactly as toDesiredState does, whatever it remembers', async () => {
    const peer = fc.record(
      {
        n: fc.integer({ min: 1, max: 8 }),
        endpoint: fc.constantFrom(...ENDPOINTS),
        keepalive: fc.constantFrom(undefined, 0, 25),
      },
      { requiredKeys: ['n'] },
    );
    const peers = fc.uniqueArray(peer, { selector: (p) => p.n, maxLength: 6 }).map((list) =>
      list.map((p) => ({
        public_key: key(p.n),
        allowed_ips: [`100.96.0.${p.n}/32`],
        ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}),
        ...(p.keepalive !== undefined ? { persistent_keepalive: p.keepalive } : {}),
      })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(peers, { minLength: 1, maxLength: 5 }), async (lists) => {
        // As in the agent: configs through one ConfigChecker, so unchanged peers are the same objects.
        const checker = new ConfigChecker();
        const remembering = countingResolver();
        const fresh = countingResolver();
        const converter = new DesiredStateConverter(remembering.resolve);
        for (const [i, list] of lists.entries()) {
          const checked = checker.check(structuredClone(config(i, list)))!;
          expect(await converter.convert(checked)).toEqual(await toDesiredState(checked, fresh.resolve));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reuses the converted peer of an unchanged config peer, and resolves host names again every time', async () => {
    const checker = new ConfigChecker();
    const dns = countingResolver();
    const converter = new DesiredStateConverter(dns.resolve);
    const peers = [
      { public_key: key(1), allowed_ips: ['100.96.0.2/32'], endpoint: '198.51.100.1:51820' },
      { public_key: key(2), allowed_ips: ['100.96.0.3/32'], endpoint: 'vpn.example.com:51820' },
    ];
    const first = await converter.convert(checker.check(config(1, structuredClone(peers)))!);
    const second = await converter.convert(checker.check(config(2, structuredClone(peers)))!);
    expect(second.peers[0]).toBe(first.peers[0]);
    expect(first.peers[1]!.endpoint).toBe('203.0.113.1:51820');
    expect(second.peers[1]!.endpoint).toBe('203.0.113.2:51820');
    expect(dns.calls()).toBe(2);
    // A config that was not checked (no frozen peers) is converted from scratch.
    const unchecked = await converter.convert(config(3, structuredClone(peers)));
    expect(unchecked.peers[0]).not.toBe(first.peers[0]);
    expect(unchecked.peers[0]).toEqual(first.peers[0]);
  });

  it('carries a signed filter through the checker to the state, and adds none when there is none', async () => {
    const filter = {
      inbound: [{ from: ['100.96.0.6/32'], proto: 'tcp' as const, ports: [[80, 80]] as [number, number][] }],
    };
    const checked = new ConfigChecker().check({ ...config(1, []), filter })!;
    expect((await toDesiredState(checked)).filter).toEqual(filter);
    expect('filter' in (await toDesiredState(config(1, [])))).toBe(false);
  });
});
