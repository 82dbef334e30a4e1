/** A single sign-on provider the login page offers (`GET /v1/auth/oidc/providers`). */
export interface SsoProvider {
  id: string;
  name: string;
}

/** What the API's single sign-on callback put in the URL fragment. */
export type SsoReturn = { kind: 'code'; code: string } | { kind: 'error'; code: string };

const MESSAGES: Record<string, string> = {
  oidc_state_invalid: 'That sign-in took too long or was already used. Try again.',
  oidc_login_failed: 'The identity provider did not confirm your sign-in. Try again.',
  oidc_email_not_allowed: 'Your email address may not sign in to Wirefleet.',
  oidc_user_unknown: 'No Wirefleet account is linked to that identity. Ask an admin to link it.',
  oidc_code_invalid: 'That sign-in expired. Try again.',
};

/** A sentence for a single sign-on refusal code. */
export function ssoErrorMessage(code: string): string {
  return MESSAGES[code] ?? 'Single sign-on failed. Try again.';
}

/**
 * Reads `#oidc_code=…` or `#oidc_error=…` and removes it at once (`history.replaceState`), so
 * the one-time code stays neither in the address bar nor in the history; a fragment is never
 * sent to a server, so it is in no access log either.
 */
export function takeSsoReturn(
  location: Pick<Location, 'hash' | 'pathname' | 'search'> | undefined = globalThis.location,
  history: Pick<History, 'replaceState'> | undefined = globalThis.history,
): SsoReturn | undefined {
  if (!location?.hash) return undefined;
  const params = new URLSearchParams(location.hash.slice(1));
  const code = params.get('oidc_code');
  const error = params.get('oidc_error');
  if (code === null && error === null) return undefined;
  history?.replaceState(null, '', location.pathname + location.search);
  return code !== null ? { kind: 'code', code } : { kind: 'error', code: error! };
}

/** Where a provider's button leads: the API's start route, coming back to this page. */
export function ssoStartUrl(provider: SsoProvider, returnTo: string): string {
  return `/v1/auth/oidc/${encodeURIComponent(provider.id)}/start?return_to=${encodeURIComponent(returnTo)}`;
}
