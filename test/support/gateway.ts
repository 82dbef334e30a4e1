import { type GatewayOverrides, loadGatewayConfig, type RunningGateway, startGateway } from '@wirefleet/gateway-service';
import { createLogger } from '@wirefleet/shared/logging';

export interface TestGatewayOptions {
  /** The auth-api whose JWKS the gateway trusts. */
  authUrl: string;
  issuer: string;
  redisUrl?: string;
  redisPrefix?: string;
  env?: Record<string, string>;
  overrides?: GatewayOverrides;
}

/** A real gateway instance on port 0 for integration tests. */
export async function startTestGateway(options: TestGatewayOptions): Promise<RunningGateway> {
  const config = loadGatewayConfig({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    AUTH_JWKS_URL: `${options.authUrl}/.well-known/jwks.json`,
    AUTH_ISSUER: options.issuer,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: options.redisPrefix ?? 'wft:' } : {}),
    ALLOWED_ORIGINS: 'https://dashboard.wirefleet.test',
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  return startGateway(config, { logger: createLogger({ service: 'gateway', level: 'warn' }), ...options.overrides });
}
