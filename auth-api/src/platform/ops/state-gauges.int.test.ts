import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode } from '../../../../test/support/fleet.js';

/** The gauges the alert rules read: readiness per dependency, and each node's state. */
describe('state gauges on /metrics', () => {
  let t: TestAuthApi;
  beforeAll(async () => {
    t = await startTestAuthApi();
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = async () => (await fetch(`${t.url}/metrics`)).text();

  it('reports readiness, every dependency, each node and the outbox', async () => {
    const admin = (await login(t.url)).access_token;
    const { key } = await createEnrollmentKey(t.url, admin);
    const node = await enrollNode(t.url, key, { name: 'gauge-node' });
    const text = await scrape();
    expect(text).toMatch(/^wirefleet_ready 1$/m);
    expect(text).toMatch(/^wirefleet_dependency_up\{dependency="database"\} 1$/m);
    expect(text).toMatch(/^wirefleet_dependency_up\{dependency="redis"\} 1$/m);
    expect(text).toContain(`wirefleet_node_online{node_id="${node.node_id}",node="gauge-node"} 0`);
    expect(text).toContain(`wirefleet_node_desired_revision{node_id="${node.node_id}",node="gauge-node"} 1`);
    // Never applied: no applied-revision series rather than a made-up 0.
    expect(text).not.toContain(`wirefleet_node_applied_revision{node_id="${node.node_id}"`);
    expect(text).toMatch(/^wirefleet_outbox_pending_events \d+$/m);
    expect(text).toMatch(/^wirefleet_outbox_oldest_event_age_seconds [\d.e+-]+$/m);
    // A deleted node's series goes with it.
    expect((await call(t.url, 'DELETE', `/v1/nodes/${node.node_id}`, { token: admin })).status).toBe(204);
    expect(await scrape()).not.toContain(`node_id="${node.node_id}"`);
  });
});
