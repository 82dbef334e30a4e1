import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importUsableKeys, type Jwks, type PublicJwk } from './key-set.js';

describe('importUsableKeys', () => {
  it('keeps the ES256 and EdDSA keys of a JWKS and leaves out the kinds it cannot verify with', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const jwks = {
      keys: [
        { ...ec, kid: 'ec', alg: 'ES256', use: 'sig' },
        { ...ed, kid: 'ed', alg: 'EdDSA', use: 'sig' },
        { ...ed, kid: 'wrong-curve', alg: 'ES256', use: 'sig' },
        { kty: 'RSA', kid: 'rsa', alg: 'RS256', use: 'sig', n: 'AQAB', e: 'AQAB' } as unknown as PublicJwk,
      ],
    } as Jwks;
    const keys = importUsableKeys(jwks);
    expect([...keys.keys()]).toEqual(['ec', 'ed']);
    expect(keys.get('ec')?.alg).toBe('ES256');
  });
});
