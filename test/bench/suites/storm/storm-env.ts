import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '@wirefleet/shared/tokens';
import { createTokenFactory } from '../../../support/forged-tokens.js';
import { freePort, killAllChildren } from '../../support/child-service.js';
import { type FleetApi, startFleetApi } from '../../support/fleet-api.js';
import { seedFleet, waitRelayIdle } from '../../support/fleet-seed.js';
import { clientWorkerCount } from '../../support/gateway-children.js';
import type { AgentSpec, ViewerSpec } from '../../support/storm-protocol.js';
import { AGENT_HOST, StormProcess, VIEWER_WORKER } from '../../support/storm-processes.js';
import type { BenchContext } from '../../types.js';

/** Node rooms each dashboard follows besides `fleet` (a few node pages open). */
export const NODE_ROOMS_PER_VIEWER = 3;

/** Everything one storm run shares: the auth-api and its fleet, the load processes, the gateway's settings. */
export interface StormEnv {
  api: FleetApi;
  agents: AgentSpec[];
  networkCidr: string;
  viewers: ViewerSpec[];
  /** Every room followed by someone: `fleet` and the node rooms. */
  rooms: string[];
  viewerWorkers: StormProcess[];
  agentHost: StormProcess;
  /** The gateway's port, the same before and after the restart. */
  port: number;
  gatewayEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The gateway trusts the auth-api's key (node tokens) and the bench's (viewer tokens minted
 * here, one user each, as the auth-api would issue them after a login): one JWKS file, the
 * auth-api's public URL as issuer.
 */
async function writeJwks(
  api: FleetApi,
  dir: string,
  count: number,
): Promise<{ file: string; tokens: string[] }> {
  const published = (await (await fetch(`${api.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
  const factory = createTokenFactory({ issuer: api.url });
  const file = path.join(dir, 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: [...published.keys, ...factory.jwks.keys] }));
  const now = Math.floor(Date.now() / 1000);
  const tokens = Array.from({ length: count }, (_, index) =>
    factory.sign({
      sub: `user:${index + 1}`,
      role: 'viewer',
      iat: now,
      nbf: now,
      exp: now + MAX_ACCESS_TOKEN_TTL_SECONDS,
    }),
  );
  return { file, tokens };
}

async function seededAgents(
  api: FleetApi,
  count: number,
): Promise<{ agents: AgentSpec[]; networkCidr: string }> {
  const seed = await seedFleet(api.db.knex, count, 0);
  await waitRelayIdle(api.db.knex);
  const rows = await api.db
    .knex('nodes')
    .select<Array<{ id: string; tunnel_ip: string; wg_public_key: string }>>(
      'id',
      'tunnel_ip',
      'wg_public_key',
    );
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  const agents = seed.nodes.map((node) => {
    const row = byId.get(node.id)!;
    return { nodeId: node.id, secret: node.secret, tunnelIp: row.tunnel_ip, publicKey: row.wg_public_key };
  });
  return { agents, networkCidr: seed.network.cidr };
}

export async function createStormEnv(
  ctx: BenchContext,
  counts: { viewers: number; agents: number },
): Promise<StormEnv> {
  ctx.progress('starting an auth-api child process (dist/main.js)');
  const api = await startFleetApi();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-storm-'));
  const processes: StormProcess[] = [];
  try {
    ctx.progress(`seeding ${counts.agents} nodes`);
    const { agents, networkCidr } = await seededAgents(api, counts.agents);
    ctx.progress(`minting ${counts.viewers} viewer tokens`);
    const { file, tokens } = await writeJwks(api, dir, counts.viewers);
    const nodeRooms = agents.map((agent) => `node:${agent.nodeId}`);
    const viewers = tokens.map((token, index) => ({
      token,
      rooms: [
        'fleet',
        ...Array.from(
          { length: NODE_ROOMS_PER_VIEWER },
          (_, k) => nodeRooms[(index * NODE_ROOMS_PER_VIEWER + k) % nodeRooms.length]!,
        ),
      ],
    }));
    const workers = await Promise.all(
      Array.from({ length: clientWorkerCount() }, () => StormProcess.start(VIEWER_WORKER)),
    );
    processes.push(...workers);
    const agentHost = await StormProcess.start(AGENT_HOST);
    processes.push(agentHost);
    return {
      api,
      agents,
      networkCidr,
      viewers,
      rooms: ['fleet', ...nodeRooms],
      viewerWorkers: workers,
      agentHost,
      port: await freePort(),
      gatewayEnv: {
        REDIS_URL: api.redis.url,
        REDIS_KEY_PREFIX: api.redis.prefix,
        AUTH_JWKS_FILE: file,
        AUTH_ISSUER: api.url,
        GATEWAY_INSTANCE_ID: 'gw-bench-storm',
      },
      async close() {
        await Promise.allSettled(processes.map((process) => process.close()));
        await killAllChildren();
        await api.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.allSettled(processes.map((process) => process.close()));
    await killAllChildren();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
