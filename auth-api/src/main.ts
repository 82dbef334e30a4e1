import cluster from 'node:cluster';
import { ConfigError } from '@wirefleet/shared/config';
import { loadAuthApiConfig } from './config.js';
import { Keyring } from './identity/keys/index.js';
import { startAuthApi } from './start.js';

/**
 * `npm start -w auth-api`: read config, start, stop cleanly on SIGTERM/SIGINT.
 * With AUTH_API_WORKERS > 1 (and a real DATABASE_URL) the process forks that many workers
 * sharing the port, so one host uses more than one core; every worker is a full instance.
 */
try {
  const { config, secrets } = loadAuthApiConfig();
  if (cluster.isPrimary && config.workers > 1) {
    if (!config.databaseUrl) throw new ConfigError(['AUTH_API_WORKERS: more than 1 needs DATABASE_URL (PGlite is single-process)']);
    // Create the keyring once, before the workers race to create it on an empty folder.
    Keyring.open(config.keysDir);
    for (let i = 0; i < config.workers; i += 1) cluster.fork();
    const stop = () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    cluster.on('exit', (worker, code) => {
      if (code !== 0) process.stderr.write(`auth-api: worker ${worker.process.pid} exited with ${code}\n`);
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code ?? 0);
    });
  } else {
    const api = await startAuthApi(config, secrets);
    if (api.bootstrapAdmin?.generatedPassword) {
      // Printed once, to the terminal only: this is not a log line and is never stored.
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
  if (error instanceof ConfigError) {
    process.stderr.write(`auth-api: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
