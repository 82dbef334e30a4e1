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
