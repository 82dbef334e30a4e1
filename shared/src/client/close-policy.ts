import {
  CloseCode,
  type CloseCodeMeaning,
  type CloseCodeValue,
  closeCodeMeanings,
} from '../protocol/close-codes.js';

/** What the client does after the gateway (or the network) closed the connection. */
export interface CloseDecision {
  /** Stop for good: retrying as-is cannot help (4003 forbidden, 4010 replaced). */
  terminal: boolean;
  /** Ask the token provider with `forceRefresh` before reconnecting (4001). */
  refreshFirst: boolean;
  /** Start the back-off over from its initial delay. */
  resetBackoff: boolean;
}

/**
 * Decides from the close code and how long the connection had been welcomed (undefined: never).
 * Codes the gateway does not define (1006 network drop, 1011, …) reconnect with back-off.
 * A connection that lasted `resetAfterMs` starts the back-off over, except after a rate limit
 * (4008), which must keep growing; a planned restart (1001) of an accepted connection is not
 * instability either, so it reconnects promptly.
 */
export function decideAfterClose(
  code: number,
  welcomedForMs: number | undefined,
  resetAfterMs: number,
): CloseDecision {
  const meaning: CloseCodeMeaning | undefined = Object.hasOwn(closeCodeMeanings, code)
    ? closeCodeMeanings[code as CloseCodeValue]
    : undefined;
  const terminal = meaning !== undefined && !meaning.reconnect;
  const lasted = welcomedForMs !== undefined && welcomedForMs >= resetAfterMs;
  const plannedRestart = code === CloseCode.GOING_AWAY && welcomedForMs !== undefined;
  return {
    terminal,
    refreshFirst: meaning?.refreshFirst ?? false,
    resetBackoff: !terminal && code !== CloseCode.RATE_LIMITED && (lasted || plannedRestart),
  };
}
