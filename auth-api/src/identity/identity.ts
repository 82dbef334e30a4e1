import type { Bus } from '@wirefleet/shared/bus';
import { type Logger, subsystemLogger } from '@wirefleet/shared/logging';
import { AccessTokenVerifier } from '@wirefleet/shared/tokens';
import type { Knex } from 'knex';
import type { AuditLog } from '../platform/audit/index.js';
import type { AuthApiConfig } from '../config.js';
import type { AuthApiMetrics } from '../platform/ops/index.js';
import { type LimiterFactory, LoginGuard } from '../platform/rate-limits/index.js';
import { LoginService } from './auth/index.js';
import type { Keyring } from './keys/index.js';
import { createOidc, type Oidc } from './oidc/index.js';
import type { PasswordHasher } from './passwords/index.js';
import { RevocationRecorder } from './revocations/index.js';
import { SessionService, SessionStore } from './sessions/index.js';
import { AccessTokenIssuer } from './tokens/index.js';
import type { SecretBox } from './totp/secret-box.js';
import { TotpService } from './totp/totp-service.js';
import { UserService, UserStore } from './users/index.js';

/** What identity needs from the platform: storage, the bus, keys, limits, the shared hasher. */
export interface IdentityDeps {
  db: Knex;
  /** Asynchronous-commit pool for refresh rotation (defaults to `db`). */
  relaxedDb?: Knex | undefined;
  bus: Bus;
  keyring: Keyring;
  secretBox: SecretBox;
  /** OIDC client secrets by provider id. */
  oidcClientSecrets: Record<string, string>;
  limiter: LimiterFactory;
  hasher: PasswordHasher;
  audit: AuditLog;
  metrics: AuthApiMetrics;
  logger: Logger;
  /** Tells the outbox relay that revocations were committed (the relay belongs to the fleet). */
  announce(): void;
  now?: (() => number) | undefined;
}

/** Users, passwords, TOTP, sessions and tokens: the identity capability, wired. */
export interface Identity {
  users: UserStore;
  userService: UserService;
  sessionStore: SessionStore;
  sessions: SessionService;
  login: LoginService;
  totp: TotpService;
  tokens: AccessTokenIssuer;
  /** The login, refresh and TOTP limits; the fleet keeps its own. */
  guard: LoginGuard;
  revocations: RevocationRecorder;
  verifier: AccessTokenVerifier;
  /** Single sign-on with OpenID Connect providers. */
  oidc: Oidc;
}

/** Wires identity with plain constructors, each handed only what it uses. */
export function createIdentity(config: AuthApiConfig, deps: IdentityDeps): Identity {
  const { db, bus, keyring, logger, audit, metrics, hasher } = deps;
  const now = deps.now ? { now: deps.now } : {};
  const users = new UserStore(db);
  const sessionStore = new SessionStore(
    db,
    {
      refreshTtlSeconds: config.refreshTtlSeconds,
      absoluteTtlSeconds: config.refreshAbsoluteTtlSeconds,
      reuseGraceSeconds: config.refreshReuseGraceSeconds,
    },
    deps.relaxedDb ?? db,
  );
  const tokens = new AccessTokenIssuer(keyring, config.publicUrl, config.accessTokenTtlSeconds, deps.now);
  const guard = new LoginGuard(deps.limiter, config.limits);
  const totp = new TotpService({ users, box: deps.secretBox, guard, audit, issuer: 'Wirefleet', ...now });
  const revocations = new RevocationRecorder({ db, poke: deps.announce, now: deps.now ?? Date.now });
  const sessionsLogger = subsystemLogger(logger, 'sessions');
  const sessions = new SessionService({
    revocations,
    sessions: sessionStore,
    tokens,
    guard,
    audit,
    bus,
    metrics,
    logger: sessionsLogger,
  });
  const loginLogger = subsystemLogger(logger, 'login');
  const login = new LoginService({
    users,
    hasher,
    sessions: sessionStore,
    tokens,
    guard,
    totp,
    audit,
    metrics,
    logger: loginLogger,
    passwordLogin: config.oidc.passwordLogin,
  });
  const userService = new UserService({ db, users, hasher, sessionStore, sessions, audit, revocations });
  const verifier = new AccessTokenVerifier({ keySet: keyring, issuer: config.publicUrl, ...now });
  const oidc = createOidc(config.oidc, deps.oidcClientSecrets, {
    ...{ db, users, userService, sessions: sessionStore, tokens, guard, audit, logger },
  });
  return {
    users,
    userService,
    sessionStore,
    sessions,
    login,
    totp,
    tokens,
    guard,
    revocations,
    verifier,
    oidc,
  };
}
