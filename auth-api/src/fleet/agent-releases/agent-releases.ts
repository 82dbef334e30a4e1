import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AgentReleaseManifest,
  agentReleaseManifest,
  agentReleaseVersion,
} from '@wirefleet/shared/schemas';

export type { AgentReleaseManifest };

/** The manifest file `npm run release:agent` writes beside the bundle. */
export const MANIFEST_NAME = 'agent-release.json';

/**
 * The oldest agent this server still supports (served as `min_agent_version`): the enroll
 * request, the signed-config format and the gateway protocol it speaks are all still accepted.
 * Raise it in the release that drops something an older agent needs.
 */
export const MIN_AGENT_VERSION = '0.1.0';

/** The install script beside a release (`npm run release:agent` copies it there)… */
export const INSTALL_SCRIPT_NAME = 'install-agent.sh';
/** …else the repository's; `../../../../` is the repository root from `src/` and `dist/` alike. */
const REPO_INSTALL_SCRIPT = fileURLToPath(new URL('../../../../infra/install-agent.sh', import.meta.url));
/** The line of the script that the served copy fills in with the server's URL. */
const API_DEFAULT_LINE = /^WIREFLEET_API_DEFAULT=.*$/m;

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Cached {
  /** A manifest renamed into place (as release:agent writes it) is a new inode, even in one mtime tick. */
  ino: number;
  mtimeMs: number;
  size: number;
  manifest: AgentReleaseManifest | undefined;
}

/**
 * The agent builds this server hands out, read from one folder:
 *
 *     dir/agent-release.json            the latest release (as `npm run release:agent` writes it)
 *     dir/wirefleet-agent.mjs           its bundle, named by the manifest's `file`
 *     dir/<version>/agent-release.json  older (or newer, not yet latest) releases kept beside it
 *     dir/<version>/wirefleet-agent.mjs
 *
 * A version is found at the top level when the top-level manifest carries it, otherwise in its
 * own `<version>/` folder (whose manifest must carry that same version). Manifests are re-read
 * when their inode, mtime or size changes (one `stat` per call), so a release written while the
 * server runs is served without a restart; a manifest that does not parse is treated as absent.
 * Nothing outside `dir` is ever named: versions and file names are plain names, checked before
 * they touch the file system.
 */
export class AgentReleases {
  readonly dir: string;
  private readonly cache = new Map<string, Cached>();

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** The top-level manifest: the release installers and `latest` get. */
  latest(): AgentReleaseManifest | undefined {
    return this.read('');
  }

  /** The manifest of `version`, at the top level or in `dir/<version>/`. */
  find(version: string): AgentReleaseManifest | undefined {
    return this.locate(version)?.manifest;
  }

  /** Absolute path of `version`'s bundle file, when that release exists and its file is there. */
  bundlePath(version: string): string | undefined {
    const found = this.locate(version);
    if (!found || !PLAIN_NAME.test(found.manifest.file)) return undefined;
    const file = path.join(this.dir, found.sub, found.manifest.file);
    if (path.dirname(file) !== path.join(this.dir, found.sub)) return undefined;
    try {
      return fs.statSync(file).isFile() ? file : undefined;
    } catch {
      return undefined; // listed by its manifest but not (or no longer) on disk: not served
    }
  }

  /**
   * The install script with `apiUrl` as its default `--api`, or undefined when neither the
   * release folder nor the repository holds one.
   */
  installScript(apiUrl: string): string | undefined {
    for (const file of [path.join(this.dir, INSTALL_SCRIPT_NAME), REPO_INSTALL_SCRIPT]) {
      let script: string;
      try {
        script = fs.readFileSync(file, 'utf8');
      } catch {
        continue; // not in this place; try the next
      }
      const quoted = `'${apiUrl.replaceAll("'", `'\\''`)}'`;
      return script.replace(API_DEFAULT_LINE, () => `WIREFLEET_API_DEFAULT=${quoted}`);
    }
    return undefined;
  }

  private locate(version: string): { sub: string; manifest: AgentReleaseManifest } | undefined {
    if (!agentReleaseVersion.safeParse(version).success) return undefined;
    const top = this.read('');
    if (top?.version === version) return { sub: '', manifest: top };
    const kept = this.read(version);
    return kept?.version === version ? { sub: version, manifest: kept } : undefined;
  }

  /** The manifest in `dir/sub`, from the cache while its file is unchanged. */
  private read(sub: string): AgentReleaseManifest | undefined {
    const file = path.join(this.dir, sub, MANIFEST_NAME);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.cache.delete(sub);
      return undefined;
    }
    const cached = this.cache.get(sub);
    if (cached && cached.ino === stat.ino && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size)
      return cached.manifest;
    let manifest: AgentReleaseManifest | undefined;
    try {
      const parsed = agentReleaseManifest.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      manifest = parsed.success ? parsed.data : undefined;
    } catch {
      manifest = undefined; // half-written or not JSON: absent until it is rewritten
    }
    this.cache.set(sub, { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size, manifest });
    return manifest;
  }
}
