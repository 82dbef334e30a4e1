import fs from 'node:fs';
import { ConfigError, envField } from '@wirefleet/shared/config';
import { USER_ROLES } from '@wirefleet/shared/schemas';
import type { UserRole } from '@wirefleet/shared/tokens';
import { z } from 'zod';

/** A provider id: part of the routes (`/v1/auth/oidc/<id>/…`) and of its secret's variable name. */
const providerId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'expected lowercase letters, digits and -');
const role = z.enum(USER_ROLES);

/** Hosts where a plain-http issuer is accepted (tests, a provider on the same machine). */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One entry of `OIDC_PROVIDERS`. Secrets never appear here (see `readClientSecret`). */
const providerEntry = z
  .object({
    id: providerId,
    name: z.string().min(1).max(64),
    issuer: z.url({ protocol: /^https?$/ }),
    client_id: z.string().min(1),
    /** File holding the client secret; else `OIDC_<ID>_CLIENT_SECRET`; neither = public client. */
    client_secret_file: z.string().min(1).optional(),
    redirect_url: z.url({ protocol: /^https?$/ }).optional(),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default(['openid', 'email', 'profile']),
    jit: z.boolean().default(false),
    default_role: role.default('viewer'),
    allowed_email_domains: z.array(z.string().min(1).toLowerCase()).default([]),
    roles_claim: z.string().min(1).optional(),
    role_map: z.record(z.string(), role).default({}),
  })
  .strict()
  .refine((p) => p.scopes.includes('openid'), { message: 'scopes must include openid', path: ['scopes'] })
  .refine((p) => p.issuer.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(p.issuer).hostname), {
    message: 'an http issuer is allowed on loopback only; use https',
    path: ['issuer'],
  });

/** `OIDC_PROVIDERS`: a JSON array of providers with distinct ids. */
const providerList = z
  .array(providerEntry)
  .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'provider ids must be distinct');

/**
 * Parses `OIDC_PROVIDERS`. Validated here rather than by `parseEnv`, whose messages quote the
 * value: a client secret pasted into the JSON by mistake must not be printed. Each problem
 * names the variable and the path in the document, never a value.
 */
export function parseOidcProviders(raw: string | undefined): OidcProviderEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    throw new ConfigError(['OIDC_PROVIDERS: expected a JSON array of providers (it is not valid JSON)']);
  }
  const result = providerList.safeParse(document);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const at = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      return `OIDC_PROVIDERS${at}: ${issue.message}`;
    }),
  );
}

export type OidcProviderEntry = z.infer<typeof providerEntry>;

/** A configured provider as the relying party uses it (loggable: no secret). */
export interface OidcProviderSettings {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  /** Where the provider sends the browser back: `<AUTH_PUBLIC_URL>/v1/auth/oidc/<id>/callback` by default. */
  redirectUrl: string;
  scopes: string[];
  /** Create unknown users on first login (off by default). */
  jit: boolean;
  defaultRole: UserRole;
  /** Empty: any domain. Else the verified email must be in one of these domains. */
  allowedEmailDomains: string[];
  /** Claim (e.g. `groups`) whose values `roleMap` turns into a role; the highest wins. */
  rolesClaim: string | undefined;
  roleMap: Record<string, UserRole>;
}

export interface OidcConfig {
  providers: OidcProviderSettings[];
  /** `admins`: only admins may log in with a password (break-glass); everyone else uses OIDC. */
  passwordLogin: 'all' | 'admins';
  /** Lifetime of a started login (state, nonce, PKCE verifier) in seconds. */
  flowTtlSeconds: number;
}

export function providerSettings(entry: OidcProviderEntry, publicUrl: string): OidcProviderSettings {
  return {
    id: entry.id,
    name: entry.name,
    issuer: entry.issuer,
    clientId: entry.client_id,
    redirectUrl: entry.redirect_url ?? `${publicUrl}/v1/auth/oidc/${entry.id}/callback`,
    scopes: entry.scopes,
    jit: entry.jit,
    defaultRole: entry.default_role,
    allowedEmailDomains: entry.allowed_email_domains,
    rolesClaim: entry.roles_claim,
    roleMap: entry.role_map,
  };
}

/** The environment variable holding a provider's client secret. */
export function clientSecretVariable(id: string): string {
  return `OIDC_${id.toUpperCase().replaceAll('-', '_')}_CLIENT_SECRET`;
}

/**
 * A provider's client secret, from its `client_secret_file` or `OIDC_<ID>_CLIENT_SECRET`;
 * undefined for a public client (PKCE only). Kept in AuthApiSecrets, never in the config.
 */
export function readClientSecret(
  entry: OidcProviderEntry,
  env: Record<string, string | undefined>,
): string | undefined {
  if (entry.client_secret_file) {
    try {
      return fs.readFileSync(entry.client_secret_file, 'utf8').trim();
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError([
        `OIDC_PROVIDERS: client_secret_file of provider ${entry.id} cannot be read (${reason})`,
      ]);
    }
  }
  const value = env[clientSecretVariable(entry.id)];
  return value === undefined || value === '' ? undefined : value;
}

/** The OIDC variables of the auth-api's environment schema (spread into `config.ts`). */
export const oidcEnvFields = {
  OIDC_PROVIDERS: z
    .string()
    .optional()
    .describe(
      'OpenID Connect providers for single sign-on, a JSON array of {id, name, issuer, client_id, client_secret_file?, redirect_url?, scopes?, jit?, default_role?, allowed_email_domains?, roles_claim?, role_map?}; the secret of provider <id> comes from client_secret_file or OIDC_<ID>_CLIENT_SECRET. docs/auth.md explains each field.',
    ),
  OIDC_FLOW_TTL_SECONDS: envField
    .positiveInt(600, 3600)
    .describe('Seconds a started single sign-on may take at the provider before its state expires.'),
  PASSWORD_LOGIN: z
    .enum(['all', 'admins'])
    .default('all')
    .describe(
      'Who may log in with a password: all users, or only admins (break-glass when everyone else signs in with OIDC).',
    ),
};

/** The OIDC settings (loggable) and the client secrets (kept apart) from the environment. */
export function oidcFromEnv(
  e: { OIDC_PROVIDERS?: string | undefined; PASSWORD_LOGIN: 'all' | 'admins'; OIDC_FLOW_TTL_SECONDS: number },
  publicUrl: string,
  env: Record<string, string | undefined>,
): { config: OidcConfig; secrets: Record<string, string> } {
  const entries = parseOidcProviders(e.OIDC_PROVIDERS);
  const secrets: Record<string, string> = {};
  for (const entry of entries) {
    const secret = readClientSecret(entry, env);
    if (secret !== undefined) secrets[entry.id] = secret;
  }
  const config: OidcConfig = {
    providers: entries.map((entry) => providerSettings(entry, publicUrl)),
    passwordLogin: e.PASSWORD_LOGIN,
    flowTtlSeconds: e.OIDC_FLOW_TTL_SECONDS,
  };
  return { config, secrets };
}
