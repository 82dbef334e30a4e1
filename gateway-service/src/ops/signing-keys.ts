import { connectionFailure } from '@wirefleet/shared/config';
import type { Logger } from '@wirefleet/shared/logging';
import type { KeyLoadBackoff, RemoteJwksKeySet } from '@wirefleet/shared/tokens';

export interface SigningKeyLoading {
  /** Settles after the first fetch, whether it loaded keys or not. */
  firstAttempt: Promise<void>;
  stop(): void;
}

/**
 * Loads the auth-api's token signing keys, retrying with backoff until they load. Until then
 * no token verifies (every upgrade gets 401) and `/readyz` answers 503, so the first failure
 * is logged at error with what fixes it; later attempts only at debug.
 */
export function loadSigningKeys(
  keys: RemoteJwksKeySet,
  jwksUrl: string,
  logger: Logger,
  backoff?: KeyLoadBackoff,
): SigningKeyLoading {
  let settleFirst: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => {
    settleFirst = resolve;
  });
  const stop = keys.loadUntilReady(
    {
      failed(error, attempt, retryInMs) {
        settleFirst();
        const reason = connectionFailure(error);
        if (attempt === 1) {
          logger.error(
            { jwksUrl, reason, retryInMs },
            `cannot load the token signing keys from ${jwksUrl} (${reason}) — start the auth-api or set AUTH_JWKS_URL; ` +
              'until they load every client gets 401 and /readyz answers 503; retrying with backoff',
          );
        } else {
          logger.debug({ jwksUrl, reason, attempt, retryInMs }, 'token signing keys still unavailable');
        }
      },
      loaded(keyCount, attempts) {
        settleFirst();
        logger.info({ jwksUrl, keys: keyCount, attempts }, 'token signing keys loaded');
      },
    },
    backoff,
  );
  return { firstAttempt, stop };
}
