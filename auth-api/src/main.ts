import cluster from 'node:cluster';
import { ConfigError, reportStartupFailure } from '@wirefleet/shared/config';
import { createLogger } from '@wirefleet/shared/logging';
import { reloadTlsOnSignal } from '@wirefleet/shared/tls';
import { type AuthApiConfig, loadAuthApiConfig } from './config.js';
import { Keyring } from './identity/keys/index.js';
import { startAuthApi } from './start.js';

/**
 * `npm start -w auth-api`: read config, start, stop cleanly on SIGTERM/SIGINT.
 * With AUTH_API_WORKERS > 1 (and a real DATABASE_URL) the process forks that many workers
 * sharing the port, so one host uses more than one core; every worker is a full instance.
 * A failed start is one log line naming what to change, and a non-zero exit (2: bad
 * configuration).
 */
let config: AuthApiConfig | undefined;
const rootLogger = () => createLogger({ service: 'auth-api', level: config?.logLevel ?? 'info' });
try {
  const loaded = loadAuthApiConfig();
  config = loaded.config;
  if (cluster.isPrimary && config.workers > 1) {
    if (!config.databaseUrl)
      throw new ConfigError(['AUTH_API_WORKERS: more than 1 needs DATABASE_URL (PGlite is single-process)']);
    // Create the keyring once, before the workers race to create it on an empty folder.
    Keyring.open(config.keysDir);
    superviseWorkers(config.workers);
  } else {
    const logger = rootLogger();
    const api = await startAuthApi(config, loaded.secrets, { logger });
    if (api.reloadTls) reloadTlsOnSignal(api.reloadTls, logger);
    if (api.bootstrapAdmin?.generatedPassword) {
      // Printed once, to the terminal only: this is not a log line and is never stored. The
      // admin is created only after the listener is up, so a failed start never hides it.
      process.stdout.write(
        `\nFirst start: created admin user "${api.bootstrapAdmin.username}" with password ${api.bootstrapAdmin.generatedPassword}\n` +
          'Keep it now; it is not shown again (npm run admin -- reset-password resets it).\n\n',
      );
    }
    const stop = async () => {
      await api.close();
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
} catch (error) {
  // Anything still open (a Redis client retrying, a pool) must not keep a failed start alive.
  process.exit(reportStartupFailure(rootLogger(), error));
}

function superviseWorkers(workers: number): void {
  for (let i = 0; i < workers; i += 1) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Each worker holds its own TLS context: a reload reaches them all.
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
  cluster.on('exit', (worker, code) => {
    if (code !== 0) process.stderr.write(`auth-api: worker ${worker.process.pid} exited with ${code}\n`);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code ?? 0);
  });
}
