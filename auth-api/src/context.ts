import type { Bus } from '@wirefleet/shared/bus';
import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import { AccessTokenVerifier } from '@wirefleet/shared/tokens';
import type { Knex } from 'knex';
import { AuditLog } from './audit/index.js';
import type { AuthApiConfig } from './config.js';
import { type Authenticator, createAuthenticator } from './http/authenticate.js';
import { LoginService, SessionService } from './identity/auth/index.js';
import type { Keyring } from './identity/keys/index.js';
import { PasswordHasher } from './identity/passwords/index.js';
import { SessionStore } from './identity/sessions/index.js';
import { AccessTokenIssuer } from './identity/tokens/index.js';
import type { SecretBox } from './identity/totp/secret-box.js';
import { TotpService } from './identity/totp/totp-service.js';
import { UserService, UserStore } from './identity/users/index.js';
import { AuthApiMetrics, type ReadinessCheck } from './ops/index.js';
import { type LimiterFactory, LoginGuard } from './rate-limits/index.js';
import { createFleet, type Fleet } from './fleet/fleet.js';
import type { Network } from './fleet/network/index.js';
import type { IngestSource } from '@wirefleet/shared/ingest';
import { parseSubject } from '@wirefleet/shared/tokens';
import type { RevocationStore } from '@wirefleet/shared/revocations';
import { RevocationRecorder, storeBeforePublish } from './identity/revocations/index.js';

/** What the wiring needs from outside: connections and the few things tests swap. */
export interface ContextDeps {
  db: Knex;
  /** Asynchronous-commit pool for refresh rotation (defaults to `db`). */
  relaxedDb?: Knex;
  bus: Bus;
  keyring: Keyring;
  secretBox: SecretBox;
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

export interface AuthApiContext {
  config: AuthApiConfig;
  logger: Logger;
  db: Knex;
  bus: Bus;
  keyring: Keyring;
  metrics: AuthApiMetrics;
  hasher: PasswordHasher;
  users: UserStore;
  userService: UserService;
  sessionStore: SessionStore;
  sessions: SessionService;
  login: LoginService;
  totp: TotpService;
  audit: AuditLog;
  auth: Authenticator;
  verifier: AccessTokenVerifier;
  fleet: Fleet;
  readiness: Record<string, ReadinessCheck>;
}

/** The one place the auth-api is wired: plain constructors, each handed only what it uses. */
export function createContext(config: AuthApiConfig, deps: ContextDeps): AuthApiContext {
  const { db, bus, keyring, logger } = deps;
  const hasher = new PasswordHasher(config.argon2, config.argon2);
  const metrics = new AuthApiMetrics(() => hasher.stats());
  const audit = new AuditLog(db, subsystemLogger(logger, 'audit'));
  const users = new UserStore(db);
  const sessionStore = new SessionStore(db, {
    refreshTtlSeconds: config.refreshTtlSeconds,
    absoluteTtlSeconds: config.refreshAbsoluteTtlSeconds,
    reuseGraceSeconds: config.refreshReuseGraceSeconds,
  }, deps.relaxedDb ?? db);
  const tokens = new AccessTokenIssuer(keyring, config.publicUrl, config.accessTokenTtlSeconds, deps.now);
  const guard = new LoginGuard(deps.limiter, config.limits);
  const totp = new TotpService({ users, box: deps.secretBox, guard, audit, issuer: 'Wirefleet', ...(deps.now ? { now: deps.now } : {}) });
  // The relay belongs to the fleet, built below; it is only poked after a request, by then it exists.
  const revocations = new RevocationRecorder({ db, poke: () => fleet.relay.poke(), now: deps.now ?? Date.now });
  const sessions = new SessionService({
    revocations,
    sessions: sessionStore,
    tokens,
    guard,
    audit,
    bus,
    metrics,
    logger: subsystemLogger(logger, 'sessions'),
  });
  const login = new LoginService({
    users,
    hasher,
    sessions: sessionStore,
    tokens,
    guard,
    totp,
    audit,
    metrics,
    logger: subsystemLogger(logger, 'login'),
  });
  const userService = new UserService({ db, users, hasher, sessionStore, sessions, audit, revocations });
  const verifier = new AccessTokenVerifier({ keySet: keyring, issuer: config.publicUrl, ...(deps.now ? { now: deps.now } : {}) });
  const fleet = createFleet(
    {
      db,
      network: deps.network,
      audit,
      bus,
      keyring,
      tokens,
      guard,
      config: config.fleet,
      logger: subsystemLogger(logger, 'fleet'),
    },
    deps.ingest,
    storeBeforePublish(deps.revocations),
  );
  const auth = createAuthenticator(
    verifier,
    async (claims) => {
      // A node token lives as long as the node and its current credential; a user token as its session.
      if (claims.role === 'node') return fleet.nodes.credentialValid(parseSubject(claims.sub).id, claims.sid);
      return (await sessionStore.activeSessionUser(claims.sid)) !== undefined;
    },
    (reason) => metrics.authFailures.inc({ reason }),
  );
  return {
    config,
    logger,
    db,
    bus,
    keyring,
    metrics,
    hasher,
    users,
    userService,
    sessionStore,
    sessions,
    login,
    totp,
    audit,
    auth,
    verifier,
    fleet,
    readiness: deps.readiness,
  };
}
