import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../dataplane.js';
import { ApplyTargetBuilder } from './apply-target.js';

const b64 = (n: number) => Buffer.alloc(32, n).toString('base64');
const IF = 'wftgt1';

function desired(overrides: Partial<DesiredState> = {}): DesiredState {
  return {
    revision: 1,
    address: '100.96.0.7/16',
    listenPort: 51820,
    peers: [{ publicKey: b64(2), allowedIps: ['100.96.0.2/32', '10.9.0.5/24'] }],
    forwards: [],
    masquerade: false,
    ...overrides,
  };
}

describe('ApplyTargetBuilder', () => {
  it('canonicalises the address and routes only what lies outside the tunnel network', () => {
    const target = new ApplyTargetBuilder(IF, b64(1)).build(desired(), undefined);
    expect(target).toMatchObject({
      privateKey: b64(1),
      address: '100.96.0.7/16',
      listenPort: 51820,
      routes: ['10.9.0.0/24'],
      exitRoutes: [],
      forwarding: false,
    });
    expect(target.peers.list.map((peer) => peer.publicKey)).toEqual([b64(2)]);
  });

  it('gives routes covering the default to exit routing, whose firewall marks replies', () => {
    const peers = [{ publicKey: b64(2), allowedIps: ['0.0.0.0/1', '128.0.0.0/1', '10.9.0.0/24'] }];
    const target = new ApplyTargetBuilder(IF, b64(1)).build(desired({ peers }), undefined);
    expect(target.routes).toEqual(['10.9.0.0/24']);
    expect(target.exitRoutes).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
    expect(target.firewall.exitRouting).toBe(true);
    const plain = new ApplyTargetBuilder(IF, b64(1)).build(desired(), undefined);
    expect(target.nftScript).not.toBe(plain.nftScript);
  });

  it('reuses the applied script while its inputs are unchanged, and renders again when one changes', () => {
    const builder = new ApplyTargetBuilder(IF, b64(1));
    const first = builder.build(desired({ masquerade: true }), undefined);
    expect(first.forwarding).toBe(true);
    const applied = { firewall: first.firewall, nftScript: 'the script applied' };
    expect(builder.build(desired({ masquerade: true, revision: 2 }), applied).nftScript).toBe(
      'the script applied',
    );
    const forwards = [{ protocol: 'tcp' as const, publicPort: 8080, targetIp: '100.96.0.2', targetPort: 80 }];
    const changed = builder.build(desired({ masquerade: true, forwards }), applied);
    expect(changed.nftScript).toContain('8080');
    expect(builder.build(desired({ masquerade: true, listenPort: 51821 }), applied).nftScript).not.toBe(
      'the script applied',
    );
  });

  it('renders the filter into the script, and again exactly when the filter changes', () => {
    const builder = new ApplyTargetBuilder(IF, b64(1));
    const filter: DesiredState['filter'] = {
      inbound: [{ from: ['100.96.0.2/32'], proto: 'tcp', ports: [[80, 80]] }],
    };
    const first = builder.build(desired({ filter }), undefined);
    expect(first.nftScript).toContain(`iifname "${IF}" ip saddr { 100.96.0.2 } tcp dport 80 accept`);
    const applied = { firewall: first.firewall, nftScript: 'the script applied' };
    // The same filter in new objects (as every config brings it): the applied script stands.
    expect(builder.build(desired({ revision: 2, filter: structuredClone(filter) }), applied).nftScript).toBe(
      'the script applied',
    );
    // A changed filter was copied when applied: changing the caller's object cannot hide it.
    filter.inbound[0]!.ports = [[81, 81]];
    expect(builder.build(desired({ revision: 3, filter }), applied).nftScript).toContain(
      'tcp dport 81 accept',
    );
    expect(builder.build(desired({ revision: 4 }), applied).nftScript).not.toContain('tunnel_in');
    const malformed = { inbound: [{ from: 'x', proto: 'any' }] } as unknown as DesiredState['filter'];
    expect(() => builder.build(desired({ filter: malformed }), applied)).toThrow(
      /filter\.inbound\[0\]\.from/,
    );
  });

  it('throws on invalid input before anything else', () => {
    const builder = new ApplyTargetBuilder(IF, b64(1));
    expect(() => builder.build(desired({ address: '100.96.0.1/16; rm -rf /' }), undefined)).toThrow(
      /interface address/,
    );
    expect(() => builder.build(desired({ listenPort: 0 }), undefined)).toThrow(/listen port/);
    const bad = [{ protocol: 'tcp' as const, publicPort: 0, targetIp: '1.1.1.1', targetPort: 1 }];
    expect(() => builder.build(desired({ forwards: bad }), undefined)).toThrow();
  });
});
