import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider 8 ships no type declarations; the little used here is typed locally.
// @ts-expect-error no declaration file
import Provider from 'oidc-provider';

/** Claims of a test account, keyed by the login typed at the provider's login form. */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  groups?: string[];
  name?: string;
}

/** Rewrites the claims of the next ID tokens (re-signed with the provider's key, or a foreign one). */
export type IdTokenTamper = (claims: Record<string, unknown>) => {
  claims: Record<string, unknown>;
  forge?: boolean;
};

export interface TestOpenIdProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Set to alter the ID tokens the token endpoint returns; undefined leaves them alone. */
  tamper: IdTokenTamper | undefined;
  close(): Promise<void>;
}

interface KoaContext {
  path: string;
  method: string;
  body: unknown;
  oidc: {
    client: { clientId: string };
    session: { accountId: string };
    provider: { Grant: new (init: object) => Grant };
  };
}
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

const SCOPES = 'openid email profile groups';

function signJwt(claims: Record<string, unknown>, key: crypto.KeyObject, kid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function tampered(idToken: string, tamper: IdTokenTamper, key: crypto.KeyObject, kid: string): string {
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  const result = tamper(claims);
  const signer = result.forge ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : key;
  return signJwt(result.claims, signer, kid);
}

/**
 * A real OpenID Provider (oidc-provider) on loopback with one confidential test client. Its
 * development login form accepts any login and password; the login becomes the `sub`, and
 * `accounts` gives it an email, `email_verified` and groups (default: `<login>@example.test`,
 * verified). Consent is pre-granted, so a login goes straight back to the client.
 */
export async function startTestOpenIdProvider(options: {
  redirectUris: string[];
  clientId?: string;
}): Promise<TestOpenIdProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-op-key';
  const accounts = new Map<string, TestAccount>();
  const clientId = options.clientId ?? 'wirefleet-test';
  const clientSecret = crypto.randomBytes(24).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    conformIdTokenClaims: false,
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    pkce: { required: () => true, methods: ['S256'] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.test`, email_verified: true, ...accounts.get(id) }),
    }),
    async loadExistingGrant(ctx: KoaContext) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(SCOPES);
      grant.addOIDCClaims(['email', 'email_verified', 'groups', 'name']);
      await grant.save();
      return grant;
    },
  });
  const op: TestOpenIdProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: undefined,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  provider.use(async (ctx: KoaContext, next: () => Promise<void>) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && op.tamper && body?.id_token)
      ctx.body = { ...body, id_token: tampered(body.id_token, op.tamper, privateKey, kid) };
  });
  server.on('request', provider.callback());
  return op;
}

/** A tiny cookie jar: enough for the provider's interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Plays the browser at the provider without a browser: follows the authorization URL, fills the
 * login form as `login`, and returns the redirect to the client's callback (code and state).
 */
export async function loginAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(response);
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (!next.href.startsWith(new URL(authorizationUrl).origin)) return next;
      url = next.href;
      continue;
    }
    const html = await response.text();
    const action = html.match(/action="([^"]+)"/)?.[1];
    if (!action)
      throw new Error(`the provider answered ${response.status} without a form: ${html.slice(0, 300)}`);
    const form = new URLSearchParams({ prompt: 'login', login, password: 'any password' });
    const posted = await fetch(new URL(action, url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    jar.take(posted);
    url = new URL(posted.headers.get('location')!, url).href;
  }
  throw new Error('the provider did not send the browser back');
}
