import fs from 'node:fs';
import path from 'node:path';
import type { EnrollmentKeyStore } from '@wirefleet/auth-api';
import { Agent, generateWireguardKeys, loadAgentConfig, loadAgentSecrets, MemoryDataplane, saveAgentConfig, StateStore, timingFromEnv } from '@wirefleet/node-agent';
import type { Logger } from '@wirefleet/shared/logging';

/**
 * Simulated node agents for `npm start`: the real agent loop (token, gateway, signed config,
 * status, commands) on the in-memory dataplane, so the fleet has live nodes without root or
 * WireGuard. Enrolled once through the real enrollment route; their state lives in
 * `.data/sim-agents/<name>/` and survives restarts.
 */
export async function startSimulatedAgents(options: {
  count: number;
  dataDir: string;
  apiUrl: string;
  gatewayUrl: string;
  keys: EnrollmentKeyStore;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const agents: Agent[] = [];
  // The same timing overrides as `wirefleet-agent run` (e.g. a faster status period for a demo).
  const timing = timingFromEnv(process.env);
  for (let i = 1; i <= options.count; i += 1) {
    const name = `sim-${i}`;
    const dir = path.join(options.dataDir, 'sim-agents', name);
    const configPath = path.join(dir, 'agent.json');
    if (!fs.existsSync(configPath)) await enroll(name, configPath, options);
    const config = loadAgentConfig(configPath);
    const agent = new Agent({
      config: { ...config, api_url: options.apiUrl, gateway_url: options.gatewayUrl },
      secrets: loadAgentSecrets(config),
      dataplane: new MemoryDataplane(options.logger.child({ sim: name })),
      state: new StateStore(dir),
      logger: options.logger.child({ sim: name }),
      ...timing,
    });
    await agent.start();
    agents.push(agent);
  }
  return { stop: async () => void (await Promise.all(agents.map((agent) => agent.stop()))) };
}

async function enroll(
  name: string,
  configPath: string,
  options: { apiUrl: string; gatewayUrl: string; keys: EnrollmentKeyStore },
): Promise<void> {
  const key = await options.keys.create({ reusable: false, ttl_seconds: 300, tags: ['simulated'] }, 'system:npm-start');
  const wg = generateWireguardKeys();
  const response = await fetch(`${options.apiUrl}/v1/nodes/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollment_key: key.key, name, wg_public_key: wg.publicKey, region: 'local', agent_version: 'simulated' }),
  });
  if (response.status !== 201) throw new Error(`could not enroll simulated agent ${name}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { node_id: number; node_secret: string; tunnel_ip: string; network_cidr: string };
  saveAgentConfig(
    configPath,
    {
      version: 1,
      api_url: options.apiUrl,
      gateway_url: options.gatewayUrl,
      node_id: body.node_id,
      name,
      network_cidr: body.network_cidr,
      tunnel_ip: body.tunnel_ip,
      interface: `sim${name.slice(4)}`,
      listen_port: 51820,
      backend: 'memory',
      wireguard_public_key: wg.publicKey,
    },
    { wireguardPrivateKey: wg.privateKey, nodeSecret: body.node_secret },
  );
}
