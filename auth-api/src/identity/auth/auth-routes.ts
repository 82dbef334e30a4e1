import { WirefleetError } from '@wirefleet/shared/errors';
import { loginRequest, logoutRequest, refreshRequest, totpCodeRequest } from '@wirefleet/shared/schemas';
import { parseSubject } from '@wirefleet/shared/tokens';
import type { Request, RequestHandler } from 'express';
import { type Authenticator, claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner } from '../../platform/http/routes/index.js';
import { jwks, tokenPair, totpSetup, user } from '../../openapi/responses/identity.js';
import type { Keyring } from '../keys/index.js';
import type { TotpService } from '../totp/totp-service.js';
import { toPublicUser, type UserRecord, type UserStore } from '../users/user-store.js';
import type { LoginService } from './login-service.js';
import type { SessionService } from '../sessions/index.js';

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
  if (!user || user.disabled)
    throw new WirefleetError('invalid_token', { detail: 'the user no longer exists' });
  return user;
}

/** Token responses must never be cached (RFC 6749 §5.1), refusals included. */
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

const route = routeDefiner<AuthRouteDeps>();

export const authRouteDefinitions: readonly RouteDefinition<AuthRouteDeps>[] = [
  route({
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'Public signing keys (JWK set)',
    tags: ['auth'],
    auth: 'none',
    responses: { 200: { description: 'The JWK set; cacheable for 60 s.', schema: jwks } },
    errors: [],
    handler({ res, deps }) {
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.json(deps.keyring.jwks());
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/login',
    operationId: 'login',
    summary: 'Log in with username, password and, when enabled, a TOTP code',
    description:
      'Unknown users and wrong passwords get the same 401 body with similar timing. Limited per IP and per username+IP.',
    tags: ['auth'],
    auth: 'none',
    request: { body: loginRequest },
    responses: { 200: { description: 'A new token pair.', schema: tokenPair } },
    errors: [
      'invalid_credentials',
      'totp_required',
      'totp_invalid',
      'password_login_disabled',
      'rate_limited',
      'server_busy',
    ],
    before: [noStore],
    async handler({ body, req, res, deps }) {
      const pair = await deps.login.login({
        username: body.username,
        password: body.password,
        totpCode: body.totp_code,
        ip: clientIp(req),
        userAgent: req.get('user-agent'),
      });
      res.json(pair);
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/refresh',
    operationId: 'refreshTokens',
    summary: 'Exchange a refresh token for a new pair (rotation)',
    description:
      'The presented token is spent atomically. Presenting an already-rotated token is `token_reused`; after the grace period that revokes the whole token family.',
    tags: ['auth'],
    auth: 'none',
    request: { body: refreshRequest },
    responses: { 200: { description: 'A new token pair.', schema: tokenPair } },
    errors: ['invalid_grant', 'token_reused', 'rate_limited'],
    // The hottest route: clients of every dashboard and gateway refresh on a timer.
    fast: true,
    before: [noStore],
    async handler({ body, req, res, deps }) {
      res.json(await deps.sessions.refresh(body.refresh_token, clientIp(req)));
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/logout',
    operationId: 'logout',
    summary: "Revoke the caller's session (token family)",
    description: 'Open WebSocket connections of the session are closed. Node tokens have no session (403).',
    tags: ['auth'],
    auth: 'any',
    request: { body: logoutRequest },
    responses: { 204: { description: 'The session is revoked.' } },
    errors: ['forbidden'],
    async handler({ body, req, res, deps }) {
      const claims = claimsOf(req);
      const { kind, id } = parseSubject(claims.sub);
      if (kind !== 'user')
        throw new WirefleetError('forbidden', { detail: 'node tokens have no login session' });
      await deps.sessions.logout(claims, id, body.refresh_token, clientIp(req));
      res.status(204).end();
    },
  }),
  route({
    method: 'get',
    path: '/v1/auth/me',
    operationId: 'getCurrentUser',
    summary: 'The user behind the access token',
    tags: ['auth'],
    auth: 'any',
    responses: { 200: { description: 'The current user.', schema: user } },
    errors: [],
    async handler({ req, res, deps }) {
      res.json(toPublicUser(await currentUser(req, deps.users)));
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/totp/setup',
    operationId: 'setupTotp',
    summary: 'Start TOTP enrolment: a new pending secret',
    tags: ['auth'],
    auth: 'any',
    // An optional `{code}` only so that unknown fields are refused like everywhere else.
    request: { body: totpCodeRequest.partial().strict() },
    responses: { 200: { description: 'The pending secret and its otpauth:// URI.', schema: totpSetup } },
    errors: ['totp_already_enabled'],
    before: [noStore],
    async handler({ req, res, deps }) {
      res.json(await deps.totp.setup(await currentUser(req, deps.users)));
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/totp/enable',
    operationId: 'enableTotp',
    summary: 'Enable TOTP with a code for the pending secret',
    tags: ['auth'],
    auth: 'any',
    request: { body: totpCodeRequest },
    responses: { 204: { description: 'TOTP is now required at login.' } },
    errors: ['totp_already_enabled', 'totp_invalid', 'rate_limited'],
    async handler({ body, req, res, deps }) {
      await deps.totp.enable(await currentUser(req, deps.users), body.code, clientIp(req));
      res.status(204).end();
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/totp/disable',
    operationId: 'disableTotp',
    summary: 'Disable TOTP with a current code',
    tags: ['auth'],
    auth: 'any',
    request: { body: totpCodeRequest },
    responses: { 204: { description: 'TOTP is no longer required.' } },
    errors: ['totp_not_enabled', 'totp_invalid', 'rate_limited'],
    async handler({ body, req, res, deps }) {
      await deps.totp.disable(await currentUser(req, deps.users), body.code, clientIp(req));
      res.status(204).end();
    },
  }),
];
