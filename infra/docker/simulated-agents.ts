import { EnrollmentKeyStore, loadAuthApiConfig } from '@wirefleet/auth-api';
import { reportStartupFailure } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import knexFactory from 'knex';
import { startSimulatedAgents } from '../dev/simulated-agents.js';

/**
 * The `agents` profile of docker-compose.yml: `npm start`'s simulated node agents (the real agent
 * loop on the in-memory dataplane) against a deployed stack. Like `npm start`, it mints their
 * enrollment keys in the database; enrollment and everything after it go through the URLs a
 * real agent would use. Settings are the auth-api's variables, read the same way:
 * DATABASE_URL, DATA_DIR (agent state), AUTH_PUBLIC_URL and GATEWAY_PUBLIC_URL (where to connect),
 * LOG_LEVEL; SIMULATED_AGENTS (default 2) as for `npm start`.
 */
const logger = createLogger({ service: 'simulated-agents', level: process.env.LOG_LEVEL || 'info' });
try {
  const { config } = loadAuthApiConfig();
  if (!config.databaseUrl)
    throw new Error('DATABASE_URL is required: the agents get their enrollment keys from it');
  const count = Number(process.env.SIMULATED_AGENTS || '2');
  if (!Number.isInteger(count) || count < 1)
    throw new Error('SIMULATED_AGENTS: expected a whole number >= 1');
  const knex = knexFactory({ client: 'pg', connection: config.databaseUrl, pool: { min: 0, max: 2 } });
  const agents = await startSimulatedAgents({
    count,
    dataDir: config.dataDir,
    apiUrl: config.publicUrl,
    gatewayUrl: config.fleet.gatewayPublicUrl,
    keys: new EnrollmentKeyStore(knex),
    logger,
  });
  logger.info(
    { count, api: config.publicUrl, gateway: config.fleet.gatewayPublicUrl },
    'simulated agents running',
  );
  const stop = async () => {
    await agents.stop();
    await knex.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  process.exit(reportStartupFailure(logger, error));
}
