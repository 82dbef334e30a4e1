import { z } from 'zod';
import { component, list, numericId, resource, timestamp } from './registry.js';

export const oidcProvider = component(
  'OidcProvider',
  'A single sign-on provider the login page offers: its id (part of the routes) and display name.',
  resource({ id: z.string(), name: z.string() }),
);

export const oidcProviderList = list('OidcProvider', oidcProvider);

export const oidcIdentity = component(
  'OidcIdentity',
  "A user's identity at a provider, linked by issuer and subject (never by email).",
  resource({
    id: numericId(),
    user_id: numericId(),
    provider: z.string(),
    issuer: z.string(),
    subject: z.string(),
    email: z.string().nullable(),
    created_at: timestamp(),
    last_login_at: timestamp().nullable(),
  }),
);

export const oidcIdentityList = list('OidcIdentity', oidcIdentity);
