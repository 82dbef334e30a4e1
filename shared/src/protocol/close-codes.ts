/**
 * WebSocket close codes the gateway uses, with what a client should do about each.
 * `reconnect: false` means retrying as-is cannot help (the client must change something
 * first, or stop); `refreshFirst` means get a new access token before reconnecting.
 */
export const CloseCode = {
  /** Server shutting down or restarting; reconnect (to another instance) promptly. */
  GOING_AWAY: 1001,
  /** The server could not set the connection up (e.g. Redis unreachable while joining its own room). Reconnect after a back-off. */
  INTERNAL_ERROR: 1011,
  /** Protocol violation: binary, oversized or repeatedly malformed frames. A client bug. */
  PROTOCOL_VIOLATION: 4000,
  /** The access token expired without a `refresh`, or its session was revoked (logout). */
  TOKEN_EXPIRED: 4001,
  /** Forbidden, e.g. the node was deleted. Terminal. */
  FORBIDDEN: 4003,
  /** Too many frames too fast. Reconnect after a back-off. */
  RATE_LIMITED: 4008,
  /** The client read too slowly and its outgoing buffer hit the limit. Reconnect with `since`. */
  SLOW_CONSUMER: 4009,
  /** A newer connection of the same node replaced this one. Terminal for this connection. */
  REPLACED: 4010,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

export interface CloseCodeMeaning {
  name: string;
  reconnect: boolean;
  refreshFirst: boolean;
}

export const closeCodeMeanings: Record<CloseCodeValue, CloseCodeMeaning> = {
  [CloseCode.GOING_AWAY]: { name: 'going_away', reconnect: true, refreshFirst: false },
  [CloseCode.INTERNAL_ERROR]: { name: 'internal_error', reconnect: true, refreshFirst: false },
  [CloseCode.PROTOCOL_VIOLATION]: { name: 'protocol_violation', reconnect: true, refreshFirst: false },
  [CloseCode.TOKEN_EXPIRED]: { name: 'token_expired', reconnect: true, refreshFirst: true },
  [CloseCode.FORBIDDEN]: { name: 'forbidden', reconnect: false, refreshFirst: false },
  [CloseCode.RATE_LIMITED]: { name: 'rate_limited', reconnect: true, refreshFirst: false },
  [CloseCode.SLOW_CONSUMER]: { name: 'slow_consumer', reconnect: true, refreshFirst: false },
  [CloseCode.REPLACED]: { name: 'replaced', reconnect: false, refreshFirst: false },
};
