import { ConfigError } from '@wirefleet/shared/config';
import { loadAuthApiConfig } from './config.js';
import { startAuthApi } from './start.js';

/** `npm start -w auth-api`: read config, start, stop cleanly on SIGTERM/SIGINT. */
try {
  const { config, secrets } = loadAuthApiConfig();
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
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`auth-api: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
