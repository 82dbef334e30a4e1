import fs from 'node:fs';
import path from 'node:path';
import { checkKey, parseCidr, parseIp } from '../dataplane/render/validate.js';
import { AgentConfigError, readSecretFile, writeFileAtomic } from './files.js';

export const DEFAULT_CONFIG_PATH = '/etc/wirefleet/agent.json';
export const BACKENDS = ['linux', 'dry-run', 'memory'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * `agent.json`: everything `run` needs. Secrets live beside it in their own 0600 files
 * (`wireguard.key`, `node.secret`), never in this file, so it can be shown and diffed.
 */
export interface AgentConfigFile {
  version: 1;
  api_url: string;
  gateway_url: string;
  node_id: number;
  name: string;
  network_cidr: string;
  tunnel_ip: string;
  interface: string;
  listen_port: number;
  backend: Backend;
  wireguard_public_key: string;
  /** PEM file of the certificate authorities trusted for https/wss (instead of the system's); absolute. */
  ca_file?: string;
}

const isUrl = (scheme: RegExp) => (value: unknown) =>
  typeof value === 'string' && scheme.test(value) && URL.canParse(value);
const isInteger = (min: number, max: number) => (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
const matches = (pattern: RegExp) => (value: unknown) => typeof value === 'string' && pattern.test(value);
/** The dataplane's own checks (the ones that guard `ip` and UAPI input), as predicates. */
const passes = (check: (value: unknown) => unknown, family?: 4) => (value: unknown) => {
  try {
    const checked = check(value) as { family?: number } | undefined;
    return family === undefined || checked?.family === family;
  } catch {
    return false;
  }
};

/** Each field of agent.json: its rule and what the error says when it is broken. Checked by hand, not zod: `run` stays light. */
export const FIELDS: Record<
  keyof AgentConfigFile,
  { valid: (value: unknown) => boolean; expected: string; optional?: true }
> = {
  version: { valid: (value) => value === 1, expected: 'version 1' },
  api_url: { valid: isUrl(/^https?:\/\/[^\s]+$/), expected: 'an http(s) URL' },
  gateway_url: { valid: isUrl(/^wss?:\/\/[^\s]+$/), expected: 'a ws(s) URL' },
  node_id: { valid: isInteger(1, Number.MAX_SAFE_INTEGER), expected: 'a whole number from 1' },
  name: {
    valid: (value) => typeof value === 'string' && value.length >= 1 && value.length <= 63,
    expected: '1 to 63 characters',
  },
  network_cidr: { valid: passes(parseCidr, 4), expected: 'an IPv4 CIDR' },
  tunnel_ip: { valid: passes(parseIp, 4), expected: 'an IPv4 address' },
  interface: {
    valid: matches(/^[A-Za-z0-9_=+.-]{1,15}$/),
    expected: 'an interface name of 1-15 letters, digits, _ = + . -',
  },
  listen_port: { valid: isInteger(1, 65535), expected: 'a port, 1-65535' },
  backend: {
    valid: (value) => (BACKENDS as readonly unknown[]).includes(value),
    expected: `one of ${BACKENDS.join(', ')}`,
  },
  wireguard_public_key: { valid: passes(checkKey), expected: 'a WireGuard public key (32 bytes, base64)' },
  ca_file: {
    valid: (value) => typeof value === 'string' && path.isAbsolute(value),
    expected: 'an absolute path to a PEM file',
    optional: true,
  },
};

/** The first thing wrong with a parsed agent.json (`path: message`), or undefined when it is valid. */
export function agentConfigProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return '(file): expected a JSON object';
  const fields = raw as Record<string, unknown>;
  for (const [name, field] of Object.entries(FIELDS)) {
    if (field.optional && fields[name] === undefined) continue;
    if (!field.valid(fields[name])) return `${name}: expected ${field.expected}`;
  }
  const unknown = Object.keys(fields).filter((name) => !(name in FIELDS));
  return unknown.length > 0 ? `(file): unknown field(s) ${unknown.join(', ')}` : undefined;
}

export interface AgentConfig extends AgentConfigFile {
  /** The folder holding agent.json, the secrets and the state. */
  dir: string;
  configPath: string;
}

export interface AgentSecrets {
  wireguardPrivateKey: string;
  nodeSecret: string;
}

export const secretPaths = (dir: string) => ({
  wireguardKey: path.join(dir, 'wireguard.key'),
  nodeSecret: path.join(dir, 'node.secret'),
});

export function loadAgentConfig(configPath: string): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new AgentConfigError(
      `${configPath}: cannot read the agent config (${reason}); run 'wirefleet-agent enroll' first`,
    );
  }
  const problem = agentConfigProblem(raw);
  if (problem !== undefined) throw new AgentConfigError(`${configPath}: ${problem}`);
  return {
    ...(raw as AgentConfigFile),
    dir: path.dirname(path.resolve(configPath)),
    configPath: path.resolve(configPath),
  };
}

export function loadAgentSecrets(config: AgentConfig): AgentSecrets {
  const paths = secretPaths(config.dir);
  return {
    wireguardPrivateKey: readSecretFile(paths.wireguardKey),
    nodeSecret: readSecretFile(paths.nodeSecret),
  };
}

export function saveAgentConfig(configPath: string, config: AgentConfigFile, secrets: AgentSecrets): void {
  const dir = path.dirname(path.resolve(configPath));
  const paths = secretPaths(dir);
  writeFileAtomic(paths.wireguardKey, `${secrets.wireguardPrivateKey}\n`);
  writeFileAtomic(paths.nodeSecret, `${secrets.nodeSecret}\n`);
  writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
}
