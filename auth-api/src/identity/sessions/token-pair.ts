export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** The login/refresh answer: a fresh access token beside the session's newest refresh token. */
export function tokenPair(
  access: { token: string; expiresIn: number },
  refresh: { refreshToken: string; refreshExpiresIn: number },
): TokenPair {
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    refresh_token: refresh.refreshToken,
    refresh_expires_in: refresh.refreshExpiresIn,
  };
}
