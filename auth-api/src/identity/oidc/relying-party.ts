import type { Logger } from '@wirefleet/shared/logging';
import * as client from 'openid-client';
import { LOOPBACK_HOSTS, type OidcProviderSettings } from './oidc-settings.js';

/** What a start needs to remember for its callback. */
export interface StartedLogin {
  url: URL;
  nonce: string;
  codeVerifier: string;
}

/** The verified claims of the ID token a callback ended with. */
export interface VerifiedLogin {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** Why a callback failed, for the audit log and the stable error code. */
export class RelyingPartyError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * One provider, spoken to with openid-client: discovery (once, cached; retried after a
 * failure), the authorization URL with PKCE (S256), `state` and `nonce`, and the code
 * exchange, which verifies the ID token's signature (provider JWKS), `iss`, `aud`, `exp`,
 * `iat` and `nonce`. Plain-http issuers are allowed only on loopback (tests, local dev).
 */
export class RelyingParty {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(
    readonly settings: OidcProviderSettings,
    private readonly clientSecret: string | undefined,
    private readonly logger: Logger,
  ) {}

  private discover(): Promise<client.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
      const auth = this.clientSecret ? client.ClientSecretBasic(this.clientSecret) : client.None();
      this.configuration = client
        .discovery(issuer, this.settings.clientId, undefined, auth, {
          // Verify the ID token's signature too: openid-client skips it by default for tokens
          // fetched over TLS from the token endpoint (OIDC Core 3.1.3.7), which is not enough.
          execute: insecure
            ? [client.allowInsecureRequests, client.enableNonRepudiationChecks]
            : [client.enableNonRepudiationChecks],
          timeout: 10,
        })
        .catch((error: unknown) => {
          this.configuration = undefined;
          const why = error instanceof Error ? error.message : String(error);
          this.logger.warn({ provider: this.settings.id, why }, 'OIDC discovery failed');
          throw new RelyingPartyError('discovery_failed', { cause: error });
        });
    }
    return this.configuration;
  }

  async start(state: string): Promise<StartedLogin> {
    const config = await this.discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, nonce, codeVerifier };
  }

  /** Exchanges the code in `callbackUrl` and verifies the ID token; throws RelyingPartyError. */
  async finish(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<VerifiedLogin> {
    const config = await this.discover();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new RelyingPartyError(failureReason(error), { cause: error });
    }
    const claims = tokens.claims();
    if (!claims) throw new RelyingPartyError('id_token_missing');
    return { issuer: claims.iss, subject: claims.sub, claims: { ...claims } };
  }
}

/** A short, loggable reason for a failed exchange (never a token). */
function failureReason(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `provider_${error.error}`;
  if (error instanceof client.AuthorizationResponseError) return `provider_${error.error}`;
  const messages: string[] = [];
  for (let at: unknown = error; at instanceof Error && messages.length < 5; at = at.cause)
    messages.push(at.message);
  const message = messages.join(' | ');
  if (/nonce/i.test(message)) return 'nonce_mismatch';
  if (/"exp"|expired|timestamp/i.test(message)) return 'id_token_expired';
  if (/signature|JWS|key/i.test(message)) return 'id_token_signature_invalid';
  if (/state/i.test(message)) return 'state_mismatch';
  return 'id_token_invalid';
}
