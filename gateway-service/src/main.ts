import { ConfigError } from '@wirefleet/shared/config';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './start.js';
import { UwsFallbackError } from './uws/load-uws.js';

/** `npm start -w gateway-service`: read config, start, drain on SIGTERM/SIGINT. */
try {
  const running = await startGateway(loadGatewayConfig());
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
  if (error instanceof ConfigError || error instanceof UwsFallbackError) {
    process.stderr.write(`gateway: ${error.message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  throw error;
}
