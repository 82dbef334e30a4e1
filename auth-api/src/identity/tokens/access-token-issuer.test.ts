import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACCESS_TOKEN_TYP, AccessTokenVerifier } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import { afterAll, describe, expect, it } from 'vitest';
import { Keyring } from '../keys/index.js';
import { AccessTokenIssuer } from './access-token-issuer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-issuer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('AccessTokenIssuer signs with node:crypto', () => {
  const keyring = Keyring.open(dir);
  const issuer = new AccessTokenIssuer(keyring, 'https://wirefleet.test', 900);

  it('issues tokens the verifiers accept, with the claims they require', async () => {
    const issued = issuer.issue({ sub: 'user:7', role: 'operator', sid: 'sid-1' });
    const verifier = new AccessTokenVerifier({ keySet: keyring, issuer: 'https://wirefleet.test' });
    expect(await verifier.verify(issued.token)).toEqual(issued.claims);
    const { kid } = keyring.signingKey();
    const publicKey = (await keyring.getKey(kid))!.key;
    expect(() => jwt.verify(issued.token, publicKey, { algorithms: ['ES256'] })).not.toThrow();
  });

  it('writes the header and payload bytes jsonwebtoken wrote (only the signature differs)', () => {
    const issued = issuer.issue({ sub: 'user:7', role: 'admin', sid: 'sid-2' });
    const { kid, alg, privateKey } = keyring.signingKey();
    const reference = jwt.sign(issued.claims, privateKey, {
      algorithm: alg,
      keyid: kid,
      header: { alg, typ: ACCESS_TOKEN_TYP, kid },
    });
    const [header, payload, signature] = issued.token.split('.');
    expect(`${header}.${payload}`).toBe(reference.split('.').slice(0, 2).join('.'));
    // ES256 as RFC 7518 §3.4 has it: r‖s, 64 bytes.
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(64);
  });
});
