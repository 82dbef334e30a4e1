import { InProcessBus } from '@wirefleet/shared/bus';
import { InProcessIngest } from '@wirefleet/shared/ingest';
import { InMemoryRevocationStore } from '@wirefleet/shared/revocations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, type TestAuthApi, startTestAuthApi, TEST_ISSUER } from '../../../test/support/auth-api.js';
import { startTestGateway } from '../../../test/support/gateway.js';
import { connect, upgradeStatus } from '../../../test/support/ws-client.js';
import type { RunningGateway } from '../start.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('revocation in single-process mode (in-process bus, no Redis)', () => {
  const shared = { bus: new InProcessBus(), ingest: new InProcessIngest(), revocations: new InMemoryRevocationStore() };
  let auth: TestAuthApi;
  let gateway: RunningGateway;
  beforeAll(async () => {
    auth = await startTestAuthApi({ redis: false, shared });
    gateway = await startTestGateway({ authUrl: auth.url, issuer: TEST_ISSUER, overrides: { ...shared } });
  });
  afterAll(async () => {
    await gateway?.close();
    await auth?.close();
    await shared.bus.close();
  });

  it('a logged-out token is refused at the upgrade within 1 s, and a gateway started later refuses it too', async () => {
    const pair = await login(auth.url);
    const open = await connect(gateway.url, pair.access_token);
    await open.next((frame) => frame.type === 'welcome');
    const started = Date.now();
    expect((await call(auth.url, 'POST', '/v1/auth/logout', { token: pair.access_token, body: {} })).status).toBe(204);
    expect((await open.closed).code).toBe(4001);
    let status = await upgradeStatus(gateway.url, pair.access_token);
    while (status !== 401 && Date.now() - started < 1000) {
      await sleep(20);
      status = await upgradeStatus(gateway.url, pair.access_token);
    }
    expect(status).toBe(401);

    const later = await startTestGateway({ authUrl: auth.url, issuer: TEST_ISSUER, overrides: { ...shared } });
    try {
      expect(await upgradeStatus(later.url, pair.access_token)).toBe(401);
      expect(await upgradeStatus(later.url, (await login(auth.url)).access_token)).toBe(101);
    } finally {
      await later.close();
    }
  });
});
