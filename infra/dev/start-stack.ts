import { EnrollmentKeyStore, loadAuthApiConfig, startAuthApi } from '@wirefleet/auth-api';
import { loadGatewayConfig, startGateway } from '@wirefleet/gateway-service';
import { InProcessBus } from '@wirefleet/shared/bus';
import { InMemoryRevocationStore } from '@wirefleet/shared/revocations';
import { ConfigError, StartupError } from '@wirefleet/shared/config';
import { InProcessIngest } from '@wirefleet/shared/ingest';
import { subsystemLogger } from '@wirefleet/shared/logging';
import { reloadTlsOnSignal } from '@wirefleet/shared/tls';
import { dashboardOrigins, ensureDashboardBuilt } from './dashboard-build.js';
import { startSimulatedAgents } from './simulated-agents.js';

/**
 * `npm start`: the whole stack in one process on embedded defaults. Without DATABASE_URL
 * the auth-api runs on PGlite under ./.data; without REDIS_URL the services share one
 * in-process bus. Later components (gateway, simulated agents) join here as they land.
 */
async function main(): Promise<void> {
  const { config, secrets } = loadAuthApiConfig();
  // Built while the database starts; awaited before the URL is printed.
  const dashboard = process.env.DASHBOARD_DIR
    ? Promise.resolve()
    : ensureDashboardBuilt(config.dashboardDir, (line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
        process.stderr.write(`wirefleet: the dashboard could not be built, the API runs without it: ${String(error)}\n`);
      });
  const bus = config.redisUrl ? undefined : new InProcessBus();
  // Without Redis, node telemetry flows from the gateway to the auth-api through memory.
  const ingest = config.redisUrl ? undefined : new InProcessIngest();
  // ...and revocations: the gateway loads what the auth-api recorded, as it would from Redis.
  const revocations = config.redisUrl ? undefined : new InMemoryRevocationStore();
  // The first admin is created last (below), so a start that fails never hides its password.
  const api = await startAuthApi(config, secrets, {
    deferBootstrapAdmin: true,
    ...(bus && ingest && revocations ? { bus, ingest, revocations } : {}),
  });
  // The gateway trusts the auth-api's keys directly (same process) and shares its bus.
  // The dashboard is served by the auth-api, so its origin must be allowed to open sockets.
  const gatewayConfig = loadGatewayConfig({
    AUTH_ISSUER: config.publicUrl,
    ...process.env,
    ALLOWED_ORIGINS: [process.env.ALLOWED_ORIGINS, ...dashboardOrigins(config.publicUrl)].filter(Boolean).join(','),
  });
  const gateway = await startGateway(gatewayConfig, {
    keySet: api.context.keyring,
    ...(bus && ingest && revocations ? { bus, ingest, revocations } : {}),
  });

  const simulated = Number(process.env.SIMULATED_AGENTS ?? '2');
  const sims = await startSimulatedAgents({
    count: Number.isInteger(simulated) && simulated >= 0 ? simulated : 2,
    dataDir: config.dataDir,
    apiUrl: api.url,
    gatewayUrl: gateway.url,
    keys: new EnrollmentKeyStore(api.context.db),
    logger: subsystemLogger(api.context.logger, 'simulated-agents'),
  });

  await dashboard;
  const bootstrapAdmin = await api.createBootstrapAdmin();
  const lines = [
    '',
    'Wirefleet is running.',
    `  dashboard  ${config.publicUrl}/   (API reference: ${config.publicUrl}/docs)`,
    `  auth-api   ${api.url}   (JWKS: ${api.url}/.well-known/jwks.json, health: ${api.url}/readyz)`,
    `  gateway    ${gateway.url}   (WebSocket; token in Sec-WebSocket-Protocol: bearer, <jwt>)`,
    `  database   ${config.databaseUrl ? 'DATABASE_URL' : `embedded PGlite in ${config.dataDir}/pglite`}`,
    `  bus        ${config.redisUrl ? 'Redis (REDIS_URL)' : 'in-process (single-process mode)'}`,
    `  agents     ${simulated} simulated node agent(s) (SIMULATED_AGENTS; state in ${config.dataDir}/sim-agents)`,
  ];
  if (bootstrapAdmin?.generatedPassword) {
    lines.push(
      '',
      `  First start: admin user "${bootstrapAdmin.username}", password ${bootstrapAdmin.generatedPassword}`,
      '  It is shown only now. (Lost it? Stop the stack and run: npm run admin -- reset-password --username admin)',
    );
  } else {
    lines.push('', `  Log in as the admin you created on first start (user "${config.bootstrapAdminUsername}").`);
  }
  lines.push(
    '',
    `  Try: curl -s ${api.url}/v1/auth/login -H 'content-type: application/json' -d '{"username":"admin","password":"…"}'`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping…\n');
    await sims.stop();
    await gateway.close();
    await api.close();
    await bus?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (api.reloadTls) reloadTlsOnSignal(api.reloadTls, api.context.logger);
  if (gateway.reloadTls) reloadTlsOnSignal(gateway.reloadTls, api.context.logger.child({ service: 'gateway' }));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`wirefleet: ${error.message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  process.stderr.write(`wirefleet: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
