import type { Request } from 'express';

/** The caller's address as Express resolved it (honouring TRUST_PROXY): the key of per-IP limits and audit rows. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
