import { USER_ROLES } from '@wirefleet/shared/schemas';
import { ALLOWED_ALGORITHMS } from '@wirefleet/shared/tokens';
import { z } from 'zod';
import { component, count, numericId, page, resource, timestamp } from './registry.js';

export const tokenPair = component(
  'TokenPair',
  'A new access token and refresh token. The refresh token is single-use: refreshing spends it.',
  resource({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: count(),
    refresh_token: z.string(),
    refresh_expires_in: count(),
  }),
);

export const nodeToken = component(
  'NodeToken',
  'An access token for a node (`sub: node:<id>`, `role: node`).',
  resource({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: count() }),
);

export const totpSetup = component(
  'TotpSetup',
  'A pending TOTP secret; it takes effect once /v1/auth/totp/enable accepts a code for it.',
  resource({ secret: z.string(), otpauth_uri: z.string() }),
);

export const jwks = component(
  'Jwks',
  'The public keys that sign access tokens and node configs; verifiers pick one by `kid`.',
  resource({
    keys: z.array(
      resource({
        kty: z.enum(['EC', 'OKP']),
        crv: z.enum(['P-256', 'Ed25519']),
        x: z.string(),
        y: z.string().optional(),
        kid: z.string(),
        alg: z.enum(ALLOWED_ALGORITHMS),
        use: z.literal('sig'),
      }),
    ),
  }),
);

export const user = component(
  'User',
  'A user, without any secret.',
  resource({
    id: numericId(),
    username: z.string(),
    role: z.enum(USER_ROLES),
    totp_enabled: z.boolean(),
    disabled: z.boolean(),
    created_at: timestamp(),
    updated_at: timestamp(),
    last_login_at: timestamp().nullable(),
  }),
);
export const userPage = page('User', user);

export const auditEvent = component(
  'AuditEvent',
  'One audit record; `data` is context only and never holds a secret.',
  resource({
    id: numericId(),
    at: timestamp(),
    type: z.string(),
    actor: z.string().nullable(),
    subject: z.string().nullable(),
    ip: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  }),
);
export const auditEventPage = page('AuditEvent', auditEvent);

export const health = component('Health', 'The process is alive.', resource({ status: z.literal('ok') }));

export const readiness = component(
  'Readiness',
  'Every dependency answered.',
  resource({ status: z.literal('ready'), checks: z.record(z.string(), z.enum(['ok', 'unavailable'])) }),
);
