import { z } from 'zod';

/** A release version as `npm run release:agent` stamps it: semver, optionally with a pre-release tag. */
export const agentReleaseVersion = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'not a release version (x.y.z or x.y.z-tag)');

/**
 * What `GET /v1/agent/releases/latest` serves, as `agent-release.json` beside the bundle holds
 * it: which agent bundle is current and how to check a download of it. `file` is a plain name
 * beside the manifest, never a path.
 */
export const agentReleaseManifest = z.object({
  name: z.literal('wirefleet-agent'),
  version: agentReleaseVersion,
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name'),
  bytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the file's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Node.js the bundle runs on (esbuild target node20, ESM), as a range such as `>=20`. */
  node: z.string().min(1),
  /** The commit it was built from, when built in a git checkout. */
  commit: z.string().optional(),
});
export type AgentReleaseManifest = z.infer<typeof agentReleaseManifest>;
