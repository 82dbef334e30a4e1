import { WirefleetError } from '@wirefleet/shared/errors';
import { type AccessTokenClaims, type AccessTokenVerifier, type Role, TokenError } from '@wirefleet/shared/tokens';
import type { Request, RequestHandler } from 'express';

/** `admin` ⊃ `operator` ⊃ `viewer`; node tokens hold none of these. */
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3, node: 0 };

export function roleAtLeast(role: Role, needed: Exclude<Role, 'node'>): boolean {
  return RANK[role] >= RANK[needed] && role !== 'node';
}

/** Decides whether the session behind a verified token is still alive (not logged out). */
export type SessionCheck = (claims: AccessTokenClaims) => Promise<boolean>;

export interface Authenticator {
  /** Any valid token (user or node). */
  any(): RequestHandler;
  /** A user token of at least this role. */
  require(role: Exclude<Role, 'node'>): RequestHandler;
  /** A node token. */
  node(): RequestHandler;
}

export function claimsOf(req: Request): AccessTokenClaims {
  const claims = req.res?.locals.claims as AccessTokenClaims | undefined;
  if (!claims) throw new Error('claimsOf() used on a route without authentication');
  return claims;
}

/** Why a verified token was still refused; like a TokenError, it reaches the log only. */
export class TokenRefusal extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRefusal';
  }
}

function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header) : null;
  if (!match) throw new WirefleetError('unauthorized', { detail: 'send Authorization: Bearer <access token>' });
  return match[1]!;
}

/**
 * Bearer-token middleware on top of the shared verifier. Besides the signature and claims,
 * it asks `sessionCheck` whether the token's session is still live, so a logout takes
 * effect on this API at once rather than when the access token expires.
 */
export function createAuthenticator(
  verifier: AccessTokenVerifier,
  sessionCheck: SessionCheck,
  onFailure: (reason: string) => void = () => undefined,
): Authenticator {
  const authenticate = async (req: Request, accept: (claims: AccessTokenClaims) => boolean) => {
    const token = bearerToken(req);
    let claims: AccessTokenClaims;
    try {
      claims = await verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenError) {
        onFailure(error.reason);
        // No detail: the verifier's message can echo the attacker's own header (a `kid`), and
        // why a token failed helps only a forger (CONTRACT §2). The error handler logs the cause.
        throw new WirefleetError('invalid_token', { cause: error });
      }
      throw error;
    }
    if (!(await sessionCheck(claims))) {
      onFailure('session_revoked');
      throw new WirefleetError('invalid_token', { cause: new TokenRefusal('session_revoked', 'the session was revoked') });
    }
    if (!accept(claims)) throw new WirefleetError('forbidden');
    req.res!.locals.claims = claims;
  };
  const middleware =
    (accept: (claims: AccessTokenClaims) => boolean): RequestHandler =>
    async (req, _res, next) => {
      await authenticate(req, accept);
      next();
    };
  return {
    any: () => middleware(() => true),
    require: (role) => middleware((claims) => roleAtLeast(claims.role, role)),
    node: () => middleware((claims) => claims.role === 'node'),
  };
}
