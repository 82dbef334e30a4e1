import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  parseSubject,
  TokenError,
} from '@wirefleet/shared/tokens';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Connection } from '../connections/connection.js';
import type { ConnectionRegistry } from '../connections/connection-registry.js';
import { writeProblem } from '../ops/problem-response.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { RevocationList } from '../revocations/index.js';
import { BEARER_PROTOCOL, tokenFromProtocolHeader } from './bearer-protocol.js';
import { originAllowed } from './origin-policy.js';

export interface UpgradeDeps {
  verifier: AccessTokenVerifier;
  /** Revoked sessions, users and nodes: checked in memory after the signature. */
  revocations: RevocationList;
  registry: ConnectionRegistry;
  metrics: GatewayMetrics;
  logger: Logger;
  allowedOrigins: string[];
  maxConnectionsPerUser: number;
  isDraining(): boolean;
  now(): number;
}

/** A refused upgrade: the catalogue's problem for `code`, and the connection closed. */
function reject(res: HttpResponse, code: ErrorCode, detail: string): void {
  res.cork(() => writeProblem(res, code, detail));
}

/**
 * The WebSocket upgrade: Origin and token are checked *before* the upgrade, so a refused
 * client gets a plain HTTP 401/403 and never an open socket. uWS request objects die at the
 * first await, so every header is copied first and `onAborted` guards the late answer.
 */
/** What the upgrade copied from the request before its first await (uWS requests die there). */
interface UpgradeRequest {
  key: string;
  protocolHeader: string;
  extensions: string;
  origin: string;
  ip: string;
}

/** The refusals decided before the token is verified; the token when none applies (else undefined, answered). */
function refusedEarly(res: HttpResponse, request: UpgradeRequest, deps: UpgradeDeps): string | undefined {
  if (deps.isDraining()) {
    deps.metrics.upgrades.inc({ result: 'draining' });
    reject(res, 'not_ready', 'the gateway is shutting down');
    return undefined;
  }
  if (!originAllowed(request.origin, deps.allowedOrigins)) {
    deps.metrics.upgrades.inc({ result: 'bad_origin' });
    reject(res, 'forbidden', 'origin not allowed');
    return undefined;
  }
  const token = tokenFromProtocolHeader(request.protocolHeader);
  if (!token) {
    deps.metrics.upgrades.inc({ result: 'no_token' });
    deps.metrics.authFailures.inc({ reason: 'missing' });
    reject(res, 'unauthorized', 'offer the subprotocols "bearer, <access token>"');
  }
  return token;
}

/** A verified token: refused when revoked or over the per-user cap, else the upgrade. */
function admit(
  res: HttpResponse,
  request: UpgradeRequest,
  claims: AccessTokenClaims,
  context: us_socket_context_t,
  deps: UpgradeDeps,
): void {
  if (deps.revocations.refuses(claims)) {
    // The same answer as any bad token: a client learns nothing about why.
    deps.metrics.upgrades.inc({ result: 'revoked' });
    deps.metrics.authFailures.inc({ reason: 'revoked' });
    reject(res, 'invalid_token', 'the access token is invalid or expired');
    return;
  }
  if (deps.registry.countOfSubject(claims.sub) >= deps.maxConnectionsPerUser && claims.role !== 'node') {
    deps.metrics.upgrades.inc({ result: 'too_many_connections' });
    reject(res, 'rate_limited', 'too many open connections for this user');
    return;
  }
  const subject = parseSubject(claims.sub);
  const connection: Connection = {
    id: randomUUID(),
    sub: claims.sub,
    kind: subject.kind,
    subjectId: subject.id,
    role: claims.role,
    sid: claims.sid,
    expiresAt: claims.exp,
    issuedAt: claims.iat,
    ip: request.ip,
    rooms: undefined,
    badFrames: 0,
    ws: undefined,
  };
  deps.metrics.upgrades.inc({ result: 'ok' });
  res.cork(() => res.upgrade(connection, request.key, BEARER_PROTOCOL, request.extensions, context));
}

export function createUpgradeHandler(deps: UpgradeDeps) {
  return (res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void => {
    const request: UpgradeRequest = {
      key: req.getHeader('sec-websocket-key'),
      protocolHeader: req.getHeader('sec-websocket-protocol'),
      extensions: req.getHeader('sec-websocket-extensions'),
      origin: req.getHeader('origin'),
      ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
    };
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const token = refusedEarly(res, request, deps);
    if (!token) return;
    deps.verifier.verify(token).then(
      (claims) => {
        if (!aborted) admit(res, request, claims, context, deps);
      },
      (error: unknown) => {
        if (aborted) return;
        const reason = error instanceof TokenError ? error.reason : 'error';
        if (!(error instanceof TokenError))
          deps.logger.error({ err: error }, 'token verification failed unexpectedly');
        deps.metrics.upgrades.inc({ result: 'bad_token' });
        deps.metrics.authFailures.inc({ reason });
        reject(res, 'invalid_token', 'the access token is invalid or expired');
      },
    );
  };
}
