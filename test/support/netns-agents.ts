import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningGateway } from '@wirefleet/gateway-service';
import { call, login, startTestAuthApi, TEST_ISSUER, type TestAuthApi } from './auth-api.js';
import { startTestGateway } from './gateway.js';
import type { TestHost } from './netns.js';

const AGENT = fileURLToPath(new URL('../../node-agent/src/main.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', AGENT];
export const AGENT_LISTEN_PORT = 51820;

/** A real agent (the CLI from source) enrolled from inside a test namespace. */
export interface NetnsAgent {
  host: TestHost;
  dir: string;
  config: string;
  iface: string;
  nodeId: number;
  tunnelIp: string;
  publicKey: string;
  process?: ChildProcess;
  log: string[];
}

export interface EnrollOptions {
  apiUrl: string;
  gatewayUrl: string;
  key: string;
  /** Where each agent's config folder goes. */
  workDir: string;
  /** Makes interface names unique on the machine (`wf<prefix><index>`). */
  prefix: string;
}

export function agentCli(host: TestHost, args: string[]): Promise<string> {
  return host.exec([process.execPath, ...NODE_ARGS, ...args]);
}

/** Runs `wirefleet-agent enroll` inside each host; the agents are not started. */
export async function enrollAgents(hosts: TestHost[], options: EnrollOptions): Promise<NetnsAgent[]> {
  const agents: NetnsAgent[] = [];
  for (const [index, host] of hosts.entries()) {
    const dir = path.join(options.workDir, `agent${index}`);
    const iface = `wf${options.prefix}${index}`;
    const config = path.join(dir, 'agent.json');
    await agentCli(host, [
      ...[
        'enroll',
        '--api',
        options.apiUrl,
        '--key',
        options.key,
        '--config',
        config,
        '--name',
        `e2e-${index}`,
      ],
      ...['--endpoint', `${host.address}:${AGENT_LISTEN_PORT}`, '--listen-port', String(AGENT_LISTEN_PORT)],
      ...['--interface', iface, '--gateway', options.gatewayUrl],
    ]);
    const saved = JSON.parse(fs.readFileSync(config, 'utf8'));
    agents.push({
      ...{ host, dir, config, iface, nodeId: saved.node_id, tunnelIp: saved.tunnel_ip },
      ...{ publicKey: saved.wireguard_public_key, log: [] },
    });
  }
  return agents;
}

/** `wirefleet-agent run` inside the agent's host, keeping the last lines of its output. */
export function startAgent(agent: NetnsAgent): void {
  const child = agent.host.spawn([process.execPath, ...NODE_ARGS, 'run', '--config', agent.config], {
    LOG_LEVEL: 'info',
  });
  const keep = (chunk: Buffer) => agent.log.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  agent.process = child;
}

export function stopAgents(agents: NetnsAgent[]): void {
  for (const agent of agents) {
    agent.process?.kill('SIGKILL');
    if (agent.log.length > 0 && process.env.WF_E2E_LOGS) console.log(agent.log.join('\n'));
  }
}

/** Until the agent reports the revision the API wants it to run. */
export async function converged(apiUrl: string, token: string, agent: NetnsAgent): Promise<boolean> {
  const view = (await call(apiUrl, 'GET', `/v1/nodes/${agent.nodeId}`, { token })).body;
  return view.applied_revision !== null && view.applied_revision === view.desired_revision;
}

export async function wgPeers(agent: NetnsAgent): Promise<string[]> {
  return (await agent.host.exec(['wg', 'show', agent.iface, 'peers'])).split('\n').filter(Boolean);
}

export function pingOnce(from: NetnsAgent, to: string): Promise<string> {
  return from.host.exec(['ping', '-n', '-c', '1', '-W', '2', to]);
}

/** A TCP server on `port` inside the host that answers every connection with `reply`. */
export function serveTcp(host: TestHost, port: number, reply: string): void {
  host.spawn([
    process.execPath,
    '-e',
    `require('net').createServer((s) => s.end(${JSON.stringify(reply)})).listen(${port}, '0.0.0.0')`,
  ]);
}

/**
 * Connects from inside `host` and resolves with what the server sent; rejects with
 * `timeout` when no answer comes in `ms` (a dropped SYN) and `refused`/`error` otherwise.
 */
export async function tcpFetch(host: TestHost, address: string, port: number, ms = 3000): Promise<string> {
  const script = [
    `const s=require('net').connect(${port},'${address}');let d='';`,
    `s.setTimeout(${ms},()=>{process.stdout.write('timeout');process.exit(2)});`,
    `s.on('data',c=>d+=c);s.on('end',()=>process.stdout.write(d));`,
    `s.on('error',e=>{process.stdout.write(e.code==='ECONNREFUSED'?'refused':'error');process.exit(1)})`,
  ].join('');
  return host.exec([process.execPath, '-e', script]).catch((error: { stdout?: string }) => {
    throw new Error(error.stdout || 'error');
  });
}

/** The control plane the namespaced agents talk to: auth-api and gateway on the test bridge. */
export interface NetnsControlPlane {
  auth: TestAuthApi;
  gateway: RunningGateway;
  admin: string;
  close(): Promise<void>;
}

export async function startNetnsControlPlane(bridgeAddress: string): Promise<NetnsControlPlane> {
  const auth = await startTestAuthApi({
    env: { AUTH_API_HOST: bridgeAddress, ENROLL_LIMIT_PER_IP_PER_MINUTE: '100' },
  });
  const gateway = await startTestGateway({
    authUrl: auth.url,
    issuer: TEST_ISSUER,
    redisUrl: auth.redis!.url,
    redisPrefix: auth.redis!.prefix,
    env: { GATEWAY_HOST: bridgeAddress },
  });
  const admin = (await login(auth.url)).access_token;
  return {
    auth,
    gateway,
    admin,
    async close() {
      await gateway.close().catch(() => undefined);
      await auth.close().catch(() => undefined);
    },
  };
}
