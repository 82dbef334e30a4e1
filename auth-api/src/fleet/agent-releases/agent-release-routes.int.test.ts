import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuthApi, type TestAuthApi, TEST_ISSUER } from '../../../../test/support/auth-api.js';
import { writeAgentRelease } from '../../../../test/support/agent-release.js';
import { MANIFEST_NAME, MIN_AGENT_VERSION } from './agent-releases.js';

const BODY = '#!/usr/bin/env node\nconsole.log("agent");\n';
const SHA = createHash('sha256').update(BODY).digest('hex');

describe('agent release routes', () => {
  let t: TestAuthApi;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-releases-'));
    t = await startTestAuthApi({ redis: false, env: { AGENT_RELEASES_DIR: dir } });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 404 not_found while no release is built', async () => {
    const response = await fetch(`${t.url}/v1/agent/releases/latest`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('not_found');
    expect((await fetch(`${t.url}/v1/agent/releases/1.0.0/wirefleet-agent.mjs`)).status).toBe(404);
  });

  it('serves the latest release, a kept one, and the bundle with immutable caching', async () => {
    writeAgentRelease(dir, '1.2.0', BODY);
    writeAgentRelease(path.join(dir, '1.1.0'), '1.1.0', '// older\n');
    const latest = await fetch(`${t.url}/v1/agent/releases/latest`);
    expect(latest.status).toBe(200);
    const release = (await latest.json()) as Record<string, unknown>;
    expect(release).toEqual({
      name: 'wirefleet-agent',
      version: '1.2.0',
      sha256: SHA,
      bytes: Buffer.byteLength(BODY),
      node: '>=20',
      url: '/v1/agent/releases/1.2.0/wirefleet-agent.mjs',
      server_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      min_agent_version: MIN_AGENT_VERSION,
    });
    expect(
      ((await (await fetch(`${t.url}/v1/agent/releases/1.1.0`)).json()) as { version: string }).version,
    ).toBe('1.1.0');
    expect((await fetch(`${t.url}/v1/agent/releases/1.0.0`)).status).toBe(404);

    const bundle = await fetch(`${t.url}${release.url as string}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(bundle.headers.get('content-length')).toBe(String(Buffer.byteLength(BODY)));
    expect(bundle.headers.get('etag')).toBe(`"${SHA}"`);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await bundle.text()).toBe(BODY);
    const again = await fetch(`${t.url}${release.url as string}`, {
      headers: { 'If-None-Match': `"${SHA}"` },
    });
    expect(again.status).toBe(304);
    const older = await fetch(`${t.url}/v1/agent/releases/1.1.0/wirefleet-agent.mjs`);
    expect(await older.text()).toBe('// older\n');
  });

  it('names no file outside the release folder', async () => {
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'not for download');
    for (const route of [
      '/v1/agent/releases/1.2.0/secret.txt',
      '/v1/agent/releases/1.2.0/..%2F..%2Fetc%2Fpasswd',
      '/v1/agent/releases/..%2F1.2.0/wirefleet-agent.mjs',
      '/v1/agent/releases/1.2.0/%2E%2E',
      '/v1/agent/releases/1.2.0/.wirefleet-agent.mjs',
      `/v1/agent/releases/1.2.0/${MANIFEST_NAME}`,
    ]) {
      const response = await fetch(`${t.url}${route}`);
      expect({ route, status: response.status }).toEqual({
        route,
        status: expect.toSatisfy((s: number) => s === 400 || s === 404),
      });
      expect(await response.text()).not.toContain('not for download');
    }
  });

  it('serves the install script with this server as its default --api', async () => {
    const response = await fetch(`${t.url}/install.sh`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/x-shellscript/);
    const script = await response.text();
    expect(script.startsWith('#!/usr/bin/env bash')).toBe(true);
    expect(script).toContain(`WIREFLEET_API_DEFAULT='${TEST_ISSUER}'`);
  });
});
