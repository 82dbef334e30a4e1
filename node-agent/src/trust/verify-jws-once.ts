import { verify as cryptoVerify } from 'node:crypto';
import {
  CLOCK_SKEW_SECONDS,
  type JwsHeader,
  type KeySet,
  parseJwsHeader,
  TokenError,
  type VerificationKey,
} from '@wirefleet/shared/tokens';

export interface VerifiedPayload {
  header: JwsHeader;
  payload: Record<string, unknown>;
  key: VerificationKey;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * verifyCompactJws (shared/src/tokens/verify-jws.ts) for large payloads such as signed node
 * configs (10,000 peers are ~1.7 MB): the same header checks (parseJwsHeader: length cap, alg
 * allow-list, forbidden headers, typ, kid), the key chosen by kid and of the header's alg, then
 * ONE signature check with node:crypto (ES256 as raw r||s, `ieee-p1363`, as JWS encodes it;
 * EdDSA as before) and ONE base64url decode + JSON.parse of the payload. jsonwebtoken's
 * jwt.verify decodes and parses the payload a second time; its only checks that apply to a
 * config (`nbf` and `exp` when present, with the same clock skew) are repeated here with the
 * same outcomes. No iss/aud options: configs carry neither (access tokens keep verifyCompactJws).
 * Lives in the agent because @wirefleet/shared/tokens exports only its index.
 */
export async function verifyCompactJwsPayload(
  token: string,
  keySet: KeySet,
  options: { typ: string; maxLength: number; nowSeconds?: number },
): Promise<VerifiedPayload> {
  const header = parseJwsHeader(token, options.typ, options.maxLength);
  const key = await keySet.getKey(header.kid);
  if (!key) throw new TokenError('unknown_kid', `no published key has kid ${header.kid}`);
  if (key.alg !== header.alg) throw new TokenError('algorithm_not_allowed', 'alg does not match the key');

  const cut = token.lastIndexOf('.');
  const dot = token.indexOf('.');
  const encodedPayload = token.slice(dot + 1, cut);
  const encodedSignature = token.slice(cut + 1);
  if (encodedPayload.length === 0 || !BASE64URL.test(encodedSignature)) {
    throw new TokenError('bad_signature', 'signature does not verify');
  }
  let ok: boolean;
  try {
    const data = Buffer.from(token.slice(0, cut));
    const signature = Buffer.from(encodedSignature, 'base64url');
    ok =
      header.alg === 'ES256'
        ? signature.length === 64 && cryptoVerify('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
        : cryptoVerify(null, data, key.key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new TokenError('bad_signature', 'signature does not verify');

  if (!BASE64URL.test(encodedPayload)) throw new TokenError('malformed', 'token is not base64url');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed', 'token segment is not JSON');
  }
  if (!isObject(payload)) throw new TokenError('malformed', 'payload is not an object');
  if (header.alg === 'ES256') checkTimes(payload, options.nowSeconds ?? Math.floor(Date.now() / 1000));
  return { header, payload, key };
}

/** What jwt.verify checks of `nbf`/`exp` (with CLOCK_SKEW_SECONDS), mapped as verifyCompactJws maps it. */
function checkTimes(payload: Record<string, unknown>, now: number): void {
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw new TokenError('malformed', 'iat, nbf and exp must be numbers');
    if (payload.nbf > now + CLOCK_SKEW_SECONDS) throw new TokenError('not_yet_valid', 'token not yet valid');
  }
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw new TokenError('malformed', 'iat, nbf and exp must be numbers');
    if (now >= payload.exp + CLOCK_SKEW_SECONDS) throw new TokenError('expired', 'token expired');
  }
}
