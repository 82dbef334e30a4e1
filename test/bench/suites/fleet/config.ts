import { CONFIG_JWS_TYP } from '@wirefleet/shared/tokens';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { buildNodeConfig, type NodeConfig, signNodeConfig } from '../../../../auth-api/src/fleet/config/index.js';
import type { Network } from '../../../../auth-api/src/fleet/network/index.js';
import { Keyring } from '../../../../auth-api/src/identity/keys/index.js';
import { expectStatus, JsonClient } from '../../support/http-client.js';
import { parseJson } from '../../support/http-client.js';
import { closedLoop, describeStatuses, type LoadResult } from '../../support/load.js';
import { CpuWindow, describeCpu } from '../../support/procfs.js';
import { median, msSince, percentile } from '../../support/stats.js';
import type { BenchResult } from '../../types.js';
import { type FleetBench, ms } from './context.js';

const HTTP_CONCURRENCY = 8;

/**
 * The database's share of a build: the same queries buildNodeConfig sends (the node's own
 * row, then peers, devices and forwards in parallel), with nothing done to the rows. Copied
 * rather than shared on purpose: the baseline must not change when the product code does.
 */
async function queriesAlone(db: Knex, network: Network, nodeId: number): Promise<number> {
  const self = await db('nodes')
    .where({ id: nodeId, network_id: network.id })
    .first('id', 'tunnel_ip', 'listen_port', 'endpoint', 'desired_revision');
  const [others, devices, forwards] = await Promise.all([
    db('nodes').where({ network_id: network.id }).whereNot({ id: nodeId }).select('id', 'wg_public_key', 'tunnel_ip', 'routes', 'endpoint'),
    db('devices').where({ network_id: network.id }).select('node_id', 'wg_public_key', 'tunnel_ip'),
    db('port_forwards')
      .where({ node_id: nodeId, enabled: true })
      .orderBy(['protocol', 'public_port'])
      .select('protocol', 'public_port', 'target_ip', 'target_port'),
  ]);
  return (self ? 1 : 0) + others.length + devices.length + forwards.length;
}

function stats(samples: number[]): { p50: number; p99: number } {
  return { p50: median(samples), p99: percentile(samples, 99) };
}

/** In process, interleaved per iteration so machine drift hits every series alike. */
async function inProcess(bench: FleetBench) {
  const { ctx, api, seed } = bench;
  const db = api.db.knex;
  // The child's own keys directory: the same ES256 key it signs with.
  const keyring = Keyring.open(api.keysDir);
  const key = keyring.signingKey();
  const bareSign = (config: NodeConfig) =>
    jwt.sign(config as unknown as Record<string, unknown>, key.privateKey, {
      algorithm: key.alg,
      keyid: key.kid,
      noTimestamp: true,
      header: { alg: key.alg, typ: CONFIG_JWS_TYP, kid: key.kid },
    });
  const iterations = ctx.scale(500, 100);
  const series = { queries: [] as number[], build: [] as number[], sign: [] as number[], total: [] as number[] };
  const bare = { sign: [] as number[], stringify: [] as number[] };
  let sample: { json: number; jws: number; peers: number } | undefined;
  for (let i = -20; i < iterations; i += 1) {
    // Round-robin over the nodes, so the ones with forwards and devices take their turn.
    const id = seed.nodes[((i + 20) * 7) % seed.nodes.length]!.id;
    let started = process.hrtime.bigint();
    await queriesAlone(db, seed.network, id);
    const queries = msSince(started);
    started = process.hrtime.bigint();
    const config = await buildNodeConfig(db, seed.network, id);
    if (!config) throw new Error(`node ${id} has no config`);
    const built = msSince(started);
    const signed = signNodeConfig(keyring, config);
    const total = msSince(started);
    started = process.hrtime.bigint();
    bareSign(config);
    const bareMs = msSince(started);
    started = process.hrtime.bigint();
    const json = JSON.stringify(config);
    const stringifyMs = msSince(started);
    sample ??= { json: json.length, jws: signed.signature.length, peers: config.peers.length };
    if (i < 0) continue; // warm-up: JIT, pool connections, key loading
    series.queries.push(queries);
    series.build.push(built);
    series.sign.push(total - built);
    series.total.push(total);
    bare.sign.push(bareMs);
    bare.stringify.push(stringifyMs);
    if ((i + 1) % 100 === 0) ctx.progress(`build + sign in process: ${i + 1}/${iterations}`);
  }
  return { iterations, series, bare, sample: sample! };
}

async function overHttp(bench: FleetBench, concurrency: number, tokens: string[], client: JsonClient) {
  const { ctx, api } = bench;
  const step = async (index: number) => {
    const reply = await client.request('GET', '/v1/nodes/self/config', undefined, tokens[index % tokens.length]!);
    return { status: reply.status, ms: reply.ms };
  };
  await closedLoop({ concurrency, durationMs: ctx.scale(1_000, 300), step });
  ctx.progress(`GET /v1/nodes/self/config at concurrency ${concurrency} for ${ctx.scale(6, 1.5)} s`);
  const cpu = new CpuWindow(api.pid);
  const load: LoadResult = await closedLoop({ concurrency, durationMs: ctx.scale(6_000, 1_500), step, progress: ctx.progress });
  return { load, cpu: cpu.finish() };
}

export async function measureConfig(bench: FleetBench): Promise<BenchResult[]> {
  const { ctx, api, seed } = bench;
  const nodes = seed.nodes.length;
  ctx.progress(`building and signing configs in process (${nodes} nodes)`);
  const local = await inProcess(bench);
  const q = stats(local.series.queries);
  const build = stats(local.series.build);
  const sign = stats(local.series.sign);
  const total = stats(local.series.total);
  const bareSign = stats(local.bare.sign);
  const stringify = stats(local.bare.stringify);

  const client = new JsonClient(api.url, HTTP_CONCURRENCY);
  try {
    // One node token per worker, exchanged like an agent does.
    const tokens: string[] = [];
    for (const node of seed.nodes.slice(0, HTTP_CONCURRENCY)) {
      const reply = expectStatus(
        await client.request('POST', '/v1/nodes/token', { node_id: node.id, node_secret: node.secret }),
        200,
        'node token',
      );
      tokens.push(parseJson<{ access_token: string }>(reply).access_token);
    }
    const probe = expectStatus(await client.request('GET', '/v1/nodes/self/config', undefined, tokens[0]!), 200, 'config');
    const one = await overHttp(bench, 1, tokens, client);
    const eight = await overHttp(bench, HTTP_CONCURRENCY, tokens, client);
    const shape =
      `${nodes} nodes, ${seed.devices} devices, ${seed.forwards} forwards; a config has ${local.sample.peers} peers, ` +
      `${(local.sample.json / 1024).toFixed(0)} KiB of JSON, a ${(local.sample.jws / 1024).toFixed(0)} KiB JWS; ` +
      `the HTTP reply (config + JWS) is ${(probe.text.length / 1024).toFixed(0)} KiB`;
    const split =
      `p50 split: queries + row mapping (buildNodeConfig) ${ms(build.p50)} [the queries alone ${ms(q.p50)}], ` +
      `signNodeConfig ${ms(sign.p50)} [of which JSON.stringify of the config ${ms(stringify.p50)}]; ` +
      `p99 build ${ms(build.p99)}, sign ${ms(sign.p99)}`;
    const http = (load: LoadResult) =>
      `${describeStatuses(load.byStatus)} in ${load.seconds.toFixed(1)} s = ${load.okPerSecond.toFixed(0)} configs/s`;
    return [
      {
        metric: `Config build + sign in process, p50 (${nodes}-node mesh)`,
        value: total.p50,
        unit: 'ms',
        baseline: { label: 'the same SELECTs alone', value: q.p50 },
        notes: `${local.iterations} iterations against real Postgres, interleaved with the baselines; ${split}. ${shape}.`,
      },
      {
        metric: `Config build + sign in process, p99 (${nodes}-node mesh)`,
        value: total.p99,
        unit: 'ms',
        baseline: { label: 'the same SELECTs alone', value: q.p99 },
        goal: '≤ 20 ms (p99)',
        met: total.p99 <= 20,
      },
      {
        metric: 'signNodeConfig alone, p50',
        value: sign.p50,
        unit: 'ms',
        baseline: { label: 'bare jwt.sign ES256 of the same payload', value: bareSign.p50 },
        notes: `p99 ${ms(sign.p99)} vs bare ${ms(bareSign.p99)}: signing is jwt.sign; JSON + base64url + SHA-256 of the payload grow with the mesh.`,
      },
      {
        metric: 'GET /v1/nodes/self/config, concurrency 1, p99',
        value: one.load.p99,
        unit: 'ms',
        baseline: { label: 'build + sign in process, p99', value: total.p99 },
        goal: '≤ 20 ms (p99), applied end to end',
        met: one.load.p99 <= 20,
        notes: `p50 ${ms(one.load.p50)}; ${http(one.load)}. ${describeCpu(one.cpu, 'auth-api')}.`,
      },
      {
        metric: `GET /v1/nodes/self/config, concurrency ${HTTP_CONCURRENCY}, p99`,
        value: eight.load.p99,
        unit: 'ms',
        baseline: { label: 'concurrency 1, p99', value: one.load.p99 },
        notes: `p50 ${ms(eight.load.p50)}; ${http(eight.load)}. ${describeCpu(eight.cpu, 'auth-api')}.`,
      },
    ];
  } finally {
    client.close();
  }
}
