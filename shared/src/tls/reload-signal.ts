import type { Logger } from '../logging/index.js';

/**
 * Reloads the TLS certificate on SIGHUP, the signal operators and certbot/acme.sh deploy hooks
 * already send to reload a daemon. A reload that fails keeps the previous certificate and says
 * why: an expired-but-serving certificate is better than no listener.
 */
export function reloadTlsOnSignal(reload: () => Promise<unknown> | unknown, logger: Logger): () => void {
  const onSignal = () => {
    Promise.resolve()
      .then(reload)
      .then((summary) => logger.info({ certificate: summary }, 'TLS certificate reloaded'))
      .catch((error: unknown) =>
        logger.error({ err: error }, 'TLS certificate reload failed; still serving the previous one'),
      );
  };
  process.on('SIGHUP', onSignal);
  return () => process.off('SIGHUP', onSignal);
}
