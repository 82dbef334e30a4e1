import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_NAME } from '../../auth-api/src/fleet/agent-releases/agent-releases.js';

/**
 * Writes an agent bundle and its manifest into `dir`, as `npm run release:agent` does, and
 * returns the manifest: the release folder the auth-api serves under /v1/agent/releases.
 */
export function writeAgentRelease(dir: string, version: string, body = `// agent ${version}\n`) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'wirefleet-agent.mjs'), body);
  const manifest = {
    name: 'wirefleet-agent',
    version,
    file: 'wirefleet-agent.mjs',
    bytes: Buffer.byteLength(body),
    sha256: createHash('sha256').update(body).digest('hex'),
    node: '>=20',
  };
  fs.writeFileSync(path.join(dir, MANIFEST_NAME), JSON.stringify(manifest));
  return manifest;
}
