import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { parseEndpoint, region as regionSchema, resourceName } from '@wirefleet/shared/schemas';
import { type AgentConfigFile, saveAgentConfig } from '../config/agent-config.js';
import path from 'node:path';
import { readCaFile } from '../http/ca-file.js';
import { createJsonRequest, type JsonResponse } from '../http/json-request.js';
import { AgentConfigError } from '../config/files.js';
import { EnrollError, UsageError } from './usage.js';

export interface EnrollFlags {
  api: string;
  key: string;
  name?: string | undefined;
  endpoint?: string | undefined;
  listenPort?: string | undefined;
  region?: string | undefined;
  gateway?: string | undefined;
  config: string;
  interface?: string | undefined;
  force?: boolean | undefined;
  /** PEM CA file trusted (alone) for the API and the gateway; stored in agent.json for `run`. */
  caFile?: string | undefined;
}

/** A WireGuard key pair generated here: the private half never leaves this host. */
export function generateWireguardKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = (value: string | undefined) => Buffer.from(value!, 'base64url').toString('base64');
  return {
    privateKey: raw(privateKey.export({ format: 'jwk' }).d),
    publicKey: raw(publicKey.export({ format: 'jwk' }).x),
  };
}

/** Where `enroll` may find the enrollment key. */
export interface KeySources {
  key?: string | undefined;
  keyFile?: string | undefined;
  env?: string | undefined;
}

/**
 * The enrollment key from `--key-file`, `--key` or WIREFLEET_ENROLLMENT_KEY, in that order of
 * preference; one flag at most. `--key` still works but warns: a command line is visible to
 * every user of the host in `ps`, and lands in shell history and npm's banner.
 */
export function enrollmentKey(sources: KeySources, warn: (line: string) => void): string {
  if (sources.key !== undefined && sources.keyFile !== undefined)
    throw new UsageError('--key and --key-file: give one of them');
  if (sources.keyFile !== undefined) return readKeyFile(sources.keyFile);
  if (sources.key !== undefined) {
    warn(
      'wirefleet-agent: warning: --key puts the enrollment key on the command line, where other users of this host see it (ps); use --key-file PATH or WIREFLEET_ENROLLMENT_KEY',
    );
    if (sources.key.trim() === '') throw new UsageError('--key: the enrollment key is empty');
    return sources.key.trim();
  }
  const fromEnv = sources.env?.trim();
  if (fromEnv) return fromEnv;
  throw new UsageError(
    'an enrollment key is required: --key-file PATH or WIREFLEET_ENROLLMENT_KEY (or --key KEY)',
  );
}

function readKeyFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--key-file: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // One key, with or without a trailing newline; the content is never echoed (it is a secret).
  const key = text.trim();
  if (key === '' || /\s/.test(key)) throw new UsageError(`--key-file: ${file} must hold one enrollment key`);
  return key;
}

function caOrUsageError(file: string): Buffer {
  try {
    return readCaFile(file);
  } catch (error) {
    throw error instanceof AgentConfigError
      ? new UsageError(`--ca-file: ${error.message.replace(/^ca_file: /, '')}`)
      : error;
  }
}

function defaultName(): string {
  const cleaned = os
    .hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.slice(0, 63) || 'node';
}

/** The flags `enroll` checked, with their defaults filled in. */
interface CheckedFlags {
  name: string;
  listenPort: number;
  interfaceName: string;
  caFile: string | undefined;
  ca: Buffer | undefined;
}

/** Every flag checked before anything is generated or sent; a bad one is a UsageError naming it. */
function checkFlags(flags: EnrollFlags): CheckedFlags {
  if (!/^https?:\/\/\S+$/.test(flags.api) || !URL.canParse(flags.api))
    throw new UsageError(`--api: expected an http(s) URL, got ${JSON.stringify(flags.api)}`);
  if (flags.gateway !== undefined && (!/^wss?:\/\/\S+$/.test(flags.gateway) || !URL.canParse(flags.gateway)))
    throw new UsageError('--gateway: expected a ws(s) URL');
  const name = flags.name ?? defaultName();
  if (!resourceName.safeParse(name).success)
    throw new UsageError('--name: up to 63 letters, digits, . _ - (starting with a letter or digit)');
  if (flags.endpoint !== undefined && !parseEndpoint(flags.endpoint))
    throw new UsageError('--endpoint: expected HOST:PORT');
  if (flags.region !== undefined && !regionSchema.safeParse(flags.region).success)
    throw new UsageError('--region: lower-case letters, digits and -');
  const listenPort = flags.listenPort === undefined ? 51820 : Number(flags.listenPort);
  if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65535)
    throw new UsageError('--listen-port: expected 1-65535');
  const interfaceName = flags.interface ?? 'wf0';
  if (!/^[A-Za-z0-9_=+.-]{1,15}$/.test(interfaceName))
    throw new UsageError('--interface: 1-15 letters, digits, _ = + . -');
  const caFile = flags.caFile === undefined ? undefined : path.resolve(flags.caFile);
  const ca = caFile === undefined ? undefined : caOrUsageError(caFile);
  if (fs.existsSync(flags.config) && !flags.force)
    throw new UsageError(
      `${flags.config} exists: this host is already enrolled (use --force to enroll again as a new node)`,
    );
  return { name, listenPort, interfaceName, caFile, ca };
}

/** POST /v1/nodes/enroll; the 201 body, or an EnrollError saying why not. */
async function requestEnrollment(
  apiUrl: string,
  body: Record<string, unknown>,
  ca: Buffer | undefined,
): Promise<Record<string, unknown>> {
  let response: JsonResponse;
  try {
    response = await createJsonRequest({ ca })(`${apiUrl}/v1/nodes/enroll`, {
      method: 'POST',
      body,
      timeoutMs: 15_000,
      maxBytes: 64 * 1024,
    });
  } catch (error) {
    throw new EnrollError(`cannot reach the API at ${apiUrl}: ${(error as Error).message}`);
  }
  const answer = (response.body ?? {}) as Record<string, unknown>;
  if (response.status !== 201) {
    const errors = Array.isArray(answer.errors)
      ? (answer.errors as Array<{ path: string; message: string }>)
      : undefined;
    const details = errors ? ` (${errors.map((e) => `${e.path}: ${e.message}`).join('; ')})` : '';
    throw new EnrollError(`enrollment refused: ${response.status} ${String(answer.code ?? '')}${details}`);
  }
  return answer;
}

/** `wirefleet-agent enroll`: validates every flag, enrolls, and writes the config and secrets (0600). */
export async function enroll(flags: EnrollFlags, out: (line: string) => void): Promise<void> {
  const { name, listenPort, interfaceName, caFile, ca } = checkFlags(flags);
  const keys = generateWireguardKeys();
  const apiUrl = flags.api.replace(/\/$/, '');
  const body = await requestEnrollment(
    apiUrl,
    {
      enrollment_key: flags.key,
      name,
      wg_public_key: keys.publicKey,
      listen_port: listenPort,
      hostname: os.hostname().slice(0, 253),
      agent_version: '0.1.0',
      ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
      ...(flags.region ? { region: flags.region } : {}),
    },
    ca,
  );
  const config: AgentConfigFile = {
    version: 1,
    api_url: apiUrl,
    gateway_url: flags.gateway ?? String(body.gateway_url),
    node_id: Number(body.node_id),
    name,
    network_cidr: String(body.network_cidr),
    tunnel_ip: String(body.tunnel_ip),
    interface: interfaceName,
    listen_port: listenPort,
    backend: 'linux',
    wireguard_public_key: keys.publicKey,
    ...(caFile ? { ca_file: caFile } : {}),
  };
  saveAgentConfig(flags.config, config, {
    wireguardPrivateKey: keys.privateKey,
    nodeSecret: String(body.node_secret),
  });
  out(
    `enrolled as node ${config.node_id} (${name}), tunnel address ${config.tunnel_ip} in ${config.network_cidr}`,
  );
  out(
    `config written to ${flags.config}; start the agent with: wirefleet-agent run --config ${flags.config}`,
  );
}
