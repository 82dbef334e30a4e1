import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashNodeSecret } from '../../../auth-api/src/fleet/enrollment/enroll-service.js';
import type { Network } from '../../../auth-api/src/fleet/network/index.js';
import { wgKeyPair } from '../../support/fleet.js';

export interface SeededNode {
  id: number;
  /** The node's secret, so the bench can exchange it for a node token like an agent does. */
  secret: string;
}

export interface SeededFleet {
  network: Network;
  nodes: SeededNode[];
  devices: number;
  forwards: number;
  /** Wall-clock seconds the seeding took (key generation included). */
  seconds: number;
}

const CHUNK = 500;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The network the auth-api created at start (`ensureNetwork`), as the fleet code sees it. */
export async function readNetwork(knex: Knex): Promise<Network> {
  const row = await knex('networks').where({ name: 'default' }).first<{ id: string; cidr: string }>('id', 'cidr');
  if (!row) throw new Error('the auth-api has not created its network');
  return { id: Number(row.id), cidr: row.cidr, prefix: Number(row.cidr.split('/')[1]) };
}

/**
 * Seeds `count` nodes with bulk INSERTs straight into `nodes` and `ip_allocations` (enrolling
 * 1,000 nodes one by one is what the enrollment measurement shows to be slow), plus a few
 * devices and port forwards, so every query of a config build returns rows. Keys are real
 * X25519 keys, tunnel addresses are consecutive and distinct, and the shape is mixed: half
 * the nodes behind NAT (no endpoint, so their configs carry keepalives), every tenth node with
 * a routed subnet. Revisions start announced, so the relay has nothing to do at the start.
 */
export async function seedFleet(knex: Knex, count: number, devices: number): Promise<SeededFleet> {
  const started = Date.now();
  const network = await readNetwork(knex);
  const base = ipToInt(network.cidr.split('/')[0]!);
  const nodes: SeededNode[] = [];
  for (let offset = 0; offset < count; offset += CHUNK) {
    const batch = Array.from({ length: Math.min(CHUNK, count - offset) }, (_, index) => {
      const n = offset + index;
      const secret = `wfns_${randomBytes(32).toString('base64url')}`;
      return {
        secret,
        row: {
          network_id: network.id,
          name: `bench-${n}`,
          region: ['eu-west', 'us-east', 'ap-south'][n % 3],
          wg_public_key: wgKeyPair().publicKey,
          endpoint: n % 2 === 0 ? `198.51.${Math.floor(n / 250) % 256}.${(n % 250) + 1}:51820` : null,
          tunnel_ip: intToIp(base + 1 + n),
          routes: n % 10 === 0 ? [`10.${Math.floor(n / 256) % 256}.${n % 256}.0/24`] : [],
          secret_hash: hashNodeSecret(secret),
          credential_id: randomUUID(),
          desired_revision: 1,
          announced_revision: 1,
        },
      };
    });
    const inserted = await knex('nodes')
      .insert(batch.map((entry) => entry.row))
      .returning<Array<{ id: string; tunnel_ip: string }>>(['id', 'tunnel_ip']);
    await knex('ip_allocations').insert(
      inserted.map((row) => ({ network_id: network.id, address: row.tunnel_ip, owner_kind: 'node', owner_id: row.id })),
    );
    // Matched by address, not position: RETURNING order is not promised to follow VALUES order.
    const secretOf = new Map(batch.map((entry) => [entry.row.tunnel_ip, entry.secret]));
    for (const row of inserted) nodes.push({ id: Number(row.id), secret: secretOf.get(row.tunnel_ip)! });
  }

  // Devices hang off a spread of nodes; their /32s land in those nodes' peers' allowed IPs.
  const deviceRows = Array.from({ length: devices }, (_, j) => ({
    network_id: network.id,
    node_id: nodes[(j * 37) % nodes.length]!.id,
    name: `bench-device-${j}`,
    wg_public_key: wgKeyPair().publicKey,
    tunnel_ip: intToIp(base + 1 + count + j),
  }));
  if (deviceRows.length > 0) {
    const inserted = await knex('devices').insert(deviceRows).returning<Array<{ id: string; tunnel_ip: string }>>(['id', 'tunnel_ip']);
    await knex('ip_allocations').insert(
      inserted.map((row) => ({ network_id: network.id, address: row.tunnel_ip, owner_kind: 'device', owner_id: row.id })),
    );
  }

  // Three forwards on each of the first ten nodes: the forwards query of those builds returns rows.
  const forwardRows = nodes.slice(0, 10).flatMap((node) =>
    [80, 443, 25565].map((port, k) => ({
      node_id: node.id,
      protocol: 'tcp',
      public_port: 20_000 + k,
      target_ip: '192.168.1.10',
      target_port: port,
    })),
  );
  if (forwardRows.length > 0) await knex('port_forwards').insert(forwardRows);
  await knex.raw('ANALYZE nodes, devices, port_forwards, ip_allocations');
  return { network, nodes, devices: deviceRows.length, forwards: forwardRows.length, seconds: (Date.now() - started) / 1000 };
}

/** Resolves once the relay has announced every bumped revision (so a measurement starts from rest). */
export async function waitRelayIdle(knex: Knex, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await knex('nodes').whereRaw('desired_revision > announced_revision').count<Array<{ count: string }>>('* as count');
    if (Number(row[0]?.count ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the outbox relay still had unannounced revisions after ${timeoutMs} ms`);
}
