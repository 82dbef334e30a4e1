/**
 * The auth-api (its sources, as `npm start` runs them) started with one StartOverrides switch the
 * bench compares: BENCH_FAST_ROUTES=off serves every request, the refresh included, through
 * Express alone. Configured from the environment like main.ts. Both sides of the comparison
 * run through this file, so they differ in nothing else.
 */
import { loadAuthApiConfig, startAuthApi } from '@wirefleet/auth-api';

const { config, secrets } = loadAuthApiConfig();
const api = await startAuthApi(config, secrets, { fastRoutes: process.env.BENCH_FAST_ROUTES !== 'off' });
const stop = async () => {
  await api.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
