import pg from 'pg';
import type { PolicyDocument } from '@wirefleet/shared/schemas';
import type { PolicyInputs } from '../../../../auth-api/src/fleet/policy/compiler/index.js';
import { TEST_DATABASE_URL } from '../../../support/services.js';

/**
 * The baseline of the policy suite: the same inputs as the compiler reads, loaded from real
 * Postgres with the SELECTs the API runs. A private database of its own (dropped after), with
 * tables of the same columns as the real ones, so the suite needs no migrations.
 */
export interface PolicyDatabase {
  name: string;
  /** Runs the SELECTs once and returns what they loaded, as the compiler takes it. */
  load(): Promise<PolicyInputs>;
  close(): Promise<void>;
}

const SCHEMA = `
  CREATE TABLE nodes (id integer PRIMARY KEY, tunnel_ip inet NOT NULL, tags text[] NOT NULL DEFAULT '{}',
                      routes cidr[] NOT NULL DEFAULT '{}', exit_node boolean NOT NULL DEFAULT false);
  CREATE TABLE devices (id integer PRIMARY KEY, node_id integer NOT NULL REFERENCES nodes, tunnel_ip inet NOT NULL,
                        tags text[] NOT NULL DEFAULT '{}');
  CREATE TABLE port_forwards (id serial PRIMARY KEY, node_id integer NOT NULL REFERENCES nodes, protocol text NOT NULL,
                              public_port integer NOT NULL, target_ip inet NOT NULL, target_port integer NOT NULL);
  CREATE TABLE policy (version integer PRIMARY KEY, document jsonb NOT NULL);
`;

function urlFor(database: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function insert(client: pg.Client, inputs: PolicyInputs): Promise<void> {
  const nodes = inputs.members.filter((member) => member.kind === 'node');
  const devices = inputs.members.filter((member) => member.kind === 'device');
  // Routes stand for subnet routers: the compiler only asks whether there are any.
  await client.query(
    `INSERT INTO nodes (id, tunnel_ip, tags, routes)
     SELECT id, ip::inet, ARRAY(SELECT jsonb_array_elements_text(tags)), CASE WHEN router THEN '{10.0.0.0/24}'::cidr[] ELSE '{}' END
     FROM jsonb_to_recordset($1::jsonb) AS n(id integer, ip text, tags jsonb, router boolean)`,
    [
      JSON.stringify(
        nodes.map((node) => ({ id: node.id, ip: node.address, tags: node.tags, router: node.hasRoutes })),
      ),
    ],
  );
  await client.query(
    `INSERT INTO devices (id, node_id, tunnel_ip, tags)
     SELECT id, home, ip::inet, ARRAY(SELECT jsonb_array_elements_text(tags))
     FROM jsonb_to_recordset($1::jsonb) AS d(id integer, home integer, ip text, tags jsonb)`,
    [
      JSON.stringify(
        devices.map((device) => ({
          id: device.id,
          home: device.homeNodeId,
          ip: device.address,
          tags: device.tags,
        })),
      ),
    ],
  );
  await client.query(
    `INSERT INTO port_forwards (node_id, protocol, public_port, target_ip, target_port)
     SELECT node_id, protocol, public_port, target_ip::inet, target_port
     FROM jsonb_to_recordset($1::jsonb)
       AS f(node_id integer, protocol text, public_port integer, target_ip text, target_port integer)`,
    [
      JSON.stringify(
        inputs.forwards.map((f, i) => ({
          node_id: f.nodeId,
          protocol: f.protocol,
          public_port: 20_000 + i,
          target_ip: f.targetIp,
          target_port: f.targetPort,
        })),
      ),
    ],
  );
  await client.query('INSERT INTO policy (version, document) VALUES (1, $1)', [
    JSON.stringify(inputs.document),
  ]);
  await client.query('ANALYZE');
}

async function select(client: pg.Client): Promise<PolicyInputs> {
  const nodes = await client.query<{ id: number; ip: string; tags: string[]; has_routes: boolean }>(
    `SELECT id, host(tunnel_ip) AS ip, tags, (cardinality(routes) > 0 OR exit_node) AS has_routes FROM nodes`,
  );
  const devices = await client.query<{ id: number; node_id: number; ip: string; tags: string[] }>(
    'SELECT id, node_id, host(tunnel_ip) AS ip, tags FROM devices',
  );
  const forwards = await client.query<{
    node_id: number;
    protocol: 'tcp' | 'udp';
    ip: string;
    target_port: number;
  }>('SELECT node_id, protocol, host(target_ip) AS ip, target_port FROM port_forwards');
  const policy = await client.query<{ document: PolicyDocument }>(
    'SELECT document FROM policy ORDER BY version DESC LIMIT 1',
  );
  return {
    document: policy.rows[0]?.document ?? null,
    members: [
      ...nodes.rows.map((n) => ({
        kind: 'node' as const,
        id: n.id,
        address: n.ip,
        tags: n.tags,
        homeNodeId: n.id,
        hasRoutes: n.has_routes,
      })),
      ...devices.rows.map((d) => ({
        kind: 'device' as const,
        id: d.id,
        address: d.ip,
        tags: d.tags,
        homeNodeId: d.node_id,
        hasRoutes: false,
      })),
    ],
    forwards: forwards.rows.map((f) => ({
      nodeId: f.node_id,
      protocol: f.protocol,
      targetIp: f.ip,
      targetPort: f.target_port,
    })),
  };
}

/** A database `bench_policy_<pid>` holding `inputs`; `close` drops it. */
export async function createPolicyDatabase(inputs: PolicyInputs): Promise<PolicyDatabase> {
  const name = `bench_policy_${process.pid}`;
  await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await asAdmin(`CREATE DATABASE "${name}"`);
  const client = new pg.Client({ connectionString: urlFor(name) });
  try {
    await client.connect();
    await client.query(SCHEMA);
    await insert(client, inputs);
  } catch (error) {
    // The database is dropped below whatever state the connection is in.
    await client.end().catch(() => undefined);
    await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  return {
    name,
    load: () => select(client),
    close: async () => {
      await client.end();
      await asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
