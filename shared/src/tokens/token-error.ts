/** Why a token was refused. Stable strings: they label metrics and auth-failure logs. */
export type TokenFailure =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'forbidden_header'
  | 'wrong_typ'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'lifetime_too_long'
  | 'keys_unavailable';

export class TokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string = reason,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}
