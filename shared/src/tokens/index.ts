export * from './claims.js';
export { TokenError, type TokenFailure } from './token-error.js';
export {
  type PublicJwk,
  type Jwks,
  type KeySet,
  type VerificationKey,
  type RemoteJwksOptions,
  type KeyLoadObserver,
  type KeyLoadBackoff,
  importPublicJwk,
  importUsableKeys,
  StaticKeySet,
  RemoteJwksKeySet,
} from './key-set.js';
export { verifyCompactJws, parseJwsHeader, MAX_CONFIG_JWS_LENGTH, type JwsHeader, type VerifiedJws } from './verify-jws.js';
export { AccessTokenVerifier, checkAccessClaims, type AccessTokenVerifierOptions } from './verify-access-token.js';
