import { WirefleetError } from '@wirefleet/shared/errors';
import { idParams } from '@wirefleet/shared/schemas';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { tokenPair } from '../../openapi/responses/identity.js';
import { oidcIdentity, oidcIdentityList, oidcProviderList } from '../../openapi/responses/oidc.js';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { type RouteDefinition, routeDefiner } from '../../platform/http/routes/index.js';
import type { OidcAdmin } from './oidc-admin.js';
import type { OidcService } from './oidc-service.js';

export interface OidcRouteDeps {
  oidc: OidcService;
  admin: OidcAdmin;
}

const providerParams = z.object({ provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/) });
/** A path of this origin to return to: one leading `/`, no scheme, host, backslash or fragment. */
const returnTo = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[^\s\\#]*$/, 'expected a path of this site');
const startQuery = z.strictObject({ return_to: returnTo.default('/') });
// Providers add parameters of their own (`scope`, `authuser`, `session_state`, …): keep them.
const callbackQuery = z.looseObject({
  state: z.string().max(512).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(128).optional(),
});
const exchangeRequest = z.strictObject({ code: z.string().min(1).max(128) });
const linkRequest = z.strictObject({
  provider: providerParams.shape.provider,
  subject: z.string().min(1).max(255),
});

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** A redirect is a success of this API, though not one of the JSON statuses routes usually declare. */
const seeOther = (description: string) =>
  ({
    303: { description, headers: { Location: 'Where the browser goes next.' } },
  }) as unknown as RouteDefinition['responses'];

const route = routeDefiner<OidcRouteDeps>();

export const oidcRouteDefinitions: readonly RouteDefinition<OidcRouteDeps>[] = [
  route({
    method: 'get',
    path: '/v1/auth/oidc/providers',
    operationId: 'listOidcProviders',
    summary: 'The single sign-on providers, for the login page',
    tags: ['auth'],
    auth: 'none',
    responses: { 200: { description: 'Id and display name of each provider.', schema: oidcProviderList } },
    errors: [],
    handler({ res, deps }) {
      res.json({ items: deps.oidc.list() });
    },
  }),
  route({
    method: 'get',
    path: '/v1/auth/oidc/{provider}/start',
    operationId: 'startOidcLogin',
    summary: 'Start single sign-on: redirects to the provider',
    description:
      'Authorization code flow with PKCE (S256), `state` and `nonce`, remembered server-side for `OIDC_FLOW_TTL_SECONDS`. `return_to` is the dashboard path the callback returns to.',
    tags: ['auth'],
    auth: 'none',
    request: { params: providerParams, query: startQuery },
    responses: seeOther("To the provider's authorization endpoint."),
    errors: ['not_found', 'not_ready', 'rate_limited'],
    before: [noStore],
    async handler({ params, query, req, res, deps }) {
      const url = await deps.oidc.start(params.provider, query.return_to, clientIp(req));
      res.status(303).location(url.href).end();
    },
  }),
  route({
    method: 'get',
    path: '/v1/auth/oidc/{provider}/callback',
    operationId: 'finishOidcLogin',
    summary: "The provider's redirect back: finishes single sign-on",
    description:
      'Redirects to the dashboard path the login started from, with `#oidc_code=<one-time code>` (exchange it at `POST /v1/auth/oidc/exchange` within 60 s) or `#oidc_error=<code>` (`oidc_state_invalid`, `oidc_login_failed`, `oidc_email_not_allowed`, `oidc_user_unknown`; audited as `auth.login_failed`). A fragment never reaches a server, so neither ends up in an access log.',
    tags: ['auth'],
    auth: 'none',
    request: { params: providerParams, query: callbackQuery },
    responses: seeOther('To the dashboard, with the one-time code or the error code in the fragment.'),
    errors: ['not_found', 'not_ready'],
    before: [noStore],
    async handler({ params, query, req, res, deps }) {
      const settings = deps.oidc.settingsOf(params.provider);
      const url = new URL(settings.redirectUrl);
      url.search = new URL(req.originalUrl, 'http://callback.invalid').search;
      const location = await deps.oidc.callback({
        provider: params.provider,
        url,
        state: query.state,
        error: query.error,
        ip: clientIp(req),
      });
      res.status(303).location(location).end();
    },
  }),
  route({
    method: 'post',
    path: '/v1/auth/oidc/exchange',
    operationId: 'exchangeOidcCode',
    summary: 'Exchange the one-time code of a finished single sign-on for a token pair',
    description:
      'The code is single use and lives 60 s. The session is an ordinary one (refresh, logout, revocation).',
    tags: ['auth'],
    auth: 'none',
    request: { body: exchangeRequest },
    responses: { 200: { description: 'A new token pair.', schema: tokenPair } },
    errors: ['oidc_code_invalid', 'rate_limited'],
    before: [noStore],
    async handler({ body, req, res, deps }) {
      res.json(await deps.oidc.exchange(body.code, { ip: clientIp(req), userAgent: req.get('user-agent') }));
    },
  }),
  route({
    method: 'get',
    path: '/v1/users/{id}/oidc-identities',
    operationId: 'listUserOidcIdentities',
    summary: "A user's linked single sign-on identities",
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams },
    responses: { 200: { description: 'The linked identities.', schema: oidcIdentityList } },
    errors: ['not_found'],
    async handler({ params, res, deps }) {
      res.json({ items: await deps.admin.list(params.id) });
    },
  }),
  route({
    method: 'post',
    path: '/v1/users/{id}/oidc-identities',
    operationId: 'linkUserOidcIdentity',
    summary: 'Link an identity at a provider (its `sub`) to an existing user',
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams, body: linkRequest },
    responses: { 201: { description: 'The new link.', schema: oidcIdentity } },
    errors: ['not_found', 'conflict'],
    async handler({ params, body, req, res, deps }) {
      const linked = await deps.admin.link(params.id, body, claimsOf(req).sub, clientIp(req));
      res.status(201).json(linked);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/oidc-identities/{id}',
    operationId: 'unlinkOidcIdentity',
    summary: 'Remove a single sign-on link (sessions already started keep running until they end)',
    tags: ['users'],
    auth: 'admin',
    request: { params: idParams },
    responses: { 204: { description: 'The link is gone.' } },
    errors: ['not_found'],
    async handler({ params, req, res, deps }) {
      if (!(await deps.admin.unlink(params.id, claimsOf(req).sub, clientIp(req))))
        throw new WirefleetError('not_found');
      res.status(204).end();
    },
  }),
];
