/**
 * The compiled auth-api (the code `node auth-api/dist/main.js` runs; run.ts builds first) started
 * with one StartOverrides switch the bench compares: BENCH_FAST_ROUTES=off serves every request,
 * the refresh included, through Express alone. Configured from the environment like main.ts.
 * Both sides of the comparison run through this file, so they differ in nothing else.
 */
type AuthApi = typeof import('@wirefleet/auth-api');

// By path, not by package name: the bench's loader resolves the package to its sources.
const build = new URL('../../../auth-api/dist/index.js', import.meta.url).href;
const { loadAuthApiConfig, startAuthApi } = (await import(build)) as AuthApi;

const { config, secrets } = loadAuthApiConfig();
const api = await startAuthApi(config, secrets, { fastRoutes: process.env.BENCH_FAST_ROUTES !== 'off' });
const stop = async () => {
  await api.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
