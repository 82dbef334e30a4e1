import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAgentManifest } from './agent-manifest.js';

/**
 * `npm run release:agent`: builds the agent (tsc, then node-agent/scripts/bundle.js) and writes
 * node-agent/dist/agent-release.json — version, size and SHA-256 of dist/wirefleet-agent.mjs —
 * and puts infra/install-agent.sh beside them, so that a release folder is all an auth-api's
 * AGENT_RELEASES_DIR needs (it serves the bundle and, at /install.sh, that script).
 * Refuses when the workspaces do not all carry the project's version (root package.json).
 *   --skip-build  use the bundle already built
 *   --out DIR     copy the bundle into DIR and write the manifest there instead
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const WORKSPACES = ['shared', 'migrations', 'auth-api', 'auth-api/web', 'gateway-service', 'node-agent'];

const versionOf = (dir: string) =>
  (JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { version?: string }).version;

/** The project's version, after checking every workspace carries it. */
export function projectVersion(): string {
  const version = versionOf('.');
  if (!version) throw new Error('package.json has no version');
  const differ = WORKSPACES.filter((dir) => versionOf(dir) !== version);
  if (differ.length > 0)
    throw new Error(
      `not at version ${version}: ${differ.map((dir) => `${dir} (${versionOf(dir)})`).join(', ')}`,
    );
  return version;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function build(): void {
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  run(process.execPath, [
    path.join(root, 'node_modules/typescript/bin/tsc'),
    '-b',
    'shared/tsconfig.build.json',
    'node-agent/tsconfig.build.json',
  ]);
  run(process.execPath, ['node-agent/scripts/bundle.js']);
}

function main(args: string[]): void {
  const version = projectVersion();
  if (!args.includes('--skip-build')) build();
  let bundle = path.join(root, 'node-agent/dist/wirefleet-agent.mjs');
  if (!fs.existsSync(bundle))
    throw new Error(`${path.relative(root, bundle)} is missing: run without --skip-build`);
  const outAt = args.indexOf('--out');
  if (outAt >= 0) {
    const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), args[outAt + 1] ?? '.');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(bundle, path.join(dir, path.basename(bundle)));
    bundle = path.join(dir, path.basename(bundle));
  }
  const manifest = writeAgentManifest(bundle, version, gitCommit());
  fs.copyFileSync(
    path.join(root, 'infra/install-agent.sh'),
    path.join(path.dirname(bundle), 'install-agent.sh'),
  );
  process.stdout.write(
    `${path.join(path.dirname(bundle), 'agent-release.json')}: ${manifest.file} ${manifest.version} sha256 ${manifest.sha256}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`release:agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
