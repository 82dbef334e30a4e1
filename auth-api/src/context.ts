import type { Bus } from '@wirefleet/shared/bus';
import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import type { Knex } from 'knex';
import { AuditLog } from './platform/audit/index.js';
import type { AuthApiConfig } from './config.js';
import { type Authenticator, createAuthenticator } from './platform/http/authenticate.js';
import { createIdentity, type Identity } from './identity/identity.js';
import type { Keyring } from './identity/keys/index.js';
import { PasswordHasher } from './identity/passwords/index.js';
import type { SecretBox } from './identity/totp/secret-box.js';
import { AuthApiMetrics, type ReadinessCheck } from './platform/ops/index.js';
import type { LimiterFactory } from './platform/rate-limits/index.js';
import { createFleet, type Fleet } from './fleet/fleet.js';
import type { Network } from './fleet/network/index.js';
import type { IngestSource } from '@wirefleet/shared/ingest';
import { parseSubject } from '@wirefleet/shared/tokens';
import type { RevocationStore } from '@wirefleet/shared/revocations';
import { storeBeforePublish } from './identity/revocations/index.js';

/** What the wiring needs from outside: connections and the few things tests swap. */
export interface ContextDeps {
  db: Knex;
  /** Asynchronous-commit pool for refresh rotation (defaults to `db`). */
  relaxedDb?: Knex;
  bus: Bus;
  keyring: Keyring;
  secretBox: SecretBox;
  /** OIDC client secrets by provider id (AuthApiSecrets), kept out of the loggable config. */
  oidcClientSecrets?: Record<string, string>;
  limiter: LimiterFactory;
  logger: Logger;
  readiness: Record<string, ReadinessCheck>;
  network: Network;
  /** Where node telemetry comes from (the gateways' ingest stream, or in-process). */
  ingest: IngestSource;
  /** Where revocations are kept for the gateways (Redis, or shared in-process). */
  revocations: RevocationStore;
  now?: () => number;
}

/** What the routes, the CLI and tests reach: the platform pieces, identity's services and the fleet. */
export interface AuthApiContext
  extends Pick<
    Identity,
    'users' | 'userService' | 'sessionStore' | 'sessions' | 'login' | 'totp' | 'verifier' | 'oidc'
  > {
  config: AuthApiConfig;
  logger: Logger;
  db: Knex;
  bus: Bus;
  keyring: Keyring;
  metrics: AuthApiMetrics;
  hasher: PasswordHasher;
  audit: AuditLog;
  auth: Authenticator;
  fleet: Fleet;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The one place the auth-api is wired: the platform pieces (hasher, metrics, audit), then the
 * two capabilities — identity (identity/identity.ts) and fleet (fleet/fleet.ts) — and the
 * authenticator that needs both. Plain constructors, each handed only what it uses.
 */
export function createContext(config: AuthApiConfig, deps: ContextDeps): AuthApiContext {
  const { db, bus, keyring, logger } = deps;
  const hasher = new PasswordHasher(config.argon2, config.argon2);
  const metrics = new AuthApiMetrics(() => hasher.stats());
  const audit = new AuditLog(db, subsystemLogger(logger, 'audit'));
  // Revocations are announced by the fleet's outbox relay; it is only poked after a request,
  // by then the fleet exists.
  const identity = createIdentity(config, {
    ...{ db, relaxedDb: deps.relaxedDb, bus, keyring, secretBox: deps.secretBox, limiter: deps.limiter },
    oidcClientSecrets: deps.oidcClientSecrets ?? {},
    ...{ hasher, audit, metrics, logger, now: deps.now, announce: () => fleet.relay.poke() },
  });
  const fleet = createFleet(
    {
      ...{ db, network: deps.network, audit, bus, keyring, tokens: identity.tokens },
      ...{ config: config.fleet, limiter: deps.limiter, logger },
    },
    deps.ingest,
    storeBeforePublish(deps.revocations),
  );
  const auth = createAuthenticator(
    identity.verifier,
    async (claims) => {
      // A node token lives as long as the node and its current credential; a user token as its session.
      if (claims.role === 'node') return fleet.nodes.credentialValid(parseSubject(claims.sub).id, claims.sid);
      return (await identity.sessionStore.activeSessionUser(claims.sid)) !== undefined;
    },
    (reason) => metrics.authFailures.inc({ reason }),
  );
  metrics.watchReadiness(deps.readiness);
  metrics.watchFleet(db, deps.network.id);
  const { users, userService, sessionStore, sessions, login, totp, verifier, oidc } = identity;
  return {
    ...{ config, logger, db, bus, keyring, metrics, hasher, audit, auth, fleet, readiness: deps.readiness },
    ...{ users, userService, sessionStore, sessions, login, totp, verifier, oidc },
  };
}
