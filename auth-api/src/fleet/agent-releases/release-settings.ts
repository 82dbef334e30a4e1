import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '@wirefleet/shared/config';
import { z } from 'zod';

/** The auth-api's environment variable for the agent builds it serves (spread into its schema). */
export const agentReleaseEnvFields = {
  AGENT_RELEASES_DIR: z
    .string()
    .optional()
    .describe(
      'Folder of the agent builds served at /v1/agent/releases and used by /install.sh: agent-release.json + bundle (the latest), older ones in <version>/ subfolders, as `npm run release:agent -- --out DIR` writes them. Default: node-agent/dist.',
    ),
};

/**
 * `node-agent/dist`, where `npm run release:agent` writes the bundle and its manifest;
 * `../../../../` is the repository root from `auth-api/src/` and `auth-api/dist/` alike.
 */
const DEFAULT_AGENT_RELEASES_DIR = fileURLToPath(new URL('../../../../node-agent/dist', import.meta.url));

/** AGENT_RELEASES_DIR resolved where the command was started (INIT_CWD under npm), or the default. */
export function agentReleasesDirFrom(value: string | undefined, env: Env): string {
  return value ? path.resolve(env.INIT_CWD ?? process.cwd(), value) : DEFAULT_AGENT_RELEASES_DIR;
}
