/**
 * Browsers cannot set an Authorization header on a WebSocket, so the token travels as the
 * second offered subprotocol: `Sec-WebSocket-Protocol: bearer, <jwt>`. The server answers
 * with `bearer` only — echoing the token would leak it into logs and proxies — and Chrome
 * fails the handshake unless one offered protocol is selected.
 */
export const BEARER_PROTOCOL = 'bearer';

export function tokenFromProtocolHeader(header: string): string | undefined {
  if (!header) return undefined;
  const offered = header.split(',').map((part) => part.trim());
  if (offered.length !== 2 || offered[0]!.toLowerCase() !== BEARER_PROTOCOL) return undefined;
  const token = offered[1]!;
  return token.length > 0 ? token : undefined;
}
