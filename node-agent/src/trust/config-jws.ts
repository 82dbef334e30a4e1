import {
  CONFIG_JWS_TYP,
  type KeySet,
  MAX_CONFIG_JWS_LENGTH,
  parseJwsHeader,
  signatureVerifies,
  TokenError,
} from '@wirefleet/shared/tokens';

/** The shared check of a JWS's `nbf`/`exp` window, applied to a config's payload. */
export { checkValidityWindow } from '@wirefleet/shared/tokens';

/**
 * verifyCompactJws (shared/src/tokens) for the agent's signed configs, without the passes over
 * the whole 2 MB token that protect nothing here: the same rules — parseJwsHeader's header
 * (allowed alg, no key-pointing headers, the config typ, a kid), the key of that kid and of that
 * alg, raw r||s ES256 signatures — but the dots are found with indexOf instead of split('.'),
 * and the payload's base64url is not checked character by character: the signature covers the
 * payload's text as sent, so only the holder of the signing key could have put anything else
 * there. (Checking on libuv's thread pool, to overlap the payload's reading, was measured and
 * dropped: Node copies the 2 MB input on this thread first, which took longer than the check.)
 * Returns the payload's bytes; the validity window (`nbf`/`exp`) is checkValidityWindow's.
 */
export async function verifyConfigJws(token: string, keySet: KeySet): Promise<Buffer> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_CONFIG_JWS_LENGTH)
    throw new TokenError('malformed', 'token is empty or too long');
  const headerEnd = token.indexOf('.');
  const signingInputEnd = token.lastIndexOf('.');
  if (headerEnd < 0 || signingInputEnd === headerEnd || token.indexOf('.', headerEnd + 1) !== signingInputEnd)
    throw new TokenError('malformed', 'token is not a compact JWS');
  // parseJwsHeader reads only the first of three segments: hand it that one, not 2 MB to split.
  const header = parseJwsHeader(`${token.slice(0, headerEnd)}..`, CONFIG_JWS_TYP);
  const key = await keySet.getKey(header.kid);
  if (!key) throw new TokenError('unknown_kid', `no published key has kid ${header.kid}`);
  if (key.alg !== header.alg) throw new TokenError('algorithm_not_allowed', 'alg does not match the key');
  if (!signatureVerifies(header.alg, key, token.slice(0, signingInputEnd), token.slice(signingInputEnd + 1)))
    throw new TokenError('bad_signature', 'signature does not verify');
  return Buffer.from(token.slice(headerEnd + 1, signingInputEnd), 'base64url');
}
