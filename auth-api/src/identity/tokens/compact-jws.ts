import { type KeyObject, sign } from 'node:crypto';

/** A JWS header as this service writes it: the algorithm, the token type and the key's id. */
export interface JwsHeader {
  alg: 'ES256';
  typ: string;
  kid: string;
}

const encodedHeaders = new Map<string, string>();

/** The base64url header of a key: the same few keys sign every token, so each is encoded once. */
function encodedHeader(header: JwsHeader): string {
  const key = `${header.alg}.${header.typ}.${header.kid}`;
  let encoded = encodedHeaders.get(key);
  if (encoded === undefined) {
    // Field order alg, typ, kid: what jsonwebtoken wrote, so tokens look as they always did.
    encoded = Buffer.from(JSON.stringify({ alg: header.alg, typ: header.typ, kid: header.kid })).toString(
      'base64url',
    );
    encodedHeaders.set(key, encoded);
  }
  return encoded;
}

/**
 * Signs `payload` as a compact JWS (RFC 7515) with ES256 through node:crypto directly. The
 * signature is the raw r‖s pair RFC 7518 §3.4 asks for (`ieee-p1363`), so no DER conversion
 * runs afterwards. jsonwebtoken produced the same bytes with more work around them (option
 * and claim validation, a DER signature reformatted to r‖s) on the refresh hot path.
 */
export function signCompactJws(header: JwsHeader, payload: object, privateKey: KeyObject): string {
  const input = `${encodedHeader(header)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
