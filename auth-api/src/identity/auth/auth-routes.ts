import { WirefleetError } from '@wirefleet/shared/errors';
import { parseSubject } from '@wirefleet/shared/tokens';
import { loginRequest, logoutRequest, refreshRequest, totpCodeRequest } from '@wirefleet/shared/schemas';
import { type Request, Router } from 'express';
import { type Authenticator, claimsOf } from '../../http/authenticate.js';
import { clientIp } from '../../http/client-ip.js';
import { parseBody } from '../../http/validate.js';
import type { Keyring } from '../keys/index.js';
import type { TotpService } from '../totp/totp-service.js';
import { toPublicUser, type UserRecord, type UserStore } from '../users/user-store.js';
import type { LoginService } from './login-service.js';
import type { SessionService } from './session-service.js';

export interface AuthRouteDeps {
  login: LoginService;
  sessions: SessionService;
  totp: TotpService;
  users: UserStore;
  keyring: Keyring;
  auth: Authenticator;
}

async function currentUser(req: Request, users: UserStore): Promise<UserRecord> {
  const { kind, id } = parseSubject(claimsOf(req).sub);
  const user = kind === 'user' ? await users.findById(id) : undefined;
  if (!user || user.disabled) throw new WirefleetError('invalid_token', { detail: 'the user no longer exists' });
  return user;
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const router = Router();
  const noStore = (_req: Request, res: import('express').Response, next: () => void) => {
    // Token responses must never be cached (RFC 6749 §5.1).
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(deps.keyring.jwks());
  });

  router.post('/v1/auth/login', noStore, async (req, res) => {
    const body = parseBody(loginRequest, req);
    const pair = await deps.login.login({
      username: body.username,
      password: body.password,
      totpCode: body.totp_code,
      ip: clientIp(req),
      userAgent: req.get('user-agent'),
    });
    res.json(pair);
  });

  router.post('/v1/auth/refresh', noStore, async (req, res) => {
    const body = parseBody(refreshRequest, req);
    res.json(await deps.sessions.refresh(body.refresh_token, clientIp(req)));
  });

  router.post('/v1/auth/logout', deps.auth.any(), async (req, res) => {
    const body = parseBody(logoutRequest, req);
    const claims = claimsOf(req);
    const { kind, id } = parseSubject(claims.sub);
    if (kind !== 'user') throw new WirefleetError('forbidden', { detail: 'node tokens have no login session' });
    await deps.sessions.logout(claims, id, body.refresh_token, clientIp(req));
    res.status(204).end();
  });

  router.get('/v1/auth/me', deps.auth.any(), async (req, res) => {
    res.json(toPublicUser(await currentUser(req, deps.users)));
  });

  router.post('/v1/auth/totp/setup', deps.auth.any(), noStore, async (req, res) => {
    parseBody(totpCodeRequest.partial().strict(), req);
    res.json(await deps.totp.setup(await currentUser(req, deps.users)));
  });

  router.post('/v1/auth/totp/enable', deps.auth.any(), async (req, res) => {
    const { code } = parseBody(totpCodeRequest, req);
    await deps.totp.enable(await currentUser(req, deps.users), code, clientIp(req));
    res.status(204).end();
  });

  router.post('/v1/auth/totp/disable', deps.auth.any(), async (req, res) => {
    const { code } = parseBody(totpCodeRequest, req);
    await deps.totp.disable(await currentUser(req, deps.users), code, clientIp(req));
    res.status(204).end();
  });

  return router;
}
