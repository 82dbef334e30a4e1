import { WirefleetError } from '@wirefleet/shared/errors';
import type { Logger } from '@wirefleet/shared/logging';
import type { AuditLog } from '../../platform/audit/index.js';
import type { LoginGuard } from '../../platform/rate-limits/index.js';
import { type SessionStore, type TokenPair, tokenPair } from '../sessions/index.js';
import type { AccessTokenIssuer } from '../tokens/index.js';
import type { UserStore } from '../users/user-store.js';
import { type AccountResolver, OidcRefusal } from './account-resolver.js';
import { OidcFlowStore } from './flow-store.js';
import type { OidcProviderSettings } from './oidc-settings.js';
import { RelyingPartyError, type RelyingParty } from './relying-party.js';

export interface OidcServiceDeps {
  providers: ReadonlyMap<string, RelyingParty>;
  flows: OidcFlowStore;
  accounts: AccountResolver;
  users: UserStore;
  sessions: SessionStore;
  tokens: AccessTokenIssuer;
  guard: LoginGuard;
  audit: AuditLog;
  logger: Logger;
}

/** The parts of a callback request the flow reads (the rest of the URL goes to openid-client). */
export interface CallbackInput {
  provider: string;
  /** The callback URL as the provider sent the browser to it (redirect URL + query). */
  url: URL;
  state: string | undefined;
  error: string | undefined;
  ip: string;
}

type CallbackCode =
  | 'oidc_state_invalid'
  | 'oidc_login_failed'
  | 'oidc_email_not_allowed'
  | 'oidc_user_unknown';

/**
 * Single sign-on, start to session. `start` remembers state, nonce and PKCE verifier in
 * Postgres and sends the browser to the provider; `callback` claims that flow once, lets
 * openid-client exchange the code and verify the ID token, maps the identity to a user, and
 * sends the browser back to the dashboard with a one-time code in the URL fragment (never
 * sent to a server, so never in an access log). `exchange` turns that code into an ordinary
 * session: the same refresh family, tokens and audit events as a password login.
 */
export class OidcService {
  constructor(private readonly deps: OidcServiceDeps) {}

  /** The providers the login page offers. */
  list(): Array<{ id: string; name: string }> {
    return [...this.deps.providers.values()].map(({ settings }) => ({
      id: settings.id,
      name: settings.name,
    }));
  }

  /** A configured provider's settings; 404 `not_found` for an unknown id. */
  settingsOf(id: string): OidcProviderSettings {
    return this.provider(id).settings;
  }

  private provider(id: string): RelyingParty {
    const found = this.deps.providers.get(id);
    if (!found) throw new WirefleetError('not_found', { detail: 'no such sign-on provider' });
    return found;
  }

  /** The provider's authorization URL for a new flow that returns to `returnTo`. */
  async start(providerId: string, returnTo: string, ip: string): Promise<URL> {
    const rp = this.provider(providerId);
    // Each start writes a row: an anonymous flood is held to the per-address refresh budget.
    await this.deps.guard.beforeRefresh(ip);
    const state = OidcFlowStore.newState();
    const started = await rp.start(state).catch((error: unknown) => {
      if (error instanceof RelyingPartyError)
        throw new WirefleetError('not_ready', {
          detail: 'the sign-on provider cannot be reached',
          cause: error,
        });
      throw error;
    });
    await this.deps.flows.begin(state, { provider: providerId, returnTo, ...started });
    return started.url;
  }

  /** Where to send the browser after the provider's callback: the dashboard, with a code or an error code. */
  async callback(input: CallbackInput): Promise<string> {
    const rp = this.provider(input.provider);
    const flow = input.state ? await this.deps.flows.claim(input.state, input.provider) : undefined;
    if (!flow)
      return this.refuse(input, '/', 'oidc_state_invalid', input.state ? 'state_unknown' : 'state_missing');
    if (input.error) return this.refuse(input, flow.returnTo, 'oidc_login_failed', `provider_${input.error}`);
    try {
      const login = await rp.finish(input.url, { state: input.state!, ...flow });
      const user = await this.deps.accounts.resolve(rp.settings, login, input.ip);
      const code = await this.deps.flows.handOff({
        userId: user.id,
        provider: input.provider,
        subject: login.subject,
      });
      return `${flow.returnTo}#oidc_code=${encodeURIComponent(code)}`;
    } catch (error) {
      if (error instanceof RelyingPartyError)
        return this.refuse(input, flow.returnTo, 'oidc_login_failed', error.reason, error);
      if (error instanceof OidcRefusal)
        return this.refuse(input, flow.returnTo, error.code as CallbackCode, error.reason);
      throw error;
    }
  }

  private async refuse(
    input: CallbackInput,
    returnTo: string,
    code: CallbackCode,
    reason: string,
    cause?: unknown,
  ): Promise<string> {
    // The message only: openid-client's errors carry the provider's response and the ID token's claims.
    const why = cause instanceof Error ? cause.message : undefined;
    this.deps.logger.info({ provider: input.provider, code, reason, why }, 'single sign-on refused');
    await this.deps.audit.record({
      type: 'auth.login_failed',
      ip: input.ip,
      data: { method: 'oidc', provider: input.provider, reason: code, detail: reason },
    });
    return `${returnTo}#oidc_error=${code}`;
  }

  /** The session a one-time code from `callback` stands for, started now. */
  async exchange(code: string, meta: { ip: string; userAgent?: string | undefined }): Promise<TokenPair> {
    await this.deps.guard.beforeRefresh(meta.ip);
    const handoff = await this.deps.flows.redeem(code);
    const user = handoff ? await this.deps.users.findById(handoff.userId) : undefined;
    if (!handoff || !user || user.disabled) throw new WirefleetError('oidc_code_invalid');
    const refresh = await this.deps.sessions.create(user.id, meta);
    const access = this.deps.tokens.issue({ sub: `user:${user.id}`, role: user.role, sid: refresh.sid });
    await this.deps.users.update(user.id, { last_login_at: new Date() });
    await this.deps.audit.record({
      type: 'auth.login',
      actor: `user:${user.id}`,
      subject: `user:${user.id}`,
      ip: meta.ip,
      data: { method: 'oidc', provider: handoff.provider, sid: refresh.sid },
    });
    return tokenPair(access, refresh);
  }
}
