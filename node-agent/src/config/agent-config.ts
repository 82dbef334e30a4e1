import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AgentConfigError, readSecretFile, writeFileAtomic } from './files.js';

export const DEFAULT_CONFIG_PATH = '/etc/wirefleet/agent.json';
export const BACKENDS = ['linux', 'dry-run', 'memory'] as const;
export type Backend = (typeof BACKENDS)[number];

const httpUrl = z.string().refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'an http(s) URL');
const wsUrl = z.string().refine((value) => /^wss?:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'a ws(s) URL');

/**
 * `agent.json`: everything `run` needs. Secrets live beside it in their own 0600 files
 * (`wireguard.key`, `node.secret`), never in this file, so it can be shown and diffed.
 */
const agentConfigSchema = z.strictObject({
  version: z.literal(1),
  api_url: httpUrl,
  gateway_url: wsUrl,
  node_id: z.number().int().min(1),
  name: z.string().min(1).max(63),
  network_cidr: z.string().regex(/^[0-9.]+\/\d{1,2}$/, 'an IPv4 CIDR'),
  tunnel_ip: z.string().regex(/^[0-9.]+$/, 'an IPv4 address'),
  interface: z.string().regex(/^[A-Za-z0-9_=+.-]{1,15}$/, 'an interface name of 1-15 letters, digits, _ = + . -'),
  listen_port: z.number().int().min(1).max(65535),
  backend: z.enum(BACKENDS),
  wireguard_public_key: z.string(),
});

export type AgentConfigFile = z.infer<typeof agentConfigSchema>;

export interface AgentConfig extends AgentConfigFile {
  /** The folder holding agent.json, the secrets and the state. */
  dir: string;
  configPath: string;
}

export interface AgentSecrets {
  wireguardPrivateKey: string;
  nodeSecret: string;
}

export const secretPaths = (dir: string) => ({ wireguardKey: path.join(dir, 'wireguard.key'), nodeSecret: path.join(dir, 'node.secret') });

export function loadAgentConfig(configPath: string): AgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new AgentConfigError(`${configPath}: cannot read the agent config (${reason}); run 'wirefleet-agent enroll' first`);
  }
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AgentConfigError(`${configPath}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
  }
  return { ...parsed.data, dir: path.dirname(path.resolve(configPath)), configPath: path.resolve(configPath) };
}

export function loadAgentSecrets(config: AgentConfig): AgentSecrets {
  const paths = secretPaths(config.dir);
  return { wireguardPrivateKey: readSecretFile(paths.wireguardKey), nodeSecret: readSecretFile(paths.nodeSecret) };
}

export function saveAgentConfig(configPath: string, config: AgentConfigFile, secrets: AgentSecrets): void {
  const dir = path.dirname(path.resolve(configPath));
  const paths = secretPaths(dir);
  writeFileAtomic(paths.wireguardKey, `${secrets.wireguardPrivateKey}\n`);
  writeFileAtomic(paths.nodeSecret, `${secrets.nodeSecret}\n`);
  writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
}
