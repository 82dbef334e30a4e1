import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgedTokens } from '../../../test/support/forged-tokens.js';
import { startRealtimeStack, type RealtimeStack } from '../../../test/support/realtime-stack.js';
import { connect, upgradeStatus } from '../../../test/support/ws-client.js';

describe('gateway upgrade: token and origin are checked before the upgrade', () => {
  let stack: RealtimeStack;
  let url: string;
  beforeAll(async () => {
    stack = await startRealtimeStack({ instances: 1 });
    url = stack.gateways[0]!.url;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('a valid token upgrades; the server selects "bearer" and never echoes the token', async () => {
    const token = await stack.adminToken();
    const socket = await connect(url, token);
    expect(socket.ws.protocol).toBe('bearer');
    const welcome = await socket.next((frame) => frame.type === 'welcome');
    expect(welcome).toMatchObject({ type: 'welcome', sub: 'user:1', rooms: ['user:1'] });
    socket.close();
  });

  it('no token, or a subprotocol list without bearer → 401', async () => {
    expect(await upgradeStatus(url, undefined)).toBe(401);
    expect(await upgradeStatus(url, 'x', { protocols: ['chat'] })).toBe(401);
  });

  it('every forged token → 401 before the upgrade', async () => {
    const cases = forgedTokens(stack.tokens, { validClaims: { sub: 'user:1', role: 'admin' } });
    for (const forged of cases) {
      // Tokens with characters a subprotocol token cannot carry never reach the server.
      if (!/^[A-Za-z0-9._~+/=-]+$/.test(forged.token) || forged.token.length > 8 * 1024) continue;
      expect({ name: forged.name, status: await upgradeStatus(url, forged.token) }).toEqual({ name: forged.name, status: 401 });
    }
  });

  it('an Origin outside ALLOWED_ORIGINS → 403; an allowed one and none at all are fine', async () => {
    const token = await stack.adminToken();
    expect(await upgradeStatus(url, token, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, token, { origin: 'https://dashboard.wirefleet.test' })).toBe(101);
    expect(await upgradeStatus(url, token)).toBe(101);
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    const base = url.replace('ws://', 'http://').replace('/ws', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('wirefleet_gateway_connections');
    expect(metrics).toMatch(/wirefleet_gateway_auth_failures_total\{reason="expired"\} [1-9]/);
  });
});
