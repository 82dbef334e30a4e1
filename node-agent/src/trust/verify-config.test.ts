import { StaticKeySet } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import { describe, expect, it, vi } from 'vitest';
import { createTokenFactory } from '../../../test/support/forged-tokens.js';
import { ConfigRefused, SignedConfigVerifier, verifySignedConfig } from './verify-config.js';

const factory = createTokenFactory();
const keySet = new StaticKeySet(factory.jwks);
const peerKey = Buffer.alloc(32, 7).toString('base64');

function config(overrides: Record<string, unknown> = {}) {
  return {
    node_id: 5,
    revision: 10,
    issued_at: '2026-11-23T00:00:00.000Z',
    interface: { address: '100.96.0.5/16', listen_port: 51820 },
    peers: [{ public_key: peerKey, allowed_ips: ['100.96.0.6/32'], endpoint: '198.51.100.6:51820' }],
    port_forwards: [{ protocol: 'tcp', public_port: 8080, target_ip: '100.96.0.6', target_port: 80 }],
    masquerade: true,
    ...overrides,
  };
}

function sign(
  payload: object,
  key = factory.privateKey,
  kid = factory.kid,
  typ = 'wirefleet-config+jws',
): string {
  return jwt.sign(payload, key, {
    algorithm: 'ES256',
    noTimestamp: true,
    header: { alg: 'ES256', kid, typ },
  });
}

async function refusal(promise: Promise<unknown>): Promise<ConfigRefused> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigRefused) return error;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('verifying signed node configs (fail closed)', () => {
  it('returns the payload of a valid config', async () => {
    await expect(
      verifySignedConfig(sign(config()), keySet, { nodeId: 5, appliedRevision: 9 }),
    ).resolves.toEqual(config());
  });

  it('accepts a large mesh: a config with 10,000 peers (~1.7 MB signed)', async () => {
    const peers = Array.from({ length: 10_000 }, (_, i) => ({
      public_key: Buffer.alloc(32, i % 256).toString('base64'),
      allowed_ips: [`100.96.${Math.floor(i / 250)}.${(i % 250) + 1}/32`],
      endpoint: '198.51.100.6:51820',
    }));
    const jws = sign(config({ peers }));
    expect(jws.length).toBeGreaterThan(1_000_000);
    const verified = await verifySignedConfig(jws, keySet, { nodeId: 5, appliedRevision: 9 });
    expect(verified.peers).toHaveLength(10_000);
  });

  it('refuses a tampered payload or signature, a foreign key and a token of another type', async () => {
    const valid = sign(config());
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const evil = Buffer.from(JSON.stringify(config({ masquerade: false }))).toString('base64url');
    expect(
      (
        await refusal(
          verifySignedConfig(`${header}.${evil}.${signature}`, keySet, { nodeId: 5, appliedRevision: 0 }),
        )
      ).reason,
    ).toBe('bad_signature');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[10]! ^= 1;
    expect(
      (
        await refusal(
          verifySignedConfig(`${header}.${payload}.${flipped.toString('base64url')}`, keySet, {
            nodeId: 5,
            appliedRevision: 0,
          }),
        )
      ).reason,
    ).toBe('bad_signature');
    const stranger = createTokenFactory();
    expect(
      (
        await refusal(
          verifySignedConfig(sign(config(), stranger.privateKey, factory.kid), keySet, {
            nodeId: 5,
            appliedRevision: 0,
          }),
        )
      ).reason,
    ).toBe('bad_signature');
    expect(
      (
        await refusal(
          verifySignedConfig(sign(config(), factory.privateKey, factory.kid, 'at+jwt'), keySet, {
            nodeId: 5,
            appliedRevision: 0,
          }),
        )
      ).reason,
    ).toBe('bad_signature');
  });

  it("refuses another node's config and an older revision", async () => {
    expect(
      (
        await refusal(
          verifySignedConfig(sign(config({ node_id: 6 })), keySet, { nodeId: 5, appliedRevision: 0 }),
        )
      ).reason,
    ).toBe('wrong_node');
    const stale = await refusal(
      verifySignedConfig(sign(config({ revision: 3 })), keySet, { nodeId: 5, appliedRevision: 4 }),
    );
    expect(stale.reason).toBe('stale_revision');
    expect(stale.revision).toBe(3);
  });

  it('refuses a validly signed payload that is not a well-formed config', async () => {
    const injected = config({ peers: [{ public_key: 'x\n[Peer]', allowed_ips: ['0.0.0.0/0'] }] });
    expect(
      (await refusal(verifySignedConfig(sign(injected), keySet, { nodeId: 5, appliedRevision: 0 }))).reason,
    ).toBe('malformed');
  });

  it('reads a series of configs by difference to what a fresh verifier reads, and still refuses bad ones', async () => {
    const peers = Array.from({ length: 50 }, (_, i) => ({
      public_key: Buffer.alloc(32, i).toString('base64'),
      allowed_ips: [`100.96.0.${i + 2}/32`],
      endpoint: '198.51.100.6:51820',
    }));
    const verifier = new SignedConfigVerifier(keySet, 5);
    const expectSame = async (payload: object, revision: number) => {
      const jws = sign(payload);
      const fresh = await verifySignedConfig(jws, keySet, { nodeId: 5, appliedRevision: revision - 1 });
      expect(await verifier.verify(jws, revision - 1)).toEqual(fresh);
    };
    await expectSame(config({ peers, revision: 1 }), 1);
    for (let revision = 2; revision < 6; revision += 1) {
      if (revision === 4) peers.splice(revision * 7, 1);
      else peers[revision * 7] = { ...peers[revision * 7]!, allowed_ips: ['100.96.1.1/32', '100.96.1.2/32'] };
      const jws = sign(config({ peers, revision }));
      const parse = vi.spyOn(JSON, 'parse');
      const read = await verifier.verify(jws, revision - 1);
      // Only the changed peer and the fields around the peers are parsed, never the whole payload.
      const longest = Math.max(...parse.mock.calls.map(([text]) => text.length));
      parse.mockRestore();
      expect(longest).toBeLessThan(400);
      expect(read).toEqual(
        await verifySignedConfig(jws, keySet, { nodeId: 5, appliedRevision: revision - 1 }),
      );
    }
    // A peer the schema refuses, in a config read by difference: refused, with the schema's reason.
    const bad = peers.slice();
    bad[3] = { ...bad[3]!, public_key: 'x\n[Peer]' };
    const malformed = await refusal(verifier.verify(sign(config({ peers: bad, revision: 6 })), 5));
    expect(malformed.reason).toBe('malformed');
    expect(malformed.message).toContain('peers.3.public_key');
    // A tampered payload, one peer changed after signing: the signature catches it.
    const [header, , signature] = sign(config({ peers, revision: 7 })).split('.') as [string, string, string];
    const changed = peers.slice();
    changed[0] = { ...changed[0]!, allowed_ips: ['0.0.0.0/0'] };
    const evil = Buffer.from(JSON.stringify(config({ peers: changed, revision: 7 }))).toString('base64url');
    expect((await refusal(verifier.verify(`${header}.${evil}.${signature}`, 5))).reason).toBe(
      'bad_signature',
    );
    expect((await refusal(verifier.verify(`${header}.${evil}.x.${signature}`, 5))).reason).toBe(
      'bad_signature',
    );
    await expectSame(config({ peers, revision: 8 }), 8);
  });
});
