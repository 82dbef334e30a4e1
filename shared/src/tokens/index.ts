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
export {
  checkValidityWindow,
  MAX_CONFIG_JWS_LENGTH,
  parseJwsHeader,
  signatureVerifies,
  type JwsHeader,
  type VerifiedJws,
  verifyCompactJws,
} from './verify-jws.js';
export { AccessTokenVerifier, checkAccessClaims, type AccessTokenVerifierOptions } from './verify-access-token.js';
