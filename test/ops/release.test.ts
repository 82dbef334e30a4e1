import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AgentReleaseManifest,
  verifyAgentManifest,
  writeAgentManifest,
} from '../../infra/release/agent-manifest.js';
import { startTestAuthApi } from '../support/auth-api.js';
import { IN_CI } from '../support/services.js';
import { root } from './support/queries.js';

const exec = promisify(execFile);
const readJson = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as { version?: string };
const version = readJson('package.json').version!;
const bundle = path.join(root, 'node-agent/dist/wirefleet-agent.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-release-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('one version for the project', () => {
  it('the root package.json has a version and every workspace carries it', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const dir of ['shared', 'migrations', 'auth-api', 'auth-api/web', 'gateway-service', 'node-agent'])
      expect(readJson(`${dir}/package.json`).version, dir).toBe(version);
  });

  it('CHANGELOG.md starts with that version', () => {
    const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
    expect(/^## \[([^\]]+)\]/m.exec(changelog)?.[1]).toBe(version);
  });

  it('the agent enrolls with that version (node-agent/src/cli/enroll.ts writes it literally for now)', () => {
    const enroll = fs.readFileSync(path.join(root, 'node-agent/src/cli/enroll.ts'), 'utf8');
    expect(/agent_version: '([^']+)'/.exec(enroll)?.[1]).toBe(version);
  });

  it("the auth-api's OpenAPI document reports it", async () => {
    const auth = await startTestAuthApi({ redis: false });
    try {
      const document = (await (await fetch(`${auth.url}/openapi.json`)).json()) as {
        info: { version: string };
      };
      expect(document.info.version).toBe(version);
    } finally {
      await auth.close();
    }
  });
});

const missingBundle = fs.existsSync(bundle)
  ? undefined
  : 'node-agent/dist/wirefleet-agent.mjs is not built (npm run build)';
if (missingBundle && IN_CI) throw new Error(`cannot test npm run release:agent: ${missingBundle}`);

describe.skipIf(missingBundle !== undefined)(
  `npm run release:agent${missingBundle ? ` (skipped: ${missingBundle})` : ''}`,
  () => {
    it('writes a manifest whose SHA-256, size and version match the bundle beside it', async () => {
      const out = path.join(tmp, 'release');
      await exec(
        process.execPath,
        ['--import', 'tsx', 'infra/release/release-agent.ts', '--skip-build', '--out', out],
        { cwd: root },
      );
      const manifest = JSON.parse(
        fs.readFileSync(path.join(out, 'agent-release.json'), 'utf8'),
      ) as AgentReleaseManifest;
      const bytes = fs.readFileSync(path.join(out, manifest.file));
      expect(manifest).toMatchObject({
        name: 'wirefleet-agent',
        version,
        file: 'wirefleet-agent.mjs',
        bytes: bytes.length,
      });
      expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(manifest.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(verifyAgentManifest(out)).toEqual(manifest);
    });
  },
);

describe('the agent release manifest', () => {
  it('a changed bundle no longer matches its manifest', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'tamper-'));
    const file = path.join(dir, 'wirefleet-agent.mjs');
    fs.writeFileSync(file, 'console.log("agent")\n');
    writeAgentManifest(file, version);
    expect(verifyAgentManifest(dir).sha256).toHaveLength(64);
    fs.appendFileSync(file, 'console.log("and something else")\n');
    expect(() => verifyAgentManifest(dir)).toThrow(/sha256/);
  });

  it('refuses a version that is not a release version', () => {
    const file = path.join(tmp, 'x.mjs');
    fs.writeFileSync(file, '');
    expect(() => writeAgentManifest(file, 'latest')).toThrow(/not a release version/);
  });
});
