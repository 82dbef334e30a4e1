/** The only JWS algorithms Wirefleet signs or accepts. Anything else (including `none`, HS*) is refused. */
export const ALLOWED_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export const TOKEN_AUDIENCE = 'wirefleet';
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const CONFIG_JWS_TYP = 'wirefleet-config+jws';
/** Access tokens may live at most this long (exp - iat). */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Clock skew tolerated between the signer and any verifier. */
export const CLOCK_SKEW_SECONDS = 30;

export const ROLES = ['admin', 'operator', 'viewer', 'node'] as const;
export type Role = (typeof ROLES)[number];
export type UserRole = Exclude<Role, 'node'>;

/** Claims every Wirefleet access token carries; verifiers require all of them. */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  /** `user:<id>` or `node:<id>` */
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  /** Session (token family) id: what a logout revokes. */
  sid: string;
  role: Role;
}

export const SUBJECT_PATTERN = /^(user|node):[1-9][0-9]{0,17}$/;

/** `user:7` → `{ kind: 'user', id: 7 }` */
export function parseSubject(sub: string): { kind: 'user' | 'node'; id: number } {
  const [kind, id] = sub.split(':') as ['user' | 'node', string];
  // The literal, not the split-off copy: a gateway keeps one per connection.
  return { kind: kind === 'node' ? 'node' : 'user', id: Number(id) };
}
