import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// From the source, not the package: `npm run release:agent` runs before the workspaces are built.
import { type AgentReleaseManifest, agentReleaseManifest } from '../../shared/src/schemas/agent-release.js';

export type { AgentReleaseManifest };

export const MANIFEST_NAME = 'agent-release.json';

export function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Writes `agent-release.json` beside `bundle` and returns what it wrote. */
export function writeAgentManifest(bundle: string, version: string, commit?: string): AgentReleaseManifest {
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version))
    throw new Error(`not a release version: ${JSON.stringify(version)}`);
  const manifest: AgentReleaseManifest = {
    name: 'wirefleet-agent',
    version,
    file: path.basename(bundle),
    bytes: fs.statSync(bundle).size,
    sha256: sha256Of(bundle),
    node: '>=20',
    ...(commit ? { commit } : {}),
  };
  const out = path.join(path.dirname(bundle), MANIFEST_NAME);
  const partial = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(partial, out);
  return manifest;
}

/** The manifest in `dir`, checked against the file it names beside it; throws when they disagree. */
export function verifyAgentManifest(dir: string): AgentReleaseManifest {
  const manifest = agentReleaseManifest.parse(
    JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_NAME), 'utf8')),
  );
  const file = path.join(dir, path.basename(manifest.file));
  const actual = sha256Of(file);
  if (actual !== manifest.sha256)
    throw new Error(`${manifest.file}: sha256 ${actual}, the manifest says ${manifest.sha256}`);
  if (fs.statSync(file).size !== manifest.bytes)
    throw new Error(`${manifest.file}: size differs from the manifest`);
  return manifest;
}
