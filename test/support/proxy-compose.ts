import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOCKERFILE = path.join(REPO_ROOT, 'infra/docker/Dockerfile');

/** A service as `docker-compose config` prints it (environment as a mapping, paths absolute). */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | null>;
  volumes?: Array<string | { type: string; source: string; target: string }>;
  ports?: Array<{ published: number | string; target: number | string } | string>;
  profiles?: string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeConfig {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: Array<{ subnet?: string }> } }>;
}

/**
 * docker-compose.yml as Compose itself resolves it: `docker-compose config` validates the file,
 * interpolates `${…:-default}` (with none of them set) and expands anchors; its YAML is read with
 * the YAML library Debian's docker-compose runs on (python3-yaml), as the repository has none.
 */
export function resolvedCompose(bin: string): ComposeConfig {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(WIREFLEET_|POSTGRES_|SIMULATED_AGENTS$|COMPOSE_)/.test(key),
    ),
  );
  const yaml = execFileSync(bin, ['--profile', 'agents', 'config'], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
  });
  const json = execFileSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: yaml, encoding: 'utf8' },
  );
  return JSON.parse(json) as ComposeConfig;
}

/** One `FROM … AS name` stage of the Dockerfile, with what it sets or inherits. */
export interface DockerStage {
  name: string;
  from: string;
  env: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: string[];
}

/**
 * The Dockerfile's stages, each with the ENV, CMD, ENTRYPOINT and HEALTHCHECK in force in it
 * (inherited from the stage it starts from). Exec-form (JSON) instructions only, which is all
 * the file uses; a shell-form one fails here.
 */
export function dockerStages(text = fs.readFileSync(DOCKERFILE, 'utf8')): Map<string, DockerStage> {
  const stages = new Map<string, DockerStage>();
  let current: DockerStage | undefined;
  const exec = (instruction: string, rest: string): string[] => {
    if (!rest.startsWith('[')) throw new Error(`${instruction} in shell form: ${rest}`);
    return JSON.parse(rest) as string[];
  };
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instruction = '', ...restParts] = line.split(/\s+/);
    const rest = restParts.join(' ');
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const match = /^(\S+)\s+AS\s+(\S+)$/i.exec(rest);
        if (!match) break;
        const parent = stages.get(match[1]!);
        current = {
          name: match[2]!,
          from: match[1]!,
          env: { ...parent?.env },
          ...(parent?.cmd ? { cmd: parent.cmd } : {}),
          ...(parent?.entrypoint ? { entrypoint: parent.entrypoint } : {}),
          ...(parent?.healthcheck ? { healthcheck: parent.healthcheck } : {}),
        };
        stages.set(current.name, current);
        break;
      }
      case 'ENV':
        for (const pair of rest.matchAll(/(\w+)=(\S+)/g)) current!.env[pair[1]!] = pair[2]!;
        break;
      case 'CMD':
        current!.cmd = exec('CMD', rest);
        break;
      case 'ENTRYPOINT':
        current!.entrypoint = exec('ENTRYPOINT', rest);
        break;
      case 'HEALTHCHECK':
        current!.healthcheck = exec('HEALTHCHECK', rest.slice(rest.indexOf('CMD ') + 4).trim());
        break;
    }
  }
  return stages;
}

/** The variable names a config loader reads, found by handing it an environment that records reads. */
export function variablesRead(load: (env: Record<string, string | undefined>) => unknown): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, key) {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  try {
    load(env);
  } catch {
    // Every variable was read before validation could fail; the names are what counts.
  }
  return read;
}

/**
 * Why `argv` cannot run in the image, or undefined when it can: `npm run X` needs script X; `node
 * [flags] FILE` needs FILE in the repository, or for `W/dist/F.js` the source `W/src/F.ts` that
 * W's build compiles into it (dist/ is made by `npm run build` in the image).
 */
export function unrunnable(argv: string[]): string | undefined {
  if (argv[0] === 'npm') {
    const script = argv[1] === 'run' ? argv[2] : undefined;
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    return script && scripts[script] ? undefined : `no npm script ${script}`;
  }
  if (argv[0] !== 'node') return `runs ${argv[0]}, not node or npm`;
  const args = argv.slice(1);
  let file: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--import' || args[i] === '--require') i += 1;
    else if (!args[i]!.startsWith('-')) {
      file = args[i];
      break;
    }
  }
  if (!file) return 'no file to run';
  const built = /^([\w-]+)\/dist\/(.+)\.js$/.exec(file);
  if (!built) return fs.existsSync(path.join(REPO_ROOT, file)) ? undefined : `${file} does not exist`;
  const [, workspace, module] = built;
  const tsconfig = path.join(REPO_ROOT, workspace!, 'tsconfig.build.json');
  if (!fs.existsSync(tsconfig)) return `${workspace} has no tsconfig.build.json to build ${file}`;
  const options = (
    JSON.parse(fs.readFileSync(tsconfig, 'utf8')) as {
      compilerOptions: { rootDir?: string; outDir?: string };
    }
  ).compilerOptions;
  if (options.rootDir !== 'src' || options.outDir !== 'dist')
    return `${workspace}'s build does not compile src/ into dist/`;
  const source = path.join(workspace!, 'src', `${module}.ts`);
  return fs.existsSync(path.join(REPO_ROOT, source))
    ? undefined
    : `${file}: its source ${source} does not exist`;
}
