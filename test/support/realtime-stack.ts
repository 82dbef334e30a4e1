import type { RunningGateway } from '@wirefleet/gateway-service';
import type { AccessTokenClaims } from '@wirefleet/shared/tokens';
import { login, startTestAuthApi, type TestAuthApi, TEST_ISSUER } from './auth-api.js';
import { createTokenFactory, type TokenFactory } from './forged-tokens.js';
import { startTestGateway } from './gateway.js';

export interface RealtimeStack {
  auth: TestAuthApi;
  gateways: RunningGateway[];
  /** Signs with the auth-api's active key: for node tokens and hand-made claims. */
  tokens: TokenFactory;
  adminToken(): Promise<string>;
  nodeToken(nodeId: number, claims?: Partial<AccessTokenClaims>): string;
  close(): Promise<void>;
}

/** An auth-api plus `instances` gateways sharing one Redis prefix: a whole fleet control plane. */
export async function startRealtimeStack(
  options: { instances?: number; gatewayEnv?: Record<string, string>; authEnv?: Record<string, string> } = {},
): Promise<RealtimeStack> {
  const auth = await startTestAuthApi(options.authEnv ? { env: options.authEnv } : {});
  const gateways: RunningGateway[] = [];
  for (let i = 0; i < (options.instances ?? 2); i += 1) {
    gateways.push(
      await startTestGateway({
        authUrl: auth.url,
        issuer: TEST_ISSUER,
        redisUrl: auth.redis!.url,
        redisPrefix: auth.redis!.prefix,
        env: { GATEWAY_INSTANCE_ID: `gw-test-${i}`, ...options.gatewayEnv },
      }),
    );
  }
  const tokens = createTokenFactory({ issuer: TEST_ISSUER, key: auth.api.context.keyring.signingKey() });
  return {
    auth,
    gateways,
    tokens,
    adminToken: async () => (await login(auth.url)).access_token,
    nodeToken: (nodeId, claims = {}) => tokens.sign({ sub: `node:${nodeId}`, role: 'node', ...claims }),
    async close() {
      for (const gateway of gateways) await gateway.close();
      await auth.close();
    },
  };
}
