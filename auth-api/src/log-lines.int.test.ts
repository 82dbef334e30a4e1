import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  hasDoubledSubsystem,
  login,
  startTestAuthApi,
  type TestAuthApi,
} from '../../test/support/auth-api.js';

/**
 * One logging style: every module's logger is `subsystemLogger(root, name)`, made once where it
 * is wired. A logger derived from another subsystem's logger would write the key twice.
 */
describe('auth-api log lines', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi({ redis: false });
  });
  afterAll(async () => {
    await t.close();
  });

  it('name their subsystem once', async () => {
    const pair = await login(t.url);
    expect((await call(t.url, 'GET', '/v1/nodes', { token: pair.access_token })).status).toBe(200);
    expect((await call(t.url, 'GET', '/v1/no-such-route')).status).toBe(404);
    const withSubsystem = t.logLines.filter((line) => line.includes('"subsystem":'));
    expect(withSubsystem.length).toBeGreaterThan(0);
    expect(t.logLines.filter(hasDoubledSubsystem)).toEqual([]);
  });

  it('the duplicate check sees a child of a child with the same key', () => {
    expect(hasDoubledSubsystem('{"level":30,"subsystem":"fleet","subsystem":"outbox","msg":"x"}')).toBe(true);
    expect(hasDoubledSubsystem('{"level":30,"subsystem":"outbox","msg":"x"}')).toBe(false);
  });
});
