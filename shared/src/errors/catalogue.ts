/**
 * The one catalogue of error codes Wirefleet services answer with.
 *
 * `code` is the stable, snake_case string clients branch on; `status` is the HTTP status
 * the auth-api answers with; `title` is the short human summary that goes into the RFC 9457
 * body. docs/errors.md lists the same codes, and a test keeps the two in sync.
 */
export const errorCatalogue = {
  invalid_request: { status: 400, title: 'The request is invalid' },
  invalid_policy: { status: 400, title: 'The access policy is invalid or one of its tests fails' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  invalid_token: { status: 401, title: 'The access token is invalid or expired' },
  invalid_credentials: { status: 401, title: 'Invalid username or password' },
  totp_required: { status: 401, title: 'A TOTP code is required' },
  totp_invalid: { status: 401, title: 'The TOTP code is invalid' },
  invalid_grant: { status: 401, title: 'The refresh token is invalid, expired or revoked' },
  token_reused: { status: 401, title: 'The refresh token was already used' },
  invalid_enrollment_key: { status: 401, title: 'The enrollment key is invalid, used, expired or revoked' },
  invalid_node_credentials: { status: 401, title: 'Invalid node id or node secret' },
  oidc_state_invalid: { status: 400, title: 'The single sign-on is unknown, expired or already finished' },
  oidc_login_failed: { status: 401, title: 'The identity provider did not vouch for this login' },
  oidc_code_invalid: { status: 401, title: 'The sign-on code is invalid, expired or already used' },
  oidc_email_not_allowed: { status: 403, title: 'This email address may not sign in' },
  oidc_user_unknown: { status: 403, title: 'No Wirefleet user is linked to this identity' },
  password_login_disabled: {
    status: 403,
    title: 'Password login is turned off; sign in with single sign-on',
  },
  forbidden: { status: 403, title: 'You are not allowed to do this' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'The resource conflicts with an existing one' },
  totp_already_enabled: { status: 409, title: 'TOTP is already enabled' },
  totp_not_enabled: { status: 409, title: 'TOTP is not enabled' },
  network_full: { status: 409, title: 'The network has no free tunnel addresses' },
  no_nodes_available_in_region: { status: 409, title: 'No online node is available in that region' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'The request line and headers are too large' },
  internal_error: { status: 500, title: 'Internal server error' },
  server_busy: { status: 503, title: 'The server is busy, retry later' },
  not_ready: { status: 503, title: 'A dependency is unavailable' },
  service_unavailable: { status: 503, title: 'The database is unreachable, retry later' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];
