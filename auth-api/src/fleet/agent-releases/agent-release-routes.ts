import fs from 'node:fs';
import { WirefleetError } from '@wirefleet/shared/errors';
import { agentReleaseVersion } from '@wirefleet/shared/schemas';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { agentBundle, agentRelease, installScript } from '../../openapi/responses/agent-releases.js';
import { type RouteDefinition, routeDefiner } from '../../platform/http/routes/index.js';
import { type AgentReleaseManifest, type AgentReleases, MIN_AGENT_VERSION } from './agent-releases.js';

export interface AgentReleaseRouteDeps {
  releases: AgentReleases;
  /** The API's public base URL, filled into the served install script as its default `--api`. */
  publicUrl: string;
}

const route = routeDefiner<AgentReleaseRouteDeps>();

const versionParams = z.strictObject({ version: agentReleaseVersion });
const fileParams = z.strictObject({
  version: agentReleaseVersion,
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name'),
});

/** The auth-api package version; `../../../package.json` is the same file from `src/` and `dist/`. */
const SERVER_VERSION = (() => {
  const manifest = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
})();

function publicRelease(manifest: AgentReleaseManifest) {
  return {
    name: manifest.name,
    version: manifest.version,
    sha256: manifest.sha256,
    bytes: manifest.bytes,
    node: manifest.node,
    url: `/v1/agent/releases/${manifest.version}/${manifest.file}`,
    server_version: SERVER_VERSION,
    min_agent_version: MIN_AGENT_VERSION,
  };
}

/**
 * Public, like the JWKS: installers and agents fetch these before they hold any credential, and
 * they reveal nothing but which agent build the server hands out.
 */
export const agentReleaseRouteDefinitions: readonly RouteDefinition<AgentReleaseRouteDeps>[] = [
  route({
    method: 'get',
    path: '/v1/agent/releases/latest',
    operationId: 'getLatestAgentRelease',
    summary: 'The agent build installers get',
    description:
      '404 `not_found` while no release is built into `AGENT_RELEASES_DIR` (`npm run release:agent`).',
    tags: ['nodes'],
    auth: 'none',
    responses: { 200: { description: 'The latest release.', schema: agentRelease } },
    errors: ['not_found'],
    handler({ res, deps }) {
      const latest = deps.releases.latest();
      if (!latest) throw new WirefleetError('not_found');
      res.setHeader('Cache-Control', 'no-cache');
      res.json(publicRelease(latest));
    },
  }),
  route({
    method: 'get',
    path: '/v1/agent/releases/{version}',
    operationId: 'getAgentRelease',
    summary: 'One agent release, the latest or one kept beside it',
    tags: ['nodes'],
    auth: 'none',
    request: { params: versionParams },
    responses: { 200: { description: 'The release.', schema: agentRelease } },
    errors: ['not_found'],
    handler({ params, res, deps }) {
      const manifest = deps.releases.find(params.version);
      if (!manifest) throw new WirefleetError('not_found');
      res.json(publicRelease(manifest));
    },
  }),
  route({
    method: 'get',
    path: '/v1/agent/releases/{version}/{file}',
    operationId: 'getAgentBundle',
    summary: 'The bundled agent of a release',
    description: 'Immutable: a version names one build. Check the bytes against the release’s `sha256`.',
    tags: ['nodes'],
    auth: 'none',
    request: { params: fileParams },
    responses: {
      200: {
        description: 'The bundle.',
        schema: agentBundle,
        contentType: 'application/javascript',
        headers: { ETag: 'The SHA-256 of the bytes, quoted.' },
      },
    },
    errors: ['not_found'],
    async handler({ params, req, res, deps }) {
      const manifest = deps.releases.find(params.version);
      const file = deps.releases.bundlePath(params.version);
      if (!manifest || !file || manifest.file !== params.file) throw new WirefleetError('not_found');
      await sendBundle(req, res, file, manifest.sha256);
    },
  }),
  route({
    method: 'get',
    path: '/install.sh',
    operationId: 'getInstallScript',
    summary: 'The agent install script, defaulting to this server',
    description:
      'Run as `curl -fsSL <server>/install.sh | sudo bash -s -- --key-file /path/to/key`: it installs the latest agent build from this server and enrolls the host.',
    tags: ['nodes'],
    auth: 'none',
    responses: {
      200: { description: 'The script.', schema: installScript, contentType: 'text/x-shellscript' },
    },
    errors: ['not_found'],
    handler({ res, deps }) {
      const script = deps.releases.installScript(deps.publicUrl);
      if (script === undefined) throw new WirefleetError('not_found');
      res.setHeader('Cache-Control', 'no-cache');
      res.type('text/x-shellscript').send(script);
    },
  }),
];

function sendBundle(req: Request, res: Response, file: string, sha256: string): Promise<void> {
  const etag = `"${sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
    res.status(304).end();
    return Promise.resolve();
  }
  res.setHeader('Content-Type', 'application/javascript');
  return new Promise((resolve, reject) => {
    res.sendFile(
      file,
      { etag: false, lastModified: false, cacheControl: false, dotfiles: 'deny' },
      (error) =>
        error && !res.headersSent ? reject(new WirefleetError('not_found', { cause: error })) : resolve(),
    );
  });
}
