import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, startTestAuthApi, type TestAuthApi } from '../../../../test/support/auth-api.js';
import { createEnrollmentKey, enrollNode, nodeToken } from '../../../../test/support/fleet.js';
import { writeAgentManifest } from '../../../../infra/release/agent-manifest.js';

describe('agent wanted version', () => {
  let t: TestAuthApi;
  let dir: string;
  let admin: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-wanted-'));
    const bundle = path.join(dir, '0.2.0', 'wirefleet-agent.mjs');
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.writeFileSync(bundle, '// 0.2.0\n');
    writeAgentManifest(bundle, '0.2.0');
    t = await startTestAuthApi({ redis: false, env: { AGENT_RELEASES_DIR: dir } });
    admin = (await login(t.url)).access_token;
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const signedUpdate = async (node: { node_id: number; node_secret: string }) => {
    const token = await nodeToken(t.url, node);
    const response = await call<{ signature: string; config: { agent_update?: unknown } }>(
      t.url,
      'GET',
      '/v1/nodes/self/config',
      { token },
    );
    const payload = JSON.parse(
      Buffer.from(response.body.signature.split('.')[1]!, 'base64url').toString('utf8'),
    );
    expect(response.body.config.agent_update).toEqual(payload.agent_update);
    return payload.agent_update as Record<string, unknown> | undefined;
  };

  it('per tag, then for the network: only the nodes it concerns are re-signed, with the release signed in', async () => {
    const tagged = await createEnrollmentKey(t.url, admin, { tags: ['canary'] });
    const plain = await createEnrollmentKey(t.url, admin);
    const canary = await enrollNode(t.url, tagged.key);
    const other = await enrollNode(t.url, plain.key);
    expect(await signedUpdate(canary)).toBeUndefined();

    const missing = await call(t.url, 'PUT', '/v1/agent/wanted-version', {
      token: admin,
      body: { version: '9.9.9' },
    });
    expect(missing.status).toBe(404);
    const perTag = await call(t.url, 'PUT', '/v1/agent/wanted-version', {
      token: admin,
      body: { version: '0.2.0', tags: ['canary'] },
    });
    expect(perTag.status).toBe(200);
    expect(perTag.body).toMatchObject({ nodes_updated: 1, items: [{ tag: 'canary', version: '0.2.0' }] });
    expect(await signedUpdate(canary)).toEqual({
      version: '0.2.0',
      sha256: JSON.parse(fs.readFileSync(path.join(dir, '0.2.0', 'agent-release.json'), 'utf8')).sha256,
      bytes: 9,
      url: '/v1/agent/releases/0.2.0/wirefleet-agent.mjs',
    });
    expect(await signedUpdate(other)).toBeUndefined();

    const cleared = await call(t.url, 'PUT', '/v1/agent/wanted-version', {
      token: admin,
      body: { version: null, tags: ['canary'] },
    });
    expect(cleared.body).toMatchObject({ nodes_updated: 1, items: [] });
    const network = await call(t.url, 'PUT', '/v1/agent/wanted-version', {
      token: admin,
      body: { version: '0.2.0' },
    });
    expect(network.body).toMatchObject({ nodes_updated: 2, items: [{ tag: null, version: '0.2.0' }] });
    expect(await signedUpdate(other)).toMatchObject({ version: '0.2.0' });
    const listed = await call(t.url, 'GET', '/v1/agent/wanted-version', { token: admin });
    expect(listed.body).toMatchObject({ items: [{ tag: null, version: '0.2.0' }] });
    const audit = await call<{ items: Array<{ type: string }> }>(t.url, 'GET', '/v1/audit-events?limit=50', {
      token: admin,
    });
    expect(audit.body.items.filter((event) => event.type === 'agent.wanted_version_set')).toHaveLength(3);
  });

  it('is not answered without a login', async () => {
    expect((await call(t.url, 'GET', '/v1/agent/wanted-version')).status).toBe(401);
    expect((await call(t.url, 'PUT', '/v1/agent/wanted-version', { body: { version: null } })).status).toBe(
      401,
    );
  });
});
