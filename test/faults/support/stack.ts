import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, REPO_ROOT } from '../../bench/support/child-service.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../support/pg-cluster.js';
import { type PrivateRedis, startPrivateRedis } from '../../support/redis-server.js';
import { type FailoverProxy, startFailoverProxy } from '../../support/tcp-proxy.js';
import { AdminApi } from './admin-api.js';
import { AgentFleet } from './agent-fleet.js';
import { RecordingClient } from './client-recorder.js';
import { waitConverged } from './convergence.js';
import { agentEntry, authApiEntry, type EntryPoint, gatewayEntry } from './entry-points.js';
import { type ExitRecord, killEveryManagedProcess, type ManagedProcess } from './managed-process.js';
import { ReadinessMonitor } from './readiness.js';
import { createRunDir, type RunDir } from './run-dir.js';
import { authApiProcess, gatewayProcess, type ServiceWiring } from './services.js';
import { FAULT_SETTINGS } from './settings.js';
import { Traffic } from './traffic.js';

/** Where a run leaves its evidence (git-ignored): results.json and every process's log. */
export const OUTPUT_DIR = path.join(REPO_ROOT, 'test/faults/output');

/** Everything one fault-suite run started, and the records the checks read. */
export interface FaultStack {
  run: RunDir;
  logDir: string;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  authProxy: FailoverProxy;
  gatewayProxy: FailoverProxy;
  authApis: ManagedProcess[];
  gateways: ManagedProcess[];
  api: AdminApi;
  fleet: AgentFleet;
  clients: RecordingClient[];
  readiness: ReadinessMonitor;
  traffic: Traffic;
  exits: ExitRecord[];
  entries: Record<'authApi' | 'gateway' | 'agent', EntryPoint>;
  /** Milliseconds each start-up step took (where a slow CI run spends its time). */
  startup: Record<string, number>;
  close(): Promise<void>;
}

type Closers = Array<() => Promise<void>>;

async function closeAll(closers: Closers): Promise<void> {
  for (const close of closers.reverse()) await close().catch(() => undefined);
}

async function startBackends(run: RunDir, closers: Closers) {
  const pg = await startPrivatePostgres({ dir: path.join(run.dir, 'pg'), port: await freePort(), databases: ['wirefleet'], env: run.marker });
  closers.push(() => pg.close());
  const redis = await startPrivateRedis({ env: run.marker });
  closers.push(() => redis.stop());
  const authPorts = [await freePort(), await freePort()];
  const gatewayPorts = [await freePort(), await freePort()];
  const authProxy = await startFailoverProxy({ upstreams: authPorts, rotate: true });
  closers.push(() => authProxy.close());
  const gatewayProxy = await startFailoverProxy({ upstreams: gatewayPorts, rotate: true });
  closers.push(() => gatewayProxy.close());
  return { pg, redis, authPorts, gatewayPorts, authProxy, gatewayProxy };
}

async function startServices(wiring: ServiceWiring, authPorts: number[], gatewayPorts: number[]) {
  const authApis = authPorts.map((port, i) => authApiProcess(wiring, `auth-${'ab'[i]}`, port));
  const gateways = gatewayPorts.map((port, i) => gatewayProcess(wiring, `gateway-${'ab'[i]}`, port));
  // The first instance migrates and creates the shared signing key before the second starts.
  await authApis[0]!.start();
  await authApis[1]!.start();
  await Promise.all(gateways.map((gateway) => gateway.start()));
  return { authApis, gateways };
}

async function startClients(gatewayUrl: string, apiUrl: string, fleet: AgentFleet): Promise<RecordingClient[]> {
  const clients = FAULT_SETTINGS.clientRooms.map(
    (indices, i) => new RecordingClient(`client-${i}`, gatewayUrl, apiUrl, ['fleet', ...indices.map((n) => `node:${fleet.byIndex(n).nodeId}`)]),
  );
  for (const client of clients) client.start();
  const deadline = Date.now() + 20_000;
  while (!clients.every((client) => client.subscribedToAll())) {
    if (Date.now() > deadline) throw new Error('the recording clients did not get every room acknowledged within 20 s');
    await sleep(100);
  }
  return clients;
}

/**
 * Starts the whole system as separate processes: a private Postgres and Redis, two auth-api and
 * two gateway instances behind failover proxies, the agents, three recording clients and the
 * readiness probes; waits until every agent runs its node's desired revision.
 */
export async function startFaultStack(seed: number): Promise<FaultStack> {
  const run = await createRunDir();
  const closers: Closers = [() => run.remove()];
  const logDir = path.join(OUTPUT_DIR, 'logs');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const exits: ExitRecord[] = [];
  const startup: Record<string, number> = {};
  let mark = Date.now();
  const step = (name: string) => {
    startup[name] = Date.now() - mark;
    mark = Date.now();
  };
  try {
    const backends = await startBackends(run, closers);
    step('postgresAndRedis');
    // Closed in reverse: every service and agent is gone before the proxies, Redis and Postgres.
    closers.push(killEveryManagedProcess);
    const { authProxy, gatewayProxy } = backends;
    const wiring: ServiceWiring = {
      runDir: run.dir,
      logDir,
      marker: run.marker,
      databaseUrl: backends.pg.url('wirefleet'),
      redisUrl: backends.redis.url,
      authProxyPort: authProxy.port,
      gatewayProxyPort: gatewayProxy.port,
      onExit: (exit) => exits.push(exit),
      onSpawn: (pid) => run.recordPid(pid),
    };
    const { authApis, gateways } = await startServices(wiring, backends.authPorts, backends.gatewayPorts);
    step('services');
    const apiUrl = `http://127.0.0.1:${authProxy.port}`;
    const gatewayUrl = `ws://127.0.0.1:${gatewayProxy.port}/ws`;
    const api = new AdminApi(apiUrl);
    await api.login();
    const fleetWiring = { ...wiring, apiUrl, gatewayUrl, adminToken: await api.accessToken() };
    const fleet = await AgentFleet.enroll(fleetWiring, FAULT_SETTINGS.agents);
    step('enrollment');
    await fleet.startAll();
    const started = Date.now();
    const initial = await waitConverged(api, started, started + 120_000);
    if (!initial.converged) throw new Error(`the agents did not converge at start: ${JSON.stringify(initial.laggards)}`);
    step('agentsConverged');
    const clients = await startClients(gatewayUrl, apiUrl, fleet);
    step('clientsSubscribed');
    closers.push(async () => void (await Promise.all(clients.map((client) => client.stop()))));
    const readiness = new ReadinessMonitor([...authApis, ...gateways].map((p) => ({ name: p.name, url: p.spec.healthUrl!.replace('/healthz', '/readyz') })));
    readiness.start();
    closers.push(() => readiness.stop());
    const entries = { authApi: authApiEntry(), gateway: gatewayEntry(), agent: agentEntry() };
    const traffic = new Traffic(api, fleet, seed);
    return { run, logDir, ...backends, authApis, gateways, api, fleet, clients, readiness, traffic, exits, entries, startup, close: () => closeAll(closers) };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}
