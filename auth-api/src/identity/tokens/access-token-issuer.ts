import { randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  type Role,
  TOKEN_AUDIENCE,
} from '@wirefleet/shared/tokens';
import type { Keyring } from '../keys/index.js';
import { signCompactJws } from './compact-jws.js';

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  claims: AccessTokenClaims;
}

/** Signs access tokens with the keyring's active key (ES256, `typ: at+jwt`). */
export class AccessTokenIssuer {
  constructor(
    private readonly keyring: Keyring,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(subject: { sub: string; role: Role; sid: string }): IssuedAccessToken {
    const iat = Math.floor(this.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      aud: TOKEN_AUDIENCE,
      sub: subject.sub,
      iat,
      nbf: iat,
      exp: iat + this.ttlSeconds,
      jti: randomUUID(),
      sid: subject.sid,
      role: subject.role,
    };
    const key = this.keyring.signingKey();
    const token = signCompactJws(
      { alg: key.alg, typ: ACCESS_TOKEN_TYP, kid: key.kid },
      claims,
      key.privateKey,
    );
    return { token, expiresIn: this.ttlSeconds, claims };
  }
}
