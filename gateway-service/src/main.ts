import { reportStartupFailure } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import { reloadTlsOnSignal } from '@wirefleet/shared/tls';
import { type GatewayConfig, loadGatewayConfig } from './config.js';
import { startGateway } from './start.js';

/**
 * `npm start -w gateway-service`: read config, start, drain on SIGTERM/SIGINT. A failed start
 * is one log line naming what to change, and a non-zero exit (2: bad configuration).
 */
let config: GatewayConfig | undefined;
const rootLogger = () => createLogger({ service: 'gateway', level: config?.logLevel ?? 'info' });
try {
  config = loadGatewayConfig();
  const logger = rootLogger();
  const running = await startGateway(config, { logger });
  if (running.reloadTls) reloadTlsOnSignal(running.reloadTls, logger);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  // Anything still open (a Redis client retrying, a timer) must not keep a failed start alive.
  process.exit(reportStartupFailure(rootLogger(), error));
}
