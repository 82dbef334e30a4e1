import { ApiError } from '../api/api-error.js';
import type { HttpClient } from '../api/http-client.js';
import type { TokenPair, User } from '../api/resources.js';
import { Store } from '../app/store.js';
import { type SsoProvider, ssoErrorMessage, takeSsoReturn } from './sso-return.js';

export type SessionState =
  | { kind: 'restoring' }
  | { kind: 'signed-out'; reason?: string }
  | { kind: 'signed-in'; user: User };

export type SignInResult = 'signed-in' | 'totp_required';

/** Where the refresh token waits across a reload: this tab only, gone when it closes. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionOptions {
  http: HttpClient;
  storage: TokenStorage;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Called when a token pair arrives for a signed-out or restoring session (before the profile is read). */
  onAuthenticated?: () => void;
}

const REFRESH_KEY = 'wirefleet.refresh_token';
const ACCESS_KEY = 'wirefleet.access_token';
/** A stored access token with less life left than this is refreshed instead of reused. */
const RESUME_MIN_MS = 90_000;
/** Refresh this long before the access token expires (or at 80 % of a shorter lifetime). */
const REFRESH_MARGIN_MS = 60_000;
/** After a refresh that failed for want of a network, try again this soon. */
const RETRY_MS = 10_000;

interface Tokens {
  access: string;
  expiresAt: number;
  refresh: string;
}

/**
 * The signed-in user and their tokens, in memory and in sessionStorage (this tab only, gone when
 * it closes), so a reload keeps the session. Refreshes are single-flight (the API
 * spends a refresh token on use, and a second use ends the session) and happen before expiry.
 */
export class Session {
  readonly state = new Store<SessionState>({ kind: 'restoring' });
  private tokens: Tokens | undefined;
  private refreshing: Promise<string> | undefined;
  private timer: unknown;
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer =
      options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  get user(): User | undefined {
    const state = this.state.get();
    return state.kind === 'signed-in' ? state.user : undefined;
  }

  /** Resumes the tab's session from its stored refresh token, or settles on signed out. */
  async restore(): Promise<void> {
    const sso = takeSsoReturn();
    if (sso) return this.finishSso(sso.kind === 'code' ? sso.code : undefined, sso.code);
    const refresh = this.options.storage.getItem(REFRESH_KEY);
    if (!refresh) {
      this.state.set({ kind: 'signed-out' });
      return;
    }
    try {
      if (!this.resumeAccessToken(refresh)) await this.refresh();
      await this.loadUser();
    } catch {
      this.end();
    }
  }

  /**
   * A reload within the access token's life reuses it (a refresh costs a round trip and a
   * database write); it is kept next to the refresh token, which can do more than it anyway.
   */
  private resumeAccessToken(refresh: string): boolean {
    const stored = this.options.storage.getItem(ACCESS_KEY);
    const [access, expires] = stored ? stored.split(' ') : [];
    const expiresAt = Number(expires);
    if (!access || !Number.isFinite(expiresAt) || expiresAt - this.now() < RESUME_MIN_MS) return false;
    this.tokens = { access, expiresAt, refresh };
    this.schedule(Math.max(1_000, expiresAt - this.now() - REFRESH_MARGIN_MS));
    this.options.onAuthenticated?.();
    return true;
  }

  /** `totp_required`: ask for the code and call again with it. Other refusals throw ApiError. */
  async signIn(username: string, password: string, totpCode?: string): Promise<SignInResult> {
    const body = totpCode ? { username, password, totp_code: totpCode } : { username, password };
    try {
      this.accept(await this.options.http.post<TokenPair>('/v1/auth/login', body, { authenticated: false }));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'totp_required') return 'totp_required';
      throw error;
    }
    await this.loadUser();
    return 'signed-in';
  }

  /** Ends a single sign-on: exchanges the callback's one-time code for a session, or says why not. */
  private async finishSso(code: string | undefined, error: string): Promise<void> {
    if (code === undefined) return this.end(ssoErrorMessage(error));
    try {
      const body = { code };
      this.accept(
        await this.options.http.post<TokenPair>('/v1/auth/oidc/exchange', body, { authenticated: false }),
      );
      await this.loadUser();
    } catch (failure) {
      this.end(ssoErrorMessage(failure instanceof ApiError ? failure.code : 'oidc_code_invalid'));
    }
  }

  /** The single sign-on providers to offer (none when the API has none or cannot say). */
  async ssoProviders(): Promise<SsoProvider[]> {
    try {
      const list = await this.options.http.request<{ items: SsoProvider[] }>(
        'GET',
        '/v1/auth/oidc/providers',
        {
          authenticated: false,
        },
      );
      return list.items;
    } catch {
      return [];
    }
  }

  /** A token valid for at least a few seconds more; refreshes first when it is not. */
  async accessToken(): Promise<string | undefined> {
    if (this.refreshing) return this.refreshing;
    if (!this.tokens) return undefined;
    if (this.tokens.expiresAt - this.now() < 5_000) return this.refresh();
    return this.tokens.access;
  }

  /** A new token pair from the refresh token; concurrent callers share one request. */
  refresh(): Promise<string> {
    this.refreshing ??= this.exchangeRefreshToken().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Called by the HTTP client after a 401: true when a new token is ready to retry with. */
  async renewAfterRefusal(): Promise<boolean> {
    if (!this.tokens) return false;
    try {
      await this.refresh();
      return true;
    } catch {
      this.end('Your session has ended. Sign in again.');
      return false;
    }
  }

  /** Revokes the session at the API (which also closes its sockets) and forgets it here. */
  async signOut(): Promise<void> {
    const refresh = this.tokens?.refresh;
    try {
      if (this.tokens)
        await this.options.http.post('/v1/auth/logout', refresh ? { refresh_token: refresh } : {});
    } finally {
      this.end();
    }
  }

  private async exchangeRefreshToken(): Promise<string> {
    const refresh = this.tokens?.refresh ?? this.options.storage.getItem(REFRESH_KEY);
    if (!refresh) throw new ApiError(401, 'invalid_grant', 'no refresh token');
    try {
      const pair = await this.options.http.post<TokenPair>(
        '/v1/auth/refresh',
        { refresh_token: refresh },
        { authenticated: false },
      );
      this.accept(pair);
      return pair.access_token;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.end('Your session has ended. Sign in again.');
      } else if (this.tokens) {
        this.schedule(RETRY_MS);
      }
      throw error;
    }
  }

  private accept(pair: TokenPair): void {
    const first = this.tokens === undefined;
    const lifetimeMs = pair.expires_in * 1000;
    this.tokens = {
      access: pair.access_token,
      expiresAt: this.now() + lifetimeMs,
      refresh: pair.refresh_token,
    };
    this.options.storage.setItem(REFRESH_KEY, pair.refresh_token);
    this.options.storage.setItem(ACCESS_KEY, `${pair.access_token} ${this.tokens.expiresAt}`);
    this.schedule(Math.max(1_000, Math.min(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs * 0.8)));
    if (first) this.options.onAuthenticated?.();
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.refresh().catch(() => undefined);
    }, ms);
  }

  private async loadUser(): Promise<void> {
    const user = await this.options.http.get<User>('/v1/auth/me');
    this.state.set({ kind: 'signed-in', user });
  }

  private end(reason?: string): void {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    this.tokens = undefined;
    this.options.storage.removeItem(REFRESH_KEY);
    this.options.storage.removeItem(ACCESS_KEY);
    this.state.set(reason ? { kind: 'signed-out', reason } : { kind: 'signed-out' });
  }
}
